"""Shared test fixtures: real Redis (WIREWATCH_TEST_REDIS_URL when set, else the embedded
server), loopback HTTP sites, webhook receivers and SMTP servers. Only the clock is ever mocked."""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from workers.redis_embedded import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus"
TEST_REDIS_ENV = "WIREWATCH_TEST_REDIS_URL"
TEST_POSTGRES_ENV = "WIREWATCH_TEST_POSTGRES_URL"
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # these machines' (trust auth)

# REDIS_URL names the Redis a tester runs wirewatch against, perhaps one that matters: the tests
# never see it (nor do the processes they start), so nothing here flushes it by surprise.
os.environ.pop("REDIS_URL", None)
os.environ.pop("WIREWATCH_HISTORY_URL", None)  # likewise the history store a tester runs against


def pytest_report_header() -> list[str]:
    url = os.environ.get(TEST_REDIS_ENV)
    redis = f"redis: an embedded server of the test run's own (set {TEST_REDIS_ENV} to use another)"
    if url:
        redis = f"redis: {TEST_REDIS_ENV}={url} (each test flushes that database)"
    postgres = os.environ.get(TEST_POSTGRES_ENV)
    return [
        redis,
        f"postgresql: {TEST_POSTGRES_ENV}={postgres} (its history tables are emptied by tests)"
        if postgres
        else f"postgresql: a database of the run's own on {POSTGRES_SERVER.rsplit('/', 1)[0]}, dropped after",
    ]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """WIREWATCH_TEST_REDIS_URL when set (a database of its own: it is flushed), else an embedded
    server in a temp dir."""
    url = os.environ.get(TEST_REDIS_ENV)
    if url:
        yield url
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
    if url:
        yield url
        return
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


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A history store of each backend, empty: SQLite in a temp dir, then PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.sqlite3'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    yield url
    _empty_postgres(url)


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS articles, alerts, deliveries, delivery_tries, seen, copied, "
                          "alembic_version CASCADE"))  # fmt: skip
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
