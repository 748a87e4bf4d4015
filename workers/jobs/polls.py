"""The poll job (queue feeds): a batch of due feeds, each polled at its host's slot, once its
host's last poll is `host_delay` ago (workers.planning); as the results come in, a few at a time
(what came in within GATHER of the first), what each answered is decided on
(pipeline.polling.decide_poll) and the decision saved, the new entries queued for article work,
its next due time set. A feed that trickles its body until the fetch deadline holds up no other
feed's entries.

Which listed entries were seen before: Redis answers for each feed's window of recently listed
entries (workers.store.seen, one round trip for the group), the history store for the entries
no window has (workers.history.seen, one query for the group: an entry that left its feed's
window and came back, or one another feed listed first). While the history store is down, the
entries Redis does not know are taken for new: that is logged, and an entry that was in fact
handed to article work before still alerts at most once within story_window: its story is found
again in the story index, and the alert id (one per rule and story) is deduplicated in Redis.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, replace
from typing import Any, assert_never

from redis.exceptions import RedisError

from pipeline.config import FeedConfig
from pipeline.errors import FetchRetriable
from pipeline.models import Entry, Notice
from pipeline.polling import (
    Deferred,
    FeedEntries,
    PollFailed,
    PollOutcome,
    PollPolicy,
    PollState,
    decide_poll,
    listed_entries,
    poll_url,
)

from .. import planning
from ..context import WorkerContext
from ..delivery import enqueue_delivery
from ..history import seen as seen_history
from ..queueing import enqueue_articles, enqueue_websub_request
from ..recording import is_down
from ..store import feeds as feed_store
from ..store import schedule as schedule_store
from ..store import seen as seen_store
from ..store import slots
from ..store import websub as websub_store
from ..store.seen import entry_keys

log = logging.getLogger("wirewatch.jobs")

GATHER = 0.2  # seconds: the results in by then are handled together with the first (one pipeline)
# Seconds a poll's further request (a sitemap's child) waits at most for its host's slot: past
# that it is left for the next poll. With FOLLOW_UPS of them, a poll holds its thread this long.
FOLLOW_UP_WAIT = 5.0
_RANDOM = random.Random()


@dataclass(frozen=True)
class _Poll:
    """One feed of a batch: when it was due, what its last polls left, where and when to poll it
    (`gap`: how long after its host's last poll it may start; 0 when its host has no delay)."""

    feed: FeedConfig
    due_at: float
    past: PollState
    url: str
    host: str
    slot: float
    gap: float


def poll_feeds(ctx: WorkerContext, batch: list[list[Any]]) -> dict[str, int]:
    """Poll a batch of due feeds ([feed id, due time, slot] triples; a feed without a slot is
    polled now), each at its slot, and handle the results as they come in, a few at a time: save
    what each answered, queue the new entries and set when each is due again. A feed that is
    slow to answer holds up no other's entries (but the job ends with its poll)."""
    feeds: list[tuple[FeedConfig, float, float]] = []
    for feed_id, due_at, *planned in batch:
        feed = ctx.services.feeds.get(str(feed_id))
        if feed is None:
            log.warning("feed %s: no longer configured, dropped from the schedule", feed_id)
            schedule_store.drop(ctx.redis, str(feed_id))
            continue
        feeds.append((feed, float(due_at), float(planned[0]) if planned else 0.0))
    known = feed_store.poll_states(ctx.redis, [f.id for f, _, _ in feeds])
    polls: list[_Poll] = []
    for (feed, due_at, slot), past in zip(feeds, known, strict=True):
        url = past.moved_to or feed.url  # where it moved: that host's delay applies
        host = planning.host_of(url)
        polls.append(_Poll(feed, due_at, past, url, host, slot, planning.start_gap(ctx.config, host)))
    counts = {"feeds": len(polls), "not_modified": 0, "failed": 0, "deferred": 0, "new": 0}
    for group in _as_they_come(ctx, polls):
        for kind, n in _handle(ctx, group).items():
            counts[kind] += n
    return counts


Done = tuple[_Poll, PollOutcome]


def _as_they_come(ctx: WorkerContext, polls: list[_Poll]) -> Iterator[list[Done]]:
    """Start each poll at its slot (in a pool thread: none is held while a slot is waited for;
    one whose host was polled too recently waits again, or, a long wait, is deferred) and yield
    the results in groups as they come in: a group is what came in within GATHER of its first."""
    order = itertools.count()  # ties of the heap: in turn, never by _Poll
    waiting = [(p.slot, next(order), p) for p in polls]
    heapq.heapify(waiting)
    group: list[Done] = []
    running: dict[Future[PollOutcome | _HostBusy], _Poll] = {}
    group_by = 0.0
    while waiting or running or group:
        now = time.time()
        while waiting and waiting[0][0] <= now:
            poll = heapq.heappop(waiting)[2]
            running[ctx.pool.submit(_poll_one, ctx, poll)] = poll
        if group and (time.monotonic() >= group_by or not (waiting or running)):
            yield group
            group = []
            continue
        wake = [waiting[0][0] - now] if waiting else []
        wake += [group_by - time.monotonic()] if group else []
        timeout = max(0.0, min(wake)) if wake else None
        if running:
            done, _ = wait(running, timeout, return_when=FIRST_COMPLETED)
        else:
            time.sleep(timeout or 0.0)  # the next slot or the group's end: nothing is running
            done = set()
        for future in done:
            poll = running.pop(future)
            outcome = _outcome(poll.feed, future)
            if isinstance(outcome, _HostBusy):
                if outcome.at - time.time() <= planning.PLAN_AHEAD:
                    heapq.heappush(waiting, (outcome.at, next(order), poll))
                    continue
                outcome = Deferred(outcome.at - time.time())  # busy for long: the schedule has it
            if not group:
                group_by = time.monotonic() + GATHER
            group.append((poll, outcome))


def handle_pushed(ctx: WorkerContext, feed: FeedConfig, outcome: FeedEntries) -> dict[str, int]:
    """A body a WebSub hub pushed (workers.jobs.websub), handled as a poll's answer: the same seen
    check, article work and state, the feed's validators kept (a push has none) and its next
    poll the safety net's (max_interval from now)."""
    [past] = feed_store.poll_states(ctx.redis, [feed.id])
    now = time.time()
    poll = _Poll(feed, now, past, past.moved_to or feed.url, planning.host_of(feed.url), now, 0.0)
    counts = _handle(ctx, [(poll, replace(outcome, validators=past.validators))])
    return {"new": counts["new"]}


def _handle(ctx: WorkerContext, group: list[Done]) -> dict[str, int]:
    """Decide on a group of polls' results and save it all: one pipeline, one seen check in
    Redis and one in the history store, for the group."""
    cfg = ctx.config
    # WebSub: a feed whose hub verified our subscription is polled as a safety net only; one
    # that names a hub and has none yet is subscribed (one round trip for the group, when on).
    subs = (
        websub_store.get_many(ctx.redis, [p.feed.id for p, _ in group]) if cfg.websub else [None] * len(group)
    )
    listed = [listed_entries(o) for _, o in group]
    now = time.time()
    seen_ttl = cfg.defaults.seen_ttl
    in_redis = seen_store.check(ctx.redis, [(p.feed.id, e) for (p, _), e in zip(group, listed, strict=True)])
    flags = iter(_seen_before(ctx, listed, in_redis.seen, now - seen_ttl))

    new: list[Entry] = []
    stale: list[Entry] = []
    counts = {"not_modified": 0, "failed": 0, "deferred": 0, "new": 0}
    notices: list[Notice] = []
    handed: dict[str, list[str]] = {}  # feed id -> the keys of its new and stale entries
    subscribe: list[tuple[str, str, str]] = []  # feed id, hub, topic
    with ctx.redis.pipeline(transaction=False) as pipe:
        for (poll, outcome), entries, sub in zip(group, listed, subs, strict=True):
            feed = poll.feed
            pushed = sub is not None and sub.mode == "subscribe" and sub.verified
            if cfg.websub and isinstance(outcome, FeedEntries) and outcome.hub and outcome.topic:
                named = (outcome.hub, outcome.topic)
                if sub is None or (sub.hub, sub.topic) != named:
                    subscribe.append((feed.id, *named))
            policy = replace(PollPolicy.of(cfg, feed), pushed=pushed)
            decision = decide_poll(
                feed, poll.past, outcome, [next(flags) for _ in entries],
                policy=policy, due_at=poll.due_at, now=now, rng=_RANDOM,
                max_entry_age=cfg.max_entry_age_for(feed), unhealthy_after=cfg.defaults.unhealthy_after,
            )  # fmt: skip
            feed_store.save_decision(pipe, feed.id, decision)
            if decision.plan.due is None:
                schedule_store.retire_feed(pipe, feed.id)
            else:
                schedule_store.set_due(pipe, feed.id, decision.plan.due)
            new += decision.new
            stale += decision.stale
            if decision.new or decision.stale:
                handed[feed.id] = [k for e in (*decision.new, *decision.stale) for k in entry_keys(e)]
            notices += decision.notices
            ctx.metrics.polls.labels(*decision.labels).inc()
            match decision.kind:
                case "entries":
                    ctx.metrics.entries.labels("seen").inc(decision.listed)
                    ctx.metrics.entries.labels("new").inc(len(decision.new))
                    counts["new"] += len(decision.new)
                case "not_modified" | "deferred" | "failed":
                    counts[decision.kind] += 1
                case _:
                    assert_never(decision.kind)
            for line in decision.log:
                log.log(line.level, line.message, *line.args)
        # Queued before they are marked seen: a crash in between queues them again, and the
        # article work is idempotent (one alert per rule and story). Marked in the history store
        # (for seen_ttl) before the windows: a crash in between leaves them to the history store.
        # And only once a replica holds the jobs: a failover would lose jobs that Redis had not
        # yet replicated, whose entries the history store would then call seen.
        enqueue_articles(ctx.services, new)
        if handed:
            ctx.services.wait_for_replica()
        ctx.services.recorder.seen_of_feeds(handed, now)
        for (poll, _), entries, window in zip(group, listed, in_redis.windows, strict=True):
            if entries:  # a body that listed nothing leaves the window as it was
                seen_store.save_window(pipe, poll.feed.id, window.after(entries, now, seen_ttl), seen_ttl)
        pipe.execute()
    for feed_id, hub, topic in subscribe:
        enqueue_websub_request(ctx.services, feed_id, "subscribe", hub, topic)
    # After the state is saved: a crash before this loses a notice, never repeats one.
    for notice in notices:
        log.warning("feed %s: %s (%s)", notice.feed_url, notice.headline, notice.error or notice.since)
        for sink_id in cfg.notice_sinks():
            enqueue_delivery(ctx.services, notice, sink_id)
    return counts


def _seen_before(
    ctx: WorkerContext, listed: list[tuple[Entry, ...]], in_redis: list[list[bool]], since: float
) -> list[bool]:
    """Whether each listed entry (of every feed, in order) was seen before: as Redis says, else
    as the history store says, asked once for all the entries Redis does not know."""
    pairs = [
        (e, known)
        for entries, flags in zip(listed, in_redis, strict=True)
        for e, known in zip(entries, flags, strict=True)
    ]
    found = _in_history(ctx, [e for e, known in pairs if not known], since)
    return [known or any(k in found for k in entry_keys(e)) for e, known in pairs]


def _in_history(ctx: WorkerContext, entries: list[Entry], since: float) -> set[str]:
    """Which of these entries' keys the history store has had since `since`; none while it is down
    (the entries are taken for new; not asked again for a few seconds after a failure, so
    that a store that does not answer does not hold up every poll for its connect timeout)."""
    if not entries:
        return set()
    history, down = ctx.services.history, ctx.history_down
    if not down.skipping():
        try:
            return seen_history.seen_among(history, [k for e in entries for k in entry_keys(e)], since)
        except Exception as exc:
            if not is_down(exc):
                raise
            down.failed(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")
    down.taken_for_new(history.where(), len(entries))
    return set()


class _HostBusy(Exception):
    """Not polled (nothing sent): its host's last poll was less than its gap ago; it may be at
    `at`. Raised from the fetch, returned by `_poll_one`."""

    def __init__(self, at: float) -> None:
        super().__init__(at)
        self.at = at


def _poll_one(ctx: WorkerContext, poll: _Poll) -> PollOutcome | _HostBusy:
    host = poll.host

    def start() -> Callable[[], None]:  # the rule behind every plan, across every worker
        if (later := slots.start_poll(ctx.redis, host, poll.gap)) is not None:
            raise _HostBusy(time.time() + later)
        return sent

    def sent() -> None:
        try:
            slots.poll_sent(ctx.redis, host, poll.gap)
        except RedisError as exc:  # the mark of the check above stands: a little less margin
            log.warning("host %s: the time its poll went out was not saved: %s", host, exc)

    def pace(url: str) -> None:  # a further request of this poll (a sitemap's child): as polite
        other = planning.host_of(url)
        gap = planning.start_gap(ctx.config, other)
        waited_until = time.monotonic() + FOLLOW_UP_WAIT
        while gap and (later := slots.start_poll(ctx.redis, other, gap)) is not None:
            if time.monotonic() + later > waited_until:
                raise FetchRetriable(
                    f"{url}: its host {other} stays busy (host_delay): left for the next poll"
                )
            time.sleep(later)

    # Checked as late as can be, the connection open and the request about to go out: what
    # comes between the check and the server (this thread waiting for the CPU, a connect) is
    # what could bring two polls of a host closer than their gap.
    with ctx.hosts.slot(host), ctx.metrics.poll_seconds.time():
        try:
            max_bytes = ctx.config.defaults.max_feed_bytes
            before_send = start if poll.gap else None
            past = poll.past
            return poll_url(
                ctx.fetcher, poll.feed, poll.url, past.validators, max_bytes, before_send, pace, past.last_ok
            )
        except _HostBusy as busy:
            return busy


def _outcome(feed: FeedConfig, future: Future[PollOutcome | _HostBusy]) -> PollOutcome | _HostBusy:
    try:
        return future.result()
    except Exception as exc:  # a bug in one feed's poll: the batch goes on without it
        log.error("feed %s %s: bug: %s: %s", feed.id, feed.url, type(exc).__name__, exc, exc_info=exc)
        return PollFailed(f"{type(exc).__name__}: {exc}", retriable=False)
