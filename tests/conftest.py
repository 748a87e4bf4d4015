"""Shared test fixtures: real Redis (WIREWATCH_TEST_REDIS_URL when set, else the embedded
server), loopback HTTP sites, webhook receivers and SMTP servers. Only the clock is ever mocked."""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from redis import Redis
from redis.connection import parse_url
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from workers.history.schema import TABLES
from workers.redis_embedded import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus"
TEST_REDIS_ENV = "WIREWATCH_TEST_REDIS_URL"
TEST_POSTGRES_ENV = "WIREWATCH_TEST_POSTGRES_URL"
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # these machines' (trust auth)
POSTGRES_SCHEMA = "ww_test_gw"  # + K: xdist worker gwK's schema in WIREWATCH_TEST_POSTGRES_URL's database

# REDIS_URL names the Redis a tester runs wirewatch against, perhaps one that matters: the tests
# never see it (nor do the processes they start), so nothing here flushes it by surprise.
os.environ.pop("REDIS_URL", None)
os.environ.pop("WIREWATCH_HISTORY_URL", None)  # likewise the history store a tester runs against


def _workers(config: pytest.Config) -> int:
    """How many pytest-xdist workers this run has (0: the tests run in this process)."""
    if getattr(config.option, "dist", "no") == "no":
        return 0
    return len(getattr(config.option, "tx", None) or [])


def _worker() -> tuple[int, int] | None:
    """This process's xdist worker: (K of gwK, the run's number of workers); None outside xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER")
    if name is None:
        return None
    return int(name.removeprefix("gw")), int(os.environ["PYTEST_XDIST_WORKER_COUNT"])


def redis_database(url: str) -> int:
    """The database a Redis URL names (redis-py's reading: ?db= first, else the path, else 0)."""
    return int(parse_url(url).get("db", 0))


def with_redis_database(url: str, db: int) -> str:
    """The same Redis URL naming database `db`: in its ?db= when it has one (a unix:// URL can
    name its database nowhere else), else in its path."""
    head, _, query = url.partition("?")  # not urlunsplit: it would make unix:///x unix:/x
    pairs = parse_qsl(query, keep_blank_values=True)
    if head.startswith("unix:") or any(k == "db" for k, _ in pairs):
        return f"{head}?{urlencode([(k, v) for k, v in pairs if k != 'db'] + [('db', str(db))])}"
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--redis-tests-only", action="store_true",
        help="run only the tests that use the test Redis (the redis_url fixture): .ci/run's second "
             "pass, against the embedded Redis, has nothing to learn from the tests that start "
             "servers of their own (a sentinel group, a cut-off network, `wirewatch run`)",
    )  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--redis-tests-only"):
        return
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        (kept if "redis_url" in getattr(item, "fixturenames", ()) else left).append(item)
    config.hook.pytest_deselected(items=left)
    items[:] = kept


def pytest_report_header(config: pytest.Config) -> list[str]:
    workers = _workers(config)
    url = os.environ.get(TEST_REDIS_ENV)
    if url and workers:
        base = redis_database(url)
        redis = (f"{TEST_REDIS_ENV}={url}, worker gwK on database {base}+K (each test flushes its "
                 f"worker's database: {base}..{base + workers - 1})")  # fmt: skip
    elif url:
        redis = f"{TEST_REDIS_ENV}={url} (each test flushes that database)"
    else:
        whose = "each worker's" if workers else "the test run's"
        redis = f"an embedded server of {whose} own (set {TEST_REDIS_ENV} to use another)"
    postgres = os.environ.get(TEST_POSTGRES_ENV)
    if postgres:
        schemas = f", worker gwK in a schema {POSTGRES_SCHEMA}K of its own" if workers else ""
        postgres = f"{TEST_POSTGRES_ENV}={postgres}{schemas} (its history tables are emptied by tests)"
    else:
        whose = "each worker's" if workers else "the run's"
        postgres = f"a database of {whose} own on {POSTGRES_SERVER.rsplit('/', 1)[0]}, dropped after"
    return [f"redis: {redis}", f"postgresql: {postgres}"]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """WIREWATCH_TEST_REDIS_URL when set (a database of its own: it is flushed), else an embedded
    server in a temp dir. Under pytest-xdist, whose workers run tests at once, each worker flushes
    a database of its own: worker gwK the URL's database + K (so with -n N, databases base to
    base+N-1), or an embedded server of its own (this fixture runs once in each worker)."""
    url = os.environ.get(TEST_REDIS_ENV)
    if url:
        worker = _worker()
        if worker is None:
            yield url
            return
        k, count = worker
        if k >= count:  # a worker xdist started in place of one that crashed: gwN, gwN+1...
            pytest.fail(f"xdist worker gw{k} of {count}: its database would be outside the {count} "
                        f"announced ({redis_database(url)}+0..{count - 1}); rerun the tests")  # fmt: skip
        yield with_redis_database(url, redis_database(url) + k)
        return
    with tempfile.TemporaryDirectory(prefix="ww-test-", dir="/tmp") as tmp, EmbeddedRedis(Path(tmp)) as url:
        yield url


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database for history store tests: WIREWATCH_TEST_POSTGRES_URL when set (its
    history tables are emptied by each test), else one this run creates on 127.0.0.1:5432 and
    drops at its end. Nobody else's database is touched."""
    url = os.environ.get(TEST_POSTGRES_ENV)
    worker = _worker()
    if url and worker is not None:
        yield from _postgres_schema(url, f"{POSTGRES_SCHEMA}{worker[0]}")
        return
    if url:
        yield url
        return
    # Unique to this process: each xdist worker (a process) makes a database of its own.
    name = f"ww_test_{os.getpid()}_{secrets.token_hex(4)}"
    server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL at {POSTGRES_SERVER}: {exc}")
    try:
        yield POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + name
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _postgres_schema(url: str, schema: str) -> Iterator[str]:
    """The database `url` names, with `schema` first on its search path (made here, dropped
    after): xdist workers that share one named database each keep their tables apart."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    parsed = make_url(url)
    options = " ".join(filter(None, [parsed.query.get("options"), f"-c search_path={schema}"]))
    try:
        yield parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A history store of each backend, empty: SQLite in a temp dir, then PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.sqlite3'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    own = not os.environ.get(TEST_POSTGRES_ENV)  # a database of this process's own, else a named one
    _empty_postgres(url, own)
    yield url
    _empty_postgres(url, own)


def _empty_postgres(url: str, own: bool) -> None:
    """Drop the history tables. A test that failed may have left a transaction open (a timed-out
    test's traceback keeps alive the generator of an unfinished streamed read): in a database of
    this process's own, its sessions are ended first; in a named one the drop gives up after a
    minute rather than wait on it for ever (pytest-timeout, spent on the test, no longer runs)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if own:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))  # fmt: skip
        conn.execute(text("SET LOCAL lock_timeout = '60s'"))
        tables = ", ".join(t.name for t in TABLES)  # every history table, then Alembic's own
        conn.execute(text(f"DROP TABLE IF EXISTS {tables}, alembic_version CASCADE"))
    engine.dispose()


@pytest.fixture
def whsec() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A temp dir with a short path (unix socket paths are limited to ~100 characters)."""
    with tempfile.TemporaryDirectory(prefix="ww-", dir="/tmp") as tmp:
        yield Path(tmp)


def corpus_or_skip(sub: str) -> Path:
    path = CORPUS / sub
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path
