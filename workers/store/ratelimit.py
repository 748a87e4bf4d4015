"""Rate limits of the web app's costly requests (search, rule preview, rules test): a fixed
window per minute and per caller (an API token's name, or the address a page was asked from).

    ww:ratelimit:<caller>:<minute>   string: requests counted in that minute; EX 120 s
"""

from __future__ import annotations

from redis import Redis

from .common import PREFIX


def take(redis: Redis, caller: str, per_minute: int, now: float) -> float | None:
    """Count one request of `caller`: None if within `per_minute`, else the seconds until the
    next minute, when it may ask again. One round trip."""
    minute = int(now // 60)
    key = f"{PREFIX}ratelimit:{caller[:200]}:{minute}"
    with redis.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, 120)
        count = int(pipe.execute()[0])
    return None if count <= per_minute else (minute + 1) * 60 - now
