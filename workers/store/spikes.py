"""Spike notices' cooldowns: one notice per rule per cooldown (pipeline.spikes decides).

ww:spike:<rule id>   string: when the rule's last spike notice was made (EX its cooldown)
"""

from __future__ import annotations

from redis import Redis

from pipeline.models import Notice

from .common import PREFIX, to_str

RECENT = f"{PREFIX}spikes"
KEEP = 7 * 86400.0  # seconds a spike notice is listed by the digests that go after it


def cooldown_key(rule_id: str) -> str:
    return f"{PREFIX}spike:{rule_id}"


def take_cooldown(redis: Redis, rule_id: str, cooldown: float, now: float) -> bool:
    """Start the rule's cooldown; False when one runs already (a notice was made within it)."""
    return bool(redis.set(cooldown_key(rule_id), f"{now:.3f}", nx=True, ex=max(1, int(cooldown))))


def give_back(redis: Redis, rule_id: str) -> None:
    """The cooldown taken for a notice that could not be queued: the next look makes it again."""
    redis.delete(cooldown_key(rule_id))


def cooling(redis: Redis, rule_ids: list[str]) -> set[str]:
    """The rules whose cooldown runs."""
    if not rule_ids:
        return set()
    found = redis.mget([cooldown_key(r) for r in rule_ids])
    return {rule_id for rule_id, value in zip(rule_ids, found, strict=True) if value is not None}


def remember(redis: Redis, notice: Notice, now: float) -> None:
    """A spike notice made now, for the digests that go within KEEP (older ones dropped)."""
    with redis.pipeline(transaction=True) as pipe:
        pipe.zadd(RECENT, {notice.to_json(): now})
        pipe.zremrangebyscore(RECENT, "-inf", now - KEEP)
        pipe.execute()


def made_since(redis: Redis, since: float) -> list[Notice]:
    """The spike notices made since `since`, oldest first."""
    return [
        Notice.model_validate_json(to_str(raw) or "{}") for raw in redis.zrangebyscore(RECENT, since, "+inf")
    ]
