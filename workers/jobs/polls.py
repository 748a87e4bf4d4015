"""The poll job (queue feeds): a batch of due feeds polled at once; for each, what it answered
decided on (pipeline.polling.decide_poll) and the decision saved, the new entries queued for
article work, its next due time set.

Which listed entries were seen before: Redis answers for each feed's window of recently listed
entries (workers.store.seen, one round trip for the batch), the history store for the entries
no window has (workers.history.seen, one query for the batch: an entry that left its feed's
window and came back, or one another feed listed first). While the history store is down, the
entries Redis does not know are taken for new: that is logged, and an entry that was in fact
handed to article work before still alerts at most once within story_window: its story is found
again in the story index, and the alert id (one per rule and story) is deduplicated in Redis.
"""

from __future__ import annotations

import logging
import random
import time
from concurrent.futures import Future
from typing import Any, assert_never
from urllib.parse import urlsplit

from pipeline.config import FeedConfig
from pipeline.models import Entry, Notice
from pipeline.polling import (
    Deferred,
    PollFailed,
    PollOutcome,
    PollPolicy,
    Validators,
    decide_poll,
    listed_entries,
    poll_url,
)

from ..context import WorkerContext
from ..delivery import enqueue_delivery
from ..history import seen as seen_history
from ..queueing import enqueue_articles
from ..recording import SKIP_AFTER_FAILURE, is_down
from ..store import feeds as feed_store
from ..store import schedule as schedule_store
from ..store import seen as seen_store
from ..store import slots
from ..store.seen import entry_keys

log = logging.getLogger("wirewatch.jobs")

HOST_WAIT_MAX = 5.0  # seconds a poll thread waits for its host's slot; longer, the feed is deferred
HISTORY_DOWN_LOG_EVERY = 60.0  # seconds between two "history store down, taken for new" lines
_RANDOM = random.Random()


def poll_feeds(ctx: WorkerContext, batch: list[list[Any]]) -> dict[str, int]:
    """Poll a batch of due feeds ([feed id, due time] pairs) at once, save what each answered,
    queue the new entries and set when each is due again."""
    cfg = ctx.config
    feeds: list[tuple[FeedConfig, float]] = []
    for feed_id, due_at in batch:
        feed = ctx.services.feeds.get(str(feed_id))
        if feed is None:
            log.warning("feed %s: no longer configured, dropped from the schedule", feed_id)
            schedule_store.drop(ctx.redis, str(feed_id))
            continue
        feeds.append((feed, float(due_at)))
    known = feed_store.poll_states(ctx.redis, [f.id for f, _ in feeds])
    futures = [
        ctx.pool.submit(_poll_one, ctx, feed, past.moved_to or feed.url, past.validators)
        for (feed, _), past in zip(feeds, known, strict=True)
    ]
    outcomes = [_outcome(feed, future) for (feed, _), future in zip(feeds, futures, strict=True)]
    listed = [listed_entries(o) for o in outcomes]
    now = time.time()
    seen_ttl = cfg.defaults.seen_ttl
    in_redis = seen_store.check(ctx.redis, [(f.id, e) for (f, _), e in zip(feeds, listed, strict=True)])
    flags = iter(_seen_before(ctx, listed, in_redis.seen, now - seen_ttl))

    new: list[Entry] = []
    stale: list[Entry] = []
    counts = {"feeds": len(feeds), "not_modified": 0, "failed": 0, "deferred": 0, "new": 0}
    notices: list[Notice] = []
    handed: dict[str, list[str]] = {}  # feed id -> the keys of its new and stale entries
    with ctx.redis.pipeline(transaction=False) as pipe:
        for (feed, due_at), past, outcome, entries in zip(feeds, known, outcomes, listed, strict=True):
            decision = decide_poll(
                feed, past, outcome, [next(flags) for _ in entries],
                policy=PollPolicy.of(cfg, feed), due_at=due_at, now=now, rng=_RANDOM,
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
        enqueue_articles(ctx.services, new)
        ctx.services.recorder.seen_of_feeds(handed, now)
        for (feed, _), entries, window in zip(feeds, listed, in_redis.windows, strict=True):
            if entries:  # a body that listed nothing leaves the window as it was
                seen_store.save_window(pipe, feed.id, window.after(entries, now, seen_ttl), seen_ttl)
        pipe.execute()
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
    (the entries are taken for new; not asked again for SKIP_AFTER_FAILURE after a failure, so
    that a store that does not answer does not hold up every poll for its connect timeout)."""
    if not entries:
        return set()
    history = ctx.services.history
    if not _HISTORY_DOWN.skipping():
        try:
            return seen_history.seen_among(history, [k for e in entries for k in entry_keys(e)], since)
        except Exception as exc:
            if not is_down(exc):
                raise
            _HISTORY_DOWN.failed(
                f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            )
    _HISTORY_DOWN.taken_for_new(history.where(), len(entries))
    return set()


class _HistoryDown:
    """This process's view of a history store that failed a seen query: when to ask it again, and
    the entries taken for new meanwhile (logged at most once a minute)."""

    def __init__(self) -> None:
        self._skip_until = float("-inf")
        self._logged_at = float("-inf")
        self._why = ""
        self._entries = 0

    def skipping(self) -> bool:
        return time.monotonic() < self._skip_until

    def failed(self, why: str) -> None:
        self._skip_until = time.monotonic() + SKIP_AFTER_FAILURE
        self._why = why

    def taken_for_new(self, where: str, entries: int) -> None:
        self._entries += entries
        now = time.monotonic()
        if now - self._logged_at >= HISTORY_DOWN_LOG_EVERY:
            log.warning(
                "history store %s is down (%s): %d entries not in their feed's window taken for new; "
                "one seen before alerts at most once within story_window all the same (alert ids are "
                "kept in Redis)",
                where, self._why, self._entries,
            )  # fmt: skip
            self._logged_at, self._entries = now, 0


_HISTORY_DOWN = _HistoryDown()


def _poll_one(ctx: WorkerContext, feed: FeedConfig, url: str, validators: Validators) -> PollOutcome:
    host = urlsplit(url).hostname or ""
    delay = ctx.config.host_delay(host)
    if delay > 0:
        booked, wait = slots.reserve_host(ctx.redis, host, time.time(), delay, HOST_WAIT_MAX)
        if not booked:  # the host is busy for a while: poll it then, and free this thread now
            return Deferred(wait)
        time.sleep(wait)
    with ctx.hosts.slot(host), ctx.metrics.poll_seconds.time():
        return poll_url(ctx.fetcher, feed, url, validators, ctx.config.defaults.max_feed_bytes)


def _outcome(feed: FeedConfig, future: Future[PollOutcome]) -> PollOutcome:
    try:
        return future.result()
    except Exception as exc:  # a bug in one feed's poll: the batch goes on without it
        log.error("feed %s %s: bug: %s: %s", feed.id, feed.url, type(exc).__name__, exc, exc_info=exc)
        return PollFailed(f"{type(exc).__name__}: {exc}", retriable=False)
