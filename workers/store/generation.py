"""The config generation: a counter that `wirewatch reload` (or SIGHUP) counts up once the config
files load; every process loads its config again when it sees the counter move (workers.reload)."""

from __future__ import annotations

from redis import Redis

from .common import PREFIX

GENERATION_KEY = PREFIX + "config:generation"


def generation(redis: Redis) -> int:
    raw = redis.get(GENERATION_KEY)
    return int(raw) if raw else 0


def advance(redis: Redis) -> int:
    """Count the generation up; the new one."""
    return int(redis.incr(GENERATION_KEY))
