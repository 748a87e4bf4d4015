"""Entries handed to article work, for seen_ttl: each feed's recent entries are in Redis
(workers.store.seen); an entry that comes back after it left that window is answered here, so
nothing already handled is handled again."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from pipeline.models import short_hash

from ._sql import delete_older, insert_new
from .database import History
from .schema import seen


def entry_hash(key: str) -> str:
    return short_hash(key, size=24)


def add(conn: Connection, feed_id: str, keys: Sequence[str], now: float) -> None:
    if keys:
        rows = [{"entry_hash": entry_hash(k), "feed_id": feed_id, "first_seen": now} for k in keys]
        conn.execute(insert_new(conn, seen, ["entry_hash"]), rows)


MAX_KEYS_PER_QUERY = 10_000  # a poll batch of new feeds lists up to 100,000 keys: PostgreSQL
# takes at most 65,535 parameters a statement, SQLite 32,766 in some builds


def seen_among(history: History, keys: Sequence[str], since: float) -> set[str]:
    """Which of these entry keys were handed to article work since `since` (one query, or one
    per MAX_KEYS_PER_QUERY keys)."""
    if not keys:
        return set()
    by_hash = {entry_hash(k): k for k in keys}
    hashes = list(by_hash)
    found: set[str] = set()
    with history.begin() as conn:
        for start in range(0, len(hashes), MAX_KEYS_PER_QUERY):
            chunk = hashes[start : start + MAX_KEYS_PER_QUERY]
            q = select(seen.c.entry_hash).where(seen.c.entry_hash.in_(chunk), seen.c.first_seen >= since)
            found.update(by_hash[r[0]] for r in conn.execute(q))
    return found


def forget_before(history: History, cutoff: float) -> int:
    """Delete what is older than `cutoff` (retention), in batches; how many."""
    return delete_older(history, seen.c.first_seen, cutoff)
