"""The tests flush a Redis database only when told which (WIREWATCH_TEST_REDIS_URL); a REDIS_URL
in the tester's environment, perhaps naming a Redis that matters, is never touched. Checked by
running a test that writes and flushes, under our conftest, against a Redis of this test's own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from redis import Redis

from workers.redis_embedded import EmbeddedRedis

from .helpers import ROOT
from .test_cli import clean_env

INNER = """
def test_inner(redis):
    redis.set("inner-was-here", "1")
"""


def _pytest(tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp / "test_inner.py").write_text(INNER, "utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.conftest",
         "-c", "/dev/null", "--rootdir", str(tmp), str(tmp / "test_inner.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**{k: v for k, v in clean_env().items() if k != "WIREWATCH_TEST_REDIS_URL"}, **env},
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
