"""Seen entries: an entry handed to article work is not handed again for seen_ttl."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redis import Redis
from redis.client import Pipeline

from pipeline.models import Entry, short_hash

from .common import PREFIX


def seen_key(entry_key: str) -> str:
    return f"{PREFIX}seen:{short_hash(entry_key, size=24)}"


def seen_flags(redis: Redis, entries: Sequence[Entry]) -> list[bool]:
    """Whether each entry was seen before, in one round trip."""
    if not entries:
        return []
    with redis.pipeline(transaction=False) as pipe:
        for e in entries:
            pipe.exists(*(seen_key(k) for k in (e.key, *e.alt_keys)))  # seen under any of its keys
        return [bool(count) for count in pipe.execute()]


def mark_seen(pipe: Pipeline, entries: Iterable[Entry], ttl: float) -> None:
    for e in entries:
        for k in (e.key, *e.alt_keys):
            pipe.set(seen_key(k), "1", ex=max(1, int(ttl)))
