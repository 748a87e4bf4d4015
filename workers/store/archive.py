"""The old form of the article archive, read only by the upgrade to the history store: every
processed article, compressed, in a Redis stream trimmed by time. The running system no longer
writes it: processed articles go to the history store (workers.history.articles, written through
workers.recording), which `wirewatch search` and `backfill` read.

    ww:archive      stream: one entry per processed article, field `a` = zlib-compressed JSON of
                    a `pipeline.models.Archived`; entry ids are milliseconds of the processing
                    time, and every write dropped the entries older than `archive_retention`

`append` writes this old form only for the upgrade's tests and bench/stories.py. An article may
be in it twice (a job run again after a crash): `read` keeps the first of each entry key.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

from redis import Redis
from redis.client import Pipeline

from pipeline.models import Archived

from .common import PREFIX

ARCHIVE_KEY = PREFIX + "archive"
PAGE = 200  # entries read per round trip

# Ids from the writer's clock (so a test can move it), never lower than the last one: workers
# on several machines may disagree by a few milliseconds. (Spelled out as ms-seq: Redis 6.2, the
# embedded server, has no ms-* ids.)
_APPEND = """
local ms, seq = tonumber(ARGV[1]), 0
local last = redis.call('xrevrange', KEYS[1], '+', '-', 'COUNT', 1)[1]
if last then
  local last_ms, last_seq = string.match(last[1], '^(%d+)-(%d+)$')
  if tonumber(last_ms) >= ms then ms, seq = tonumber(last_ms), tonumber(last_seq) + 1 end
end
for i = 3, #ARGV do
  redis.call('xadd', KEYS[1], 'MINID', ARGV[2], string.format('%d-%d', ms, seq), 'a', ARGV[i])
  seq = seq + 1
end
return #ARGV - 2
"""


def encode(item: Archived) -> bytes:
    return zlib.compress(item.to_json().encode("utf-8"), 6)


def decode(raw: bytes) -> Archived:
    return Archived.model_validate_json(zlib.decompress(raw))


def append(pipe: Pipeline | Redis, items: Sequence[Archived], now: float, retention: float) -> None:
    """Archive these articles and forget those older than `retention` seconds (0: no archive)."""
    if not items or retention <= 0:
        return
    oldest = int((now - retention) * 1000)
    pipe.eval(_APPEND, 1, ARCHIVE_KEY, int(now * 1000), max(0, oldest), *(encode(i) for i in items))


def read(redis: Redis, since: float, newest_first: bool = False) -> Iterator[Archived]:
    """The archived articles processed since `since` (Unix seconds), oldest or newest first, each
    entry key once."""
    seen: set[str] = set()
    low, high = f"{int(since * 1000)}-0", "+"
    while True:
        rows: list[tuple[bytes, dict[bytes, bytes]]] = (
            redis.xrevrange(ARCHIVE_KEY, high, low, count=PAGE)  # type: ignore[assignment]
            if newest_first
            else redis.xrange(ARCHIVE_KEY, low, high, count=PAGE)
        )
        for _id, fields in rows:
            item = decode(fields[b"a"])
            if item.entry_key not in seen:
                seen.add(item.entry_key)
                yield item
        if len(rows) < PAGE:
            return
        last = rows[-1][0].decode()
        if newest_first:
            high = "(" + last
        else:
            low = "(" + last


def size(redis: Redis) -> int:
    return int(redis.xlen(ARCHIVE_KEY))
