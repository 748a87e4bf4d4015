"""An installation of the Redis-only wirewatch upgraded in place: a Redis filled by the released
version before the history store (tests/fixtures/redis) is copied into the history store once,
idempotently, and only then are the Redis copies removed or given their bounded lifetime."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from redis import Redis
from sqlalchemy import func, select

from pipeline.config import load_config
from tests.fixtures.redis.load import BEFORE_HISTORY_STORE, load_fixture
from workers.history import alerts as alert_rows
from workers.history import articles as article_rows
from workers.history import copied
from workers.history import deliveries as delivery_rows
from workers.history.schema import alerts, articles, deliveries
from workers.services import Services
from workers.store import legacy
from workers.store import seen as seen_store
from workers.upgrade import upgrade_from_redis

MADE_AT = datetime(2026, 12, 6, 23, 16, tzinfo=UTC)  # just after the fixture was made


@pytest.fixture
def old_redis(redis: Redis) -> Iterator[Redis]:
    with time_machine.travel(MADE_AT, tick=True):
        load_fixture(redis, BEFORE_HISTORY_STORE)
        yield redis


@pytest.fixture
def services(tmp_path: Path, old_redis: Redis, history_url: str) -> Iterator[Services]:
    config = tmp_path / "wirewatch.yaml"
    config.write_text(f"data_dir: {tmp_path / 'var'}\nhistory_url: {history_url}\nrules: []\n", "utf-8")
    s = Services(load_config(str(config)), old_redis)
    yield s
    s.history.close()


def _rows(services: Services) -> dict[str, int]:
    with services.history.begin() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (articles, alerts, deliveries)}  # fmt: skip


def test_what_the_old_version_kept_in_redis_moves_to_the_history_store(services: Services) -> None:
    redis = services.redis
    old_ids = {a.entry_key for a in _old_archive(redis)}
    counts = upgrade_from_redis(services)
    assert counts is not None
    assert counts["articles"] == 6 and counts["alerts"] == 7 and counts["deliveries"] == 28
    assert counts["finished jobs"] == 7
    assert _rows(services) == {"articles": 6, "alerts": 7, "deliveries": 28}
    assert {a.entry_key for a in article_rows.read(services.history, 0)} == old_ids
    made = alert_rows.recent(services.history, limit=50)
    assert {a.rule_id for a in made} == {"icc", "navalny", "kremlin-spokesman"}  # with their details
    failed = delivery_rows.recent(services.history, failed=True, limit=50)
    assert {d.sink for d in failed} == {"down", "chat"} and len(failed) == 14
    # Only after the copy: the archive stream is gone, the records left expire with the window.
    assert not redis.exists("ww:archive") and not redis.exists("ww:deliveries")
    window = services.config.defaults.story_window
    for key in [*redis.scan_iter("ww:alert:*"), *redis.scan_iter("ww:story:*:copies")]:
        assert 0 < redis.ttl(key) <= window + 86400, key
    assert redis.zcard("rq:finished:alerts") == 0  # no finished job kept as a marker
    assert legacy.upgraded(redis) is not None
    assert seen_store.legacy_seen_until(redis) is not None  # old seen keys still count
    assert upgrade_from_redis(services) is None  # done once


def test_a_crash_midway_and_a_second_start_copy_nothing_twice(services: Services) -> None:
    redis = services.redis
    first = legacy.archive_page(redis, "0-0", 4)
    with services.history.begin() as conn:  # what a run that died after its first page left
        article_rows.add(conn, [item for _, item in first])
        copied.set_position(conn, "archive", first[-1][0], 0.0)
    counts = upgrade_from_redis(services)
    assert counts is not None and counts["articles"] == 2  # the rest only
    redis.delete(legacy.UPGRADED_KEY)  # a second start that copies again from what is left
    upgrade_from_redis(services)
    assert _rows(services) == {"articles": 6, "alerts": 7, "deliveries": 28}


def test_two_processes_starting_at_once_upgrade_once(services: Services) -> None:
    token = legacy.take_upgrade(services.redis)  # another process is upgrading
    assert token is not None
    assert upgrade_from_redis(services) is None
    assert services.redis.exists("ww:archive")  # left to the other one
    legacy.release_upgrade(services.redis, token)
    assert upgrade_from_redis(services) is not None


def _old_archive(redis: Redis) -> list:  # type: ignore[type-arg]
    return [item for _, item in legacy.archive_page(redis, "0-0", 100)]
