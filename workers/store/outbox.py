"""The history store's outbox: writes for the SQL history store kept in Redis while that store is
down, written there when it is back (workers.recording). Bounded: at most OUTBOX_MAX writes; a
write beyond that is refused (OutboxFull, a retriable error), and the job that made it fails and
is retried later by RQ, so nothing is lost and Redis does not fill up. A delivery's state may use
a reserve beyond that (workers.recording.Recorder.delivery).

    ww:history:outbox   list: JSON writes, oldest first
    ww:history:down     string: why the history store failed last (EX DOWN_TTL)
    ww:history:drain    string: a drainer's token, so one process drains at a time (EX 60 s)
"""

from __future__ import annotations

import uuid

from redis import Redis

from pipeline.errors import RetriableError

from .common import PREFIX, to_str

OUTBOX_KEY = PREFIX + "history:outbox"
DOWN_KEY = PREFIX + "history:down"
DRAIN_KEY = PREFIX + "history:drain"
OUTBOX_MAX = 200_000  # writes kept at most (an article with its text is about 4 KB: 800 MB at worst)
DOWN_TTL = 300  # a "down" note no write has confirmed for this long is dropped

_PUSH = """
if redis.call('llen', KEYS[1]) + #ARGV - 1 > tonumber(ARGV[1]) then return -1 end
for i = 2, #ARGV do redis.call('rpush', KEYS[1], ARGV[i]) end
return redis.call('llen', KEYS[1])
"""


class OutboxFull(RetriableError):
    """The outbox holds its limit of writes: the caller must keep its write. Retriable: the job
    fails and RQ runs it again later (workers.retries), by when the store may be back."""


def push(redis: Redis, writes: list[str], limit: int = OUTBOX_MAX) -> int:
    """Keep these writes for later, all or none; how many wait now. OutboxFull when full."""
    waiting = int(redis.eval(_PUSH, 1, OUTBOX_KEY, limit, *writes))
    if waiting < 0:
        raise OutboxFull(f"the history store's outbox holds {limit:,} writes")
    return waiting


def peek(redis: Redis, count: int) -> list[str]:
    return [to_str(w) or "" for w in redis.lrange(OUTBOX_KEY, 0, count - 1)]


def drop(redis: Redis, count: int) -> None:
    """The oldest `count` writes are in the history store now."""
    redis.ltrim(OUTBOX_KEY, count, -1)


def waiting(redis: Redis) -> int:
    return int(redis.llen(OUTBOX_KEY))


def note_down(redis: Redis, why: str) -> None:
    redis.set(DOWN_KEY, why[:500], ex=DOWN_TTL)


def note_up(redis: Redis) -> None:
    redis.delete(DOWN_KEY)


def down_reason(redis: Redis) -> str | None:
    return to_str(redis.get(DOWN_KEY))


def trouble(redis: Redis) -> str | None:
    """What `status`, the status page and /readyz say while the history store is down (None:
    it is not known to be down)."""
    why = down_reason(redis)
    if why is None:
        return None
    n = waiting(redis)
    return f"history store down: {why}; {n:,} {'write waits' if n == 1 else 'writes wait'} in Redis"


def take_drain(redis: Redis) -> str | None:
    """A token to drain with (None: another process drains now)."""
    token = uuid.uuid4().hex
    return token if redis.set(DRAIN_KEY, token, nx=True, ex=60) else None


_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def release_drain(redis: Redis, token: str) -> None:
    redis.eval(_RELEASE, 1, DRAIN_KEY, token)
