"""A host's poll starts in Redis: the check before a request goes, and the mark once it went."""

from __future__ import annotations

import time

from redis import Redis

from workers.store import slots

HOST = "news.example.org"


def test_the_gap_counts_from_when_the_request_went_not_from_its_check(redis: Redis) -> None:
    assert slots.start_poll(redis, HOST, 1.0) is None  # the check: it may go now
    time.sleep(0.3)  # the request waited for the CPU between its check and its first write
    before_sent = time.monotonic()
    slots.poll_sent(redis, HOST, 1.0)
    wait = slots.start_poll(redis, HOST, 1.0)
    since_sent = time.monotonic() - before_sent
    # Counted from the check, the next poll would wait 1.0 - 0.3 - since_sent at most.
    assert wait is not None and wait > 1.0 - since_sent


def test_a_mark_of_a_send_never_moves_a_later_start_back(redis: Redis) -> None:
    assert slots.start_poll(redis, HOST, 1.0) is None
    key = f"ww:host:{HOST}:polled"
    later = float(redis.get(key) or 0) + 30  # a start another worker marked, by a clock ahead
    redis.set(key, f"{later:.6f}")
    slots.poll_sent(redis, HOST, 1.0)
    assert float(redis.get(key) or 0) == later
