"""Keys of the Redis-only wirewatch (before the history store), read by the upgrade in place
(workers.upgrade) alone: the archive stream (ww:archive, one zlib-compressed JSON article an
entry), alert and delivery records kept for seen_ttl, seen
entries one key each, finished delivery jobs kept as markers. And the upgrade's own keys:

    ww:history:upgraded    string: the upgrade's version once it is done (no TTL: one key)
    ww:history:upgrading   string: the token of the process upgrading (EX UPGRADE_LEASE, renewed)
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator

from redis import Redis
from rq.job import Job
from rq.registry import FinishedJobRegistry
from rq.serializers import JSONSerializer

from pipeline.models import Archived

from .common import PREFIX, to_str
from .deliveries import DELIVERIES

ARCHIVE_KEY = PREFIX + "archive"  # stream: field `a`, zlib-compressed JSON of an Archived
UPGRADED_KEY = PREFIX + "history:upgraded"
UPGRADING_KEY = PREFIX + "history:upgrading"
UPGRADE_LEASE = 120  # seconds; renewed after every page copied
SCAN_COUNT = 1000


def upgraded(redis: Redis) -> str | None:
    return to_str(redis.get(UPGRADED_KEY))


def mark_upgraded(redis: Redis, version: str) -> None:
    redis.set(UPGRADED_KEY, version)


def take_upgrade(redis: Redis) -> str | None:
    """A token to upgrade with (None: another process is upgrading)."""
    token = uuid.uuid4().hex
    return token if redis.set(UPGRADING_KEY, token, nx=True, ex=UPGRADE_LEASE) else None


_RENEW = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then return redis.call('del', KEYS[1]) end
return redis.call('expire', KEYS[1], ARGV[2])
"""


def renew_upgrade(redis: Redis, token: str) -> bool:
    return bool(redis.eval(_RENEW, 1, UPGRADING_KEY, token, UPGRADE_LEASE))


def release_upgrade(redis: Redis, token: str) -> None:
    redis.eval(_RENEW, 1, UPGRADING_KEY, token, 0)


# The archive stream.
def _decode(raw: bytes) -> Archived:
    return Archived.model_validate_json(zlib.decompress(raw))


def archive_page(redis: Redis, after: str, count: int) -> list[tuple[str, Archived]]:
    """The archived articles after stream id `after` ("0-0": from the start), oldest first."""
    rows: list[tuple[bytes, dict[bytes, bytes]]] = redis.xrange(  # type: ignore[assignment]
        ARCHIVE_KEY, f"({after}" if after != "0-0" else "-", "+", count=count
    )
    return [(to_str(i) or "", _decode(fields[b"a"])) for i, fields in rows]


def drop_archive(redis: Redis) -> None:
    redis.delete(ARCHIVE_KEY)


def drop_recent_deliveries(redis: Redis) -> None:
    """The old list of recent deliveries (the history store lists them now)."""
    redis.delete(DELIVERIES)


# Alert and delivery records.
def _scan(redis: Redis, pattern: str) -> Iterator[str]:
    for key in redis.scan_iter(match=pattern, count=SCAN_COUNT):
        yield to_str(key) or ""


def alert_keys(redis: Redis) -> Iterator[tuple[str, str]]:
    """(alert id, key) of every alert record."""
    prefix = f"{PREFIX}alert:"
    for key in _scan(redis, prefix + "*"):
        yield key.removeprefix(prefix), key


def delivery_ids(redis: Redis) -> Iterator[str]:
    """The id of every delivery record (not of its :done and :given_up sets)."""
    prefix = f"{PREFIX}delivery:"
    for key in _scan(redis, prefix + "*"):
        if not key.endswith((":done", ":given_up")):
            yield key.removeprefix(prefix)


def story_copy_keys(redis: Redis) -> Iterator[str]:
    return _scan(redis, f"{PREFIX}story:*:copies")


def shorten(redis: Redis, keys: list[str], ttl: float) -> None:
    """Each key expires within `ttl` seconds at the latest (sooner if it would anyway)."""
    ms = max(1000, int(ttl * 1000))
    with redis.pipeline(transaction=False) as pipe:  # PEXPIRE's LT is Redis 7's: not the embedded 6.2's
        for key in keys:
            pipe.pttl(key)
        left = pipe.execute()
        for key, ttl_ms in zip(keys, left, strict=True):
            if ttl_ms == -1 or ttl_ms > ms:
                pipe.pexpire(key, ms)
        pipe.execute()


def values(redis: Redis, keys: list[str]) -> list[str | None]:
    return [to_str(v) for v in redis.mget(keys)] if keys else []


def drop_finished_delivery_jobs(redis: Redis) -> int:
    """Finished delivery jobs kept as markers (the old result_ttl of seen_ttl): deleted."""
    registry = FinishedJobRegistry("alerts", connection=redis, serializer=JSONSerializer)
    ids = [i for i in registry.get_job_ids() if i.startswith("deliver")]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        with redis.pipeline(transaction=False) as pipe:
            for job_id in chunk:
                pipe.delete(Job.key_for(job_id))
                pipe.zrem(registry.key, job_id)
            pipe.execute()
    return len(ids)
