"""Each host's poll slots, planned ahead: a feed claimed for polling is given its host's next free
slot, and its poll job starts the poll then, holding no thread while it waits.

    claimed = schedule.claim_due(redis, now, POLL_LEASE, CLAIM_CHUNK)   # (feed id, due time)
    planned = plan_polls(services, claimed, now)                      # (feed id, due time, slot)
    enqueue_poll_batches(services, planned)                           # batches by slot time

Two things in Redis per host with a `host_delay` (workers.store.slots), shared by every
scheduler and worker:

- its next free slot. A claim books slots `host_delay` + SLOT_SLACK apart, from PLAN_LEAD to
  PLAN_AHEAD from now, and spreads a claim's first slots over SPREAD, so that its poll jobs (one
  per half second of slots, queueing.POLL_SPAN) come one after another and none holds a worker
  for long. A feed whose host is booked further stays in the schedule, due again when its slot
  would come within reach (why: "host delay"): a host's feeds, all due at once, spread out over
  the interval, and stay spread.
- when its last poll started. A poll starts only once that is `host_delay` + START_MARGIN ago
  by Redis's clock, checked and set at once (`start_poll`) when its connection is open and its
  request about to go out (`Fetcher.get(before_send=...)`); else it waits, in its job's timer,
  not in a thread. A plan is a forecast, this is the rule: a poll job taken late (its worker
  busy with articles or a slow feed) polls all the same, and no host is polled twice within its
  delay, whatever the workers' timing. Planned slots pass the check: they are SLOT_SLACK -
  START_MARGIN more apart than it asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from pipeline.config import Config
from pipeline.polling import HOST_DELAY
from pipeline.values import plain_http_host

from .services import Services
from .store import feeds as feed_store
from .store import schedule, slots

PLAN_LEAD = 0.5  # seconds: a claim's first slot is this far off, time for a worker to take its job
PLAN_AHEAD = 3.0  # seconds: slots are booked this far ahead at most (a tick late is no slot lost)
SPREAD = 1.0  # seconds a claim's first slots are spread over (a tick): its jobs come one after another
SLOT_SLACK = 0.2  # seconds between two planned slots of a host beyond its host_delay...
START_MARGIN = 0.1  # ...and between two polls' starts: a request's way from its check to the server

Planned = tuple[str, float, float]  # (feed id, when it was due, its slot)


def host_of(url: str) -> str:
    """The URL's host, as `urlsplit` gives it (read fast when written plainly: this runs for every
    feed of every claim)."""
    return plain_http_host(url) or urlsplit(url).hostname or ""


def plan_polls(services: Services, claimed: Sequence[tuple[str, float]], now: float) -> list[Planned]:
    """Give these claimed feeds ((feed id, due time), leased) their hosts' next free slots: those
    booked are returned with their slot; the others are put back in the schedule, due when their
    slot would come within PLAN_AHEAD (two round trips: the booking, and the feeds put back if
    any). A feed of a host without host_delay, or no longer configured, has no slot: now."""
    cfg = services.config
    asked: list[tuple[str, float]] = []
    spaced: list[bool] = []
    for fid, _ in claimed:
        feed = services.feeds.get(fid)
        host = host_of(feed.url) if feed is not None else ""
        delay = cfg.host_delay(host) if feed is not None else 0.0
        spaced.append(delay > 0)
        if delay > 0:
            asked.append((host, delay + SLOT_SLACK))
    pace = SPREAD / len(asked) if asked else 0.0
    found = iter(slots.book_hosts(services.redis, asked, now, now + PLAN_LEAD, now + PLAN_AHEAD, pace))
    planned: list[Planned] = []
    later: dict[str, float] = {}
    for (fid, due), has_slot in zip(claimed, spaced, strict=True):
        slot = next(found) if has_slot else now
        if slot <= now + PLAN_AHEAD:
            planned.append((fid, due, slot))
        else:
            later[fid] = slot - PLAN_AHEAD
    if later:
        with services.redis.pipeline(transaction=False) as pipe:
            for fid, when in later.items():
                schedule.set_due(pipe, fid, when)
                feed_store.note_due(pipe, fid, when, HOST_DELAY)
            pipe.execute()
    return planned


def start_gap(config: Config, host: str) -> float:
    """Seconds since the host's last poll before another may start; 0: it has no host_delay."""
    delay = config.host_delay(host)
    return delay + START_MARGIN if delay > 0 else 0.0
