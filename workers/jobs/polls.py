"""The poll job (queue feeds): a batch of due feeds polled at once; for each, what it answered
decided on (pipeline.polling.decide_poll) and the decision saved, the new entries queued for
article work, its next due time set."""

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
from ..queueing import enqueue_articles
from ..store import feeds as feed_store
from ..store import schedule as schedule_store
from ..store import seen as seen_store
from ..store import slots

log = logging.getLogger("wirewatch.jobs")

HOST_WAIT_MAX = 5.0  # seconds a poll thread waits for its host's slot; longer, the feed is deferred
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
    flags = iter(seen_store.seen_flags(ctx.redis, [e for entries in listed for e in entries]))
    now = time.time()

    new: list[Entry] = []
    stale: list[Entry] = []
    counts = {"feeds": len(feeds), "not_modified": 0, "failed": 0, "deferred": 0, "new": 0}
    notices: list[Notice] = []
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
        # article work is idempotent (one alert per rule and story).
        enqueue_articles(ctx.services, new)
        seen_store.mark_seen(pipe, [*new, *stale], cfg.defaults.seen_ttl)
        pipe.execute()
    # After the state is saved: a crash before this loses a notice, never repeats one.
    for notice in notices:
        log.warning("feed %s: %s (%s)", notice.feed_url, notice.headline, notice.error or notice.since)
        for sink_id in cfg.notice_sinks():
            enqueue_delivery(ctx.services, notice, sink_id)
    return counts


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
