"""The scheduler's leader lock: one scheduler per Redis leads, the others stand by. The lock has a
TTL its holder keeps renewing, so that a leader that dies hands over within LOCK_TTL."""

from __future__ import annotations

import uuid

from redis import Redis

from .common import PREFIX

LEADER_KEY = PREFIX + "scheduler:leader"
LOCK_TTL = 30.0
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
# Taken when free, or kept when this holder holds it still: a leader that stood down because
# Redis refused its renewal (unreachable a moment, out of memory or disk) leads again as soon as
# Redis answers, not a whole TTL later when its own lock has lapsed.
_ACQUIRE = """
local held = redis.call('get', KEYS[1])
if held == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if held then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class LeaderLock:
    def __init__(self, redis: Redis, ttl: float = LOCK_TTL, key: str = LEADER_KEY) -> None:
        self.redis, self.ttl, self.key = redis, ttl, key
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        return bool(self.redis.eval(_ACQUIRE, 1, self.key, self.token, int(self.ttl * 1000)))

    def renew(self) -> bool:
        return bool(self.redis.eval(_RENEW, 1, self.key, self.token, int(self.ttl * 1000)))

    def fence(self) -> tuple[str, str]:
        """What a write checks in its own script to be made only while this lock is held by this
        holder (workers.store.schedule.claim_due): the lock's key and the holder's token."""
        return self.key, self.token

    def release(self) -> None:
        self.redis.eval(_RELEASE, 1, self.key, self.token)


def leader_present(redis: Redis) -> bool:
    """Whether some scheduler holds the lock now."""
    return bool(redis.exists(LEADER_KEY))
