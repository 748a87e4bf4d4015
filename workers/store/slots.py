"""Sending slots shared by every worker: a host's polls `host_delay` apart (planned ahead, and
checked as each starts: workers.planning), a sink's messages `max_per_minute`."""

from __future__ import annotations

from collections.abc import Sequence

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


# KEYS: the hosts' slot keys. ARGV[1] now, ARGV[2] the earliest slot, ARGV[3] the latest slot
# booked, ARGV[4] the pace; then for each poll in turn, the index of its host's key and the host's
# spacing. The n-th poll (from 0) gets its host's next free slot, not before earliest + n x pace;
# those up to the latest are booked (the key moves past them), those after are only told when
# theirs would come, in order.
_BOOK_HOSTS = """
local now, earliest, latest, pace = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local free, booked, out = {}, {}, {}
for i = 5, #ARGV, 2 do
  local k, gap = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local at = math.max(earliest + #out * pace, free[k] or tonumber(redis.call('get', KEYS[k]) or '0'))
  free[k] = at + gap
  if at <= latest then booked[k] = at + gap end
  table.insert(out, string.format('%.6f', at))
end
for k, after in pairs(booked) do
  redis.call('set', KEYS[k], string.format('%.6f', after), 'PX', math.ceil((after - now) * 1000) + 1000)
end
return out
"""


def book_hosts(
    redis: Redis,
    polls: Sequence[tuple[str, float]],
    now: float,
    earliest: float,
    latest: float,
    pace: float = 0.0,
) -> list[float]:
    """For each poll (its host, the spacing of the host's slots), in order, its host's next free
    slot, not before `earliest` (the n-th poll, from 0: earliest + n x pace), in one round trip:
    a slot up to `latest` is booked (shared by every worker and scheduler); a later one is only
    when that poll's would come after the others asked for its host here (nothing is booked)."""
    if not polls:
        return []
    index: dict[str, int] = {}
    args: list[float | int] = []
    for host, gap in polls:
        args += [index.setdefault(host, len(index) + 1), gap]
    keys = [f"{PREFIX}host:{host}" for host in index]
    raw = redis.eval(_BOOK_HOSTS, len(keys), *keys, now, earliest, latest, pace, *args)
    return [float(to_str(at) or 0) for at in raw]


# KEYS[1] the host's last poll start; ARGV[1] the gap. By Redis's clock, so that nothing of the
# caller's (its round trip, a wait for the CPU) comes between the time read and the time set, and
# every worker's clock is the same one. '' and now set as the last start when the gap has
# passed since the last one; else the seconds until it will have.
_START_POLL = """
local gap = tonumber(ARGV[1])
local t = redis.call('time')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local last = tonumber(redis.call('get', KEYS[1]) or '')
if last and now < last + gap then return string.format('%.6f', last + gap - now) end
redis.call('set', KEYS[1], string.format('%.6f', now), 'PX', math.ceil(gap * 1000) + 1000)
return ''
"""


def start_poll(redis: Redis, host: str, gap: float) -> float | None:
    """Start a poll of `host` now if its last one started at least `gap` seconds ago (and count
    this one as its last): None; else in how many seconds it may, and nothing changes. One
    round trip; the time is Redis's."""
    wait = to_str(redis.eval(_START_POLL, 1, f"{PREFIX}host:{host}:polled", gap))
    return float(wait) if wait else None


# KEYS[1] the host's last poll start; ARGV[1] the gap. Redis's time now becomes the last start,
# unless a later one is there already.
_POLL_SENT = """
local gap = tonumber(ARGV[1])
local t = redis.call('time')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local last = tonumber(redis.call('get', KEYS[1]) or '')
if last and last >= now then return 0 end
redis.call('set', KEYS[1], string.format('%.6f', now), 'PX', math.ceil(gap * 1000) + 1000)
return 1
"""


def poll_sent(redis: Redis, host: str, gap: float) -> None:
    """A poll of `host` that `start_poll` let start has sent its request: its last start moves up
    to now (by Redis's clock). The next poll's gap then counts from when this request went, not
    from the check before it: a thread that waited for the CPU between the two (a loaded worker)
    cannot bring two requests closer than the gap. One round trip."""
    redis.eval(_POLL_SENT, 1, f"{PREFIX}host:{host}:polled", gap)
