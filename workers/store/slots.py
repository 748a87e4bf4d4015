"""Sending slots shared by every worker: a host's polls `host_delay` apart, a sink's messages
`max_per_minute`."""

from __future__ import annotations

from redis import Redis

from .common import PREFIX, to_str

_RESERVE_SLOT = """
local now, gap = tonumber(ARGV[1]), tonumber(ARGV[2])
local at = math.max(now, tonumber(redis.call('get', KEYS[1]) or '0'))
redis.call('set', KEYS[1], tostring(at + gap), 'PX', math.ceil((at + gap - now) * 1000) + 1000)
return tostring(at - now)
"""


def reserve_send_slot(redis: Redis, sink_id: str, now: float, per_minute: int) -> float:
    """Book the sink's next free sending slot (slots 60/per_minute seconds apart, shared by every
    worker) and return how many seconds from `now` it is."""
    return float(
        to_str(redis.eval(_RESERVE_SLOT, 1, f"{PREFIX}sink:{sink_id}:next", now, 60.0 / per_minute)) or 0
    )


_RESERVE_HOST = """
local now, delay, most = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local at = math.max(now, tonumber(redis.call('get', KEYS[1]) or '0'))
if at - now > most then return {'0', tostring(at - now)} end
redis.call('set', KEYS[1], tostring(at + delay), 'PX', math.ceil((at + delay - now) * 1000) + 1000)
return {'1', tostring(at - now)}
"""


def reserve_host(redis: Redis, host: str, now: float, delay: float, most: float) -> tuple[bool, float]:
    """Book the next poll slot of `host` (slots `delay` seconds apart, shared by every worker):
    (True, seconds to wait for it), or (False, seconds until one is free) when that is more
    than `most` away and nothing was booked."""
    granted, wait = redis.eval(_RESERVE_HOST, 1, f"{PREFIX}host:{host}", now, delay, most)
    return to_str(granted) == "1", float(to_str(wait) or 0)
