"""Sink state: busy (deliver through the queue) and disabled (after a 410 Gone)."""

from __future__ import annotations

from redis import Redis

from .common import PREFIX, to_str


def sink_busy_key(sink_id: str) -> str:
    return f"{PREFIX}sink:{sink_id}:busy"


def sink_disabled_key(sink_id: str) -> str:
    return f"{PREFIX}sink:{sink_id}:disabled"


def disable_sink(redis: Redis, sink_id: str, reason: str) -> bool:
    """Send nothing more to this sink; True when it was enabled until now."""
    return bool(redis.set(sink_disabled_key(sink_id), reason, nx=True))


def sink_disabled(redis: Redis, sink_id: str) -> str | None:
    """Why the sink is disabled (its 410), or None."""
    return to_str(redis.get(sink_disabled_key(sink_id)))


def enable_sink(redis: Redis, sink_id: str) -> bool:
    """Send to a disabled sink again; False when it was not disabled."""
    return bool(redis.delete(sink_disabled_key(sink_id)))


def mark_sink_busy(redis: Redis, sink_id: str, seconds: float) -> None:
    redis.set(sink_busy_key(sink_id), "1", ex=max(1, int(seconds)))
