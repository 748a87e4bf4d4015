"""The tests flush a Redis database only when told which (WIREWATCH_TEST_REDIS_URL); a REDIS_URL
in the tester's environment, perhaps naming a Redis that matters, is never touched. Checked by
running a test that writes and flushes, under our conftest, against a Redis of this test's own;
under pytest-xdist, each worker (gwK) flushes a database of its own, the named one + K."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis

from tests.conftest import with_redis_database
from workers.redis_embedded import EmbeddedRedis

from .helpers import ROOT
from .test_cli import clean_env

INNER = """
def test_inner(redis):
    redis.set("inner-was-here", "1")
"""

# Each test says which database its worker flushed; xdist hands its first tests to every worker.
INNER_XDIST = """
import os
import pytest

@pytest.mark.parametrize("n", range(40))
def test_inner(redis, n):
    redis.set("inner-was-here", "1")
    db = redis.connection_pool.connection_kwargs["db"]
    with open(os.environ["INNER_RECORD"], "a") as f:
        f.write(f"{os.environ['PYTEST_XDIST_WORKER']} {db}\\n")
"""


def _pytest(tmp: Path, *args: str, inner: str = INNER, **env: str) -> subprocess.CompletedProcess[str]:
    """The inner run. Ours may be an xdist worker (gwK): the inner run must not take that for its
    own, or it would flush database +K instead of the one it is told."""
    (tmp / "test_inner.py").write_text(inner, "utf-8")
    ours = {k: v for k, v in clean_env().items()
            if k != "WIREWATCH_TEST_REDIS_URL" and not k.startswith("PYTEST_XDIST_")}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.conftest",
         "-c", "/dev/null", "--rootdir", str(tmp), *args, str(tmp / "test_inner.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**ours, **env},
    )  # fmt: skip


def test_a_redis_url_in_the_environment_is_left_alone_and_a_named_test_database_is_flushed(
    short_tmp: Path,
) -> None:
    with EmbeddedRedis(short_tmp / "theirs") as url:
        theirs = f"{url}?db=3"
        precious = Redis.from_url(theirs)
        precious.set("precious", "1")

        untold = _pytest(short_tmp, REDIS_URL=theirs)
        assert untold.returncode == 0, untold.stdout + untold.stderr
        assert "redis: an embedded server of the test run's own" in untold.stdout
        assert precious.get("precious") == b"1" and precious.get("inner-was-here") is None

        told = _pytest(short_tmp, WIREWATCH_TEST_REDIS_URL=theirs)
        assert told.returncode == 0, told.stdout + told.stderr
        assert f"redis: WIREWATCH_TEST_REDIS_URL={theirs} (each test flushes that database)" in told.stdout
        assert precious.dbsize() == 0  # the inner test wrote, then its fixture flushed
        precious.close()


def test_under_xdist_each_worker_flushes_the_named_database_plus_its_number(short_tmp: Path) -> None:
    with EmbeddedRedis(short_tmp / "theirs") as url:
        dbs = {n: Redis.from_url(f"{url}?db={n}") for n in (3, 4, 5)}
        for db in dbs.values():
            db.set("precious", "1")
        record = short_tmp / "record"
        record.touch()
        told = _pytest(short_tmp, "-n", "2", inner=INNER_XDIST, WIREWATCH_TEST_REDIS_URL=f"{url}?db=3",
                       INNER_RECORD=str(record))  # fmt: skip
        assert told.returncode == 0, told.stdout + told.stderr
        assert "40 passed" in told.stdout
        assert f"{url}?db=3, worker gwK on database 3+K (each test flushes its worker's database: 3..4)" in (
            told.stdout
        )
        ran = [line.split() for line in record.read_text().splitlines()]
        assert len(ran) == 40 and all(db == str(3 + int(worker.removeprefix("gw"))) for worker, db in ran)
        assert {worker for worker, _ in ran} == {"gw0", "gw1"}
        assert dbs[3].dbsize() == 0 and dbs[4].dbsize() == 0  # flushed by their workers' tests
        assert dbs[5].get("precious") == b"1" and dbs[5].dbsize() == 1  # beyond 3..4: untouched
        for db in dbs.values():
            db.close()


@pytest.mark.parametrize(
    ("url", "db", "expected"),
    [
        ("redis://127.0.0.1:6379/6", 7, "redis://127.0.0.1:6379/7"),
        ("redis://:pw@127.0.0.1:6379", 1, "redis://:pw@127.0.0.1:6379/1"),
        ("rediss://h:1/2?socket_timeout=3", 3, "rediss://h:1/3?socket_timeout=3"),
        ("redis://h/2?db=5", 6, "redis://h/2?db=6"),  # redis-py reads ?db= before the path
        ("unix:///tmp/ww/redis.sock", 1, "unix:///tmp/ww/redis.sock?db=1"),
        ("unix:///tmp/ww/redis.sock?db=3&x=y", 4, "unix:///tmp/ww/redis.sock?x=y&db=4"),
    ],
)
def test_a_worker_database_is_named_where_redis_py_reads_it(url: str, db: int, expected: str) -> None:
    assert with_redis_database(url, db) == expected
