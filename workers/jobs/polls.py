"""The poll job (queue feeds): a batch of due feeds polled at once; what each answered saved, the
new entries queued for article work, each feed's next due time set."""

from __future__ import annotations

import logging
import random
import time
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, assert_never
from urllib.parse import urlsplit

from redis.client import Pipeline

from pipeline.models import Entry, Notice
from pipeline.notices import notices_after, poll_result
from pipeline.polling import (
    Deferred,
    FeedEntries,
    NotModified,
    PollFailed,
    PollOutcome,
    PollPolicy,
    Validators,
    cadence_after,
    entries_per_day,
    poll_url,
    schedule,
    triage_entries,
)
from pipeline.schema import FeedConfig

from ..context import WorkerContext
from ..delivery import enqueue_delivery
from ..queueing import enqueue_articles
from ..store import feeds as feed_store
from ..store import schedule as schedule_store
from ..store import seen as seen_store
from ..store import slots
from .common import without_url

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

    listed = [e for o in outcomes if isinstance(o, FeedEntries) for e in o.entries]
    seen = iter(seen_store.seen_flags(ctx.redis, listed))
    now = time.time()
    today = datetime.fromtimestamp(now, UTC)
    stamp = today.isoformat(timespec="seconds")
    new: list[Entry] = []
    stale: list[Entry] = []
    counts = {"feeds": len(feeds), "not_modified": 0, "failed": 0, "deferred": 0, "new": 0}
    notices: list[Notice] = []
    with ctx.redis.pipeline(transaction=False) as pipe:
        for (feed, due_at), past, outcome in zip(feeds, known, outcomes, strict=True):
            policy = PollPolicy.of(cfg, feed)
            cadence = cadence_after(outcome, past.cadence, now, policy)
            polled = past.moved_to or feed.url
            moved_now = _moved(outcome, polled)  # a new permanent address, found by this poll
            moved_to = moved_now or past.moved_to
            errors = 0 if not isinstance(outcome, PollFailed) else past.errors + 1
            plan = schedule(outcome, cadence, policy, due_at, now, errors, _RANDOM)
            found, spell = notices_after(
                poll_result(outcome), feed, past.spell, past.errors, _error(outcome), now,
                cfg.defaults.unhealthy_after, moved_now,
            )  # fmt: skip
            notices += found
            fields: dict[str, Any] = {
                **feed_store.cadence_fields(cadence),
                **feed_store.spell_fields(spell),
                "moved_to": moved_to or "",
                "interval": round(plan.interval),
                "why": plan.why,
                "next_poll": round(plan.due) if plan.due is not None else "",
            }
            ctx.metrics.polls.labels(*_poll_labels(outcome)).inc()
            match outcome:
                case NotModified():
                    counts["not_modified"] += 1
                    feed_store.record_poll(pipe, feed.id, feed.url, now, last_ok=stamp, last_status=304,
                                           last_error="", errors="", **fields)  # fmt: skip
                    log.debug("feed %s %s: not modified", feed.id, polled)
                case FeedEntries():
                    flags = [next(seen) for _ in outcome.entries]
                    triage = triage_entries(outcome.entries, flags, cfg.max_entry_age_for(feed), today)
                    new += triage.new
                    stale += triage.stale
                    ctx.metrics.entries.labels("seen").inc(len(outcome.entries))
                    ctx.metrics.entries.labels("new").inc(len(triage.new))
                    counts["new"] += len(triage.new)
                    per_day = entries_per_day(outcome.entries, now)
                    _record_entries(pipe, feed, now, stamp, outcome, {**fields, "per_day": per_day or ""})
                    if outcome.warning:
                        log.warning("feed %s %s: ill-formed, %d entries recovered: %s",
                                    feed.id, polled, len(outcome.entries), outcome.warning)  # fmt: skip
                    old = f", {len(triage.stale)} too old to alert" if triage.stale else ""
                    log.info("feed %s %s: %d entries, %d new%s",
                             feed.id, polled, len(outcome.entries), len(triage.new), old)  # fmt: skip
                case Deferred():
                    counts["deferred"] += 1  # not polled: only its schedule changes
                    feed_store.note_schedule(
                        pipe, feed.id, **{k: fields[k] for k in ("interval", "why", "next_poll")}
                    )
                    log.debug("feed %s %s: its host is busy, deferred %ds", feed.id, polled, outcome.wait)
                case PollFailed():
                    counts["failed"] += 1
                    retired = {"retired": stamp, "retired_reason": outcome.error} if outcome.gone else {}
                    feed_store.record_poll(
                        pipe, feed.id, feed.url, now, last_error=outcome.error, errors=errors,
                        last_error_at=stamp, **retired, **fields,
                    )  # fmt: skip
                case _:
                    assert_never(outcome)
            if moved_now:
                log.warning("feed %s %s: moved permanently to %s; polled there from now on",
                            feed.id, polled, moved_now)  # fmt: skip
            if plan.due is None:
                schedule_store.retire_feed(pipe, feed.id)
                log.error("feed %s %s: %s; retired, no more polls (wirewatch feeds revive %s)",
                          feed.id, polled, without_url(polled, _error(outcome)), feed.url)  # fmt: skip
                continue
            if isinstance(outcome, PollFailed):
                level = logging.WARNING if outcome.retriable else logging.ERROR
                reason = without_url(polled, outcome.error)
                log.log(level, "feed %s %s: %s; next poll in %ds (%s)",
                        feed.id, polled, reason, plan.due - now, plan.why)  # fmt: skip
            schedule_store.set_due(pipe, feed.id, plan.due)
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


def _poll_labels(outcome: PollOutcome) -> tuple[str, str]:
    """(outcome, HTTP status class) of a poll, for wirewatch_polls."""
    match outcome:
        case NotModified():
            return "not_modified", "3xx"
        case FeedEntries():
            return "entries", f"{outcome.status // 100}xx"
        case Deferred():
            return "deferred", "none"
        case PollFailed(http_status=status):
            return (
                "gone" if outcome.gone else "failed",
                f"{status // 100}xx" if status is not None else "error",
            )
        case _:
            assert_never(outcome)


def _error(outcome: PollOutcome) -> str:
    return outcome.error if isinstance(outcome, PollFailed) else ""


def _moved(outcome: PollOutcome, polled: str) -> str | None:
    """Where a permanent redirect sent the feed, when it did."""
    moved = outcome.moved_to if isinstance(outcome, NotModified | FeedEntries) else None
    return moved if moved and moved != polled else None


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


def _record_entries(
    pipe: Pipeline, feed: FeedConfig, now: float, stamp: str, outcome: FeedEntries, fields: dict[str, Any]
) -> None:
    feed_store.record_poll(
        pipe, feed.id, feed.url, now,
        etag=outcome.validators.etag or "",
        last_modified=outcome.validators.last_modified or "",
        last_ok=stamp, last_status=outcome.status, last_error="", errors="",
        last_warning=outcome.warning or "", entries=len(outcome.entries),
        **fields,
    )  # fmt: skip
