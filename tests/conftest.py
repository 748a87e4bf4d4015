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

from workers.redis_embedded import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus"
TEST_REDIS_ENV = "WIREWATCH_TEST_REDIS_URL"

# REDIS_URL names the Redis a tester runs wirewatch against, perhaps one that matters: the tests
# never see it (nor do the processes they start), so nothing here flushes it by surprise.
os.environ.pop("REDIS_URL", None)


def pytest_report_header() -> str:
    url = os.environ.get(TEST_REDIS_ENV)
    if url:
        return f"redis: {TEST_REDIS_ENV}={url} (each test flushes that database)"
    return f"redis: an embedded server of the test run's own (set {TEST_REDIS_ENV} to use another)"


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
