"""The RQ jobs: load state, call pipeline/, save state, enqueue what follows. Each is called with
the worker's `WorkerContext` first, and is idempotent: a re-run sends nothing twice.

    poll_feeds(batch of due feeds) -> process_articles(batch of entries) -> deliver(alert, sink)
                                                                           deliver_notice(notice, sink)

Expected outcomes (a feed that is down, a 404 page) are recorded and logged, not raised: only a
delivery raises, so that RQ retries it on the schedule `workers.retries` decides.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, assert_never
from urllib.parse import urlsplit

from redis.client import Pipeline
from rq import Retry

from pipeline.alerts import decide_alerts
from pipeline.errors import (
    DeliveryPermanent,
    DeliveryRetriable,
    FetchPermanent,
    FetchRetriable,
    SinkGone,
    WirewatchError,
)
from pipeline.extract import build_article
from pipeline.models import Alert, Archived, Article, Digest, Entry, Notice, StoryCopy, StoryRef, iso_time
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
from pipeline.sinks import Deliverable
from pipeline.stories import fingerprint, story_url

from . import archive, digests, state, stories
from .context import WorkerContext
from .enqueue import ARTICLE_TRIES, FirstTryFailed, enqueue_articles, enqueue_delivery
from .retries import Verdict, backoff, verdict

log = logging.getLogger("wirewatch.jobs")

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
SINK_BUSY_FOR = 60.0  # seconds a sink that failed or was slow gets its deliveries through the queue
SLOW_DELIVERY = 2.0  # seconds: a delivery slower than this makes the sink busy
SLOT_SLACK = 0.05  # seconds a delivery sleeps for its sink's next sending slot; longer, it is rescheduled
RATE_WAITS_MAX = 1_000_000  # a delivery may wait for its sending slot this many times (no try is spent)
HOST_WAIT_MAX = 5.0  # seconds a poll thread waits for its host's slot; longer, the feed is deferred
_RANDOM = random.Random()
_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


# --- polling -------------------------------------------------------------------------------------


def poll_feeds(ctx: WorkerContext, batch: list[list[Any]]) -> dict[str, int]:
    """Poll a batch of due feeds ([feed id, due time] pairs) at once, save what each answered,
    queue the new entries and set when each is due again."""
    cfg = ctx.config
    feeds: list[tuple[FeedConfig, float]] = []
    for feed_id, due_at in batch:
        feed = ctx.services.feeds.get(str(feed_id))
        if feed is None:
            log.warning("feed %s: no longer configured, dropped from the schedule", feed_id)
            ctx.redis.zrem(state.DUE_KEY, str(feed_id))
            continue
        feeds.append((feed, float(due_at)))
    known = state.poll_states(ctx.redis, [f.id for f, _ in feeds])
    futures = [
        ctx.pool.submit(_poll_one, ctx, feed, past.moved_to or feed.url, past.validators)
        for (feed, _), past in zip(feeds, known, strict=True)
    ]
    outcomes = [_outcome(feed, future) for (feed, _), future in zip(feeds, futures, strict=True)]

    listed = [e for o in outcomes if isinstance(o, FeedEntries) for e in o.entries]
    seen = iter(state.seen_flags(ctx.redis, listed))
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
                **state.cadence_fields(cadence),
                **state.spell_fields(spell),
                "moved_to": moved_to or "",
                "interval": round(plan.interval),
                "why": plan.why,
                "next_poll": round(plan.due) if plan.due is not None else "",
            }
            ctx.metrics.polls.labels(*_poll_labels(outcome)).inc()
            match outcome:
                case NotModified():
                    counts["not_modified"] += 1
                    state.record_poll(pipe, feed.id, feed.url, now, last_ok=stamp, last_status=304,
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
                    state.note_schedule(
                        pipe, feed.id, **{k: fields[k] for k in ("interval", "why", "next_poll")}
                    )
                    log.debug("feed %s %s: its host is busy, deferred %ds", feed.id, polled, outcome.wait)
                case PollFailed():
                    counts["failed"] += 1
                    retired = {"retired": stamp, "retired_reason": outcome.error} if outcome.gone else {}
                    state.record_poll(pipe, feed.id, feed.url, now, last_error=outcome.error, errors=errors,
                                      last_error_at=stamp, **retired, **fields)  # fmt: skip
                case _:
                    assert_never(outcome)
            if moved_now:
                log.warning("feed %s %s: moved permanently to %s; polled there from now on",
                            feed.id, polled, moved_now)  # fmt: skip
            if plan.due is None:
                state.retire_feed(pipe, feed.id)
                log.error("feed %s %s: %s; retired, no more polls (wirewatch feeds revive %s)",
                          feed.id, polled, _without(polled, _error(outcome)), feed.url)  # fmt: skip
                continue
            if isinstance(outcome, PollFailed):
                level = logging.WARNING if outcome.retriable else logging.ERROR
                reason = _without(polled, outcome.error)
                log.log(level, "feed %s %s: %s; next poll in %ds (%s)",
                        feed.id, polled, reason, plan.due - now, plan.why)  # fmt: skip
            state.set_due(pipe, feed.id, plan.due)
        # Queued before they are marked seen: a crash in between queues them again, and the
        # article work is idempotent (one alert per rule and story).
        enqueue_articles(ctx.services, new)
        state.mark_seen(pipe, [*new, *stale], cfg.defaults.seen_ttl)
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
        case PollFailed():
            status = _HTTP_STATUS.search(outcome.error)
            return "gone" if outcome.gone else "failed", f"{status.group(1)[0]}xx" if status else "error"
        case _:
            assert_never(outcome)


def _error(outcome: PollOutcome) -> str:
    return outcome.error if isinstance(outcome, PollFailed) else ""


def _moved(outcome: PollOutcome, polled: str) -> str | None:
    """Where a permanent redirect sent the feed, when it did."""
    moved = outcome.moved_to if isinstance(outcome, NotModified | FeedEntries) else None
    return moved if moved and moved != polled else None


def _without(url: str, reason: object) -> str:
    """An error's text without the URL it starts with (the log line names it already)."""
    return str(reason).removeprefix(f"{url}: ")


def _poll_one(ctx: WorkerContext, feed: FeedConfig, url: str, validators: Validators) -> PollOutcome:
    host = urlsplit(url).hostname or ""
    delay = ctx.config.host_delay(host)
    if delay > 0:
        booked, wait = state.reserve_host(ctx.redis, host, time.time(), delay, HOST_WAIT_MAX)
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
    state.record_poll(
        pipe, feed.id, feed.url, now,
        etag=outcome.validators.etag or "",
        last_modified=outcome.validators.last_modified or "",
        last_ok=stamp, last_status=outcome.status, last_error="", errors="",
        last_warning=outcome.warning or "", entries=len(outcome.entries),
        **fields,
    )  # fmt: skip


# --- articles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Page:
    content: bytes | None = None
    url: str = ""
    final_url: str = ""  # after redirects: the site a canonical link must be on
    error: WirewatchError | None = None


def process_articles(ctx: WorkerContext, entries_json: list[str], attempt: int = 0) -> dict[str, int]:
    """Fetch the entries' pages at once, then for each: extract, match, record its alerts and
    deliver them (from here when the sink is healthy, else through the alerts queue)."""
    d = ctx.config.defaults
    entries = [Entry.model_validate_json(e) for e in entries_json]
    pages = [ctx.pool.submit(_fetch_page, ctx, e) for e in entries]
    again: list[Entry] = []
    retry_in = backoff(attempt + 1, d.retry_backoff, d.retry_backoff_cap)[-1]
    counts = {"articles": 0, "alerts": 0}
    archived: list[Archived] = []
    tries: list[_Try] = []  # first delivery tries under way on the pool, while the next page is read
    for entry, future in zip(entries, pages, strict=True):
        page = future.result()
        url = entry.link or entry.feed_url
        if isinstance(page.error, FetchRetriable) and attempt + 1 < ARTICLE_TRIES:
            log.warning("article %s %s: page fetch failed, will retry in %ds: %s",
                        entry.key, url, retry_in, _without(url, page.error))  # fmt: skip
            again.append(entry)
            continue
        if page.error is not None:
            log.warning("article %s %s: page not fetched, using the feed's text: %s",
                        entry.key, url, _without(url, page.error))  # fmt: skip
        with ctx.metrics.extract_seconds.time():
            article = build_article(
                entry, page.url or url, page.content, d.min_text_chars, d.max_extract_time
            )
        ctx.metrics.articles.labels(article.text_from).inc()
        story, story_link = _place(ctx, entry, article, page)
        archived.append(Archived(article=article, entry_key=entry.key, feed_url=entry.feed_url,
                                 story_url=story_link, story=story, seen=iso_time(time.time())))  # fmt: skip
        created = iso_time(time.time())
        alerts = decide_alerts(article, story, ctx.matcher, ctx.rule_sinks, created)
        counts["articles"] += 1
        state.count_matches(ctx.redis, [a.rule_id for a in alerts], time.time())
        for alert in alerts:
            ctx.metrics.matches.labels(alert.rule_id).inc()
            first = state.record_alert(ctx.redis, alert, d.seen_ttl, made_for=entry.key)
            if first is None:
                counts["alerts"] += 1
                ctx.metrics.alerts.labels(alert.rule_id).inc()
                log.info("alert %s: rule %s matched article %s: %s", alert.alert_id, alert.rule_id,
                         article.url, article.title)  # fmt: skip
            elif first != entry.key:  # a copy of a story this rule alerted already
                log.info("alert %s: rule %s matched article %s, a copy of story %s (alerted for "
                         "entry %s); not alerted again", alert.alert_id, alert.rule_id, article.url,
                         story.id, first)  # fmt: skip
                continue
            tries += _deliver_all(ctx, alert)
    archive.append(ctx.redis, archived, time.time(), d.archive_retention)
    for t in tries:  # the job ends only once every try has answered: no delivery is left to chance
        answer = t.answer.result()
        if isinstance(answer, float):  # its sink's next sending slot is later: a job waits for it
            enqueue_delivery(ctx.services, t.alert, t.sink_id, delay=answer)
        elif answer is not None:
            state.mark_sink_busy(ctx.redis, t.sink_id, SINK_BUSY_FOR)
            enqueue_delivery(ctx.services, t.alert, t.sink_id, answer)
    if again:
        enqueue_articles(ctx.services, again, attempt + 1, retry_in)
    return counts


def _place(ctx: WorkerContext, entry: Entry, article: Article, page: _Page) -> tuple[StoryRef, str | None]:
    """The article's story, recorded in the story index (see workers.stories), and the URL it was
    keyed by."""
    d, policy = ctx.config.defaults, ctx.story_policy
    now = time.time()
    url = story_url(entry.link, page.final_url or None, page.content, policy.syndication)
    fp = fingerprint(article.title, article.text, url, policy.min_words)
    seen = iso_time(now)
    copy = StoryCopy(source=article.source, url=article.url, title=article.title, seen=seen)
    keep = max(policy.window, d.archive_retention) + 86400
    placed = stories.place_article(ctx.redis, fp, stories.member_id(entry.key), copy, policy, now, keep)
    if not placed.founded:
        ctx.metrics.stories_merged.labels(placed.why).inc()
        log.debug("article %s %s: story %s (%s%s)", entry.key, article.url, placed.story_id, placed.why,
                  f", Jaccard {placed.jaccard:.2f}, containment {placed.containment:.2f} with "
                  f"{placed.joined}" if placed.jaccard is not None else "")  # fmt: skip
    return StoryRef(id=placed.story_id, first_seen=iso_time(placed.first_seen)), url


def _fetch_page(ctx: WorkerContext, entry: Entry) -> _Page:
    if not entry.link:
        return _Page()
    try:
        with ctx.hosts.slot(urlsplit(entry.link).hostname or ""):
            fetched = ctx.fetcher.get(
                entry.link, max_bytes=ctx.config.defaults.max_page_bytes, accept=PAGE_ACCEPT
            )
    except (FetchRetriable, FetchPermanent) as exc:
        return _Page(error=exc)
    return _Page(content=fetched.content, url=entry.link, final_url=fetched.url)


@dataclass(frozen=True)
class _Try:
    alert: Alert
    sink_id: str
    answer: Future[FirstTryFailed | float | None]


def _deliver_all(ctx: WorkerContext, alert: Alert) -> list[_Try]:
    """Each of the alert's deliveries not made yet: tried from here (on the pool) when its sink
    is healthy and no delivery job for it exists, else queued. Returns the tries under way."""
    sink_ids = [s for s in alert.sinks if s in ctx.sinks]
    tries = []
    for sink_id, status in zip(sink_ids, state.delivery_status(ctx.redis, alert, sink_ids), strict=True):
        if status.delivered or status.queued:
            continue
        if digests.hold(ctx.services, alert, sink_id, time.time()):  # it waits for its group's digest
            continue
        if status.sink_disabled:  # after a 410: a dead letter with the reason, nothing sent
            reason = _disabled_reason(sink_id, status.sink_disabled)
            enqueue_delivery(ctx.services, alert, sink_id, FirstTryFailed(reason, permanent=True))
            continue
        if status.sink_busy:
            enqueue_delivery(ctx.services, alert, sink_id)
            continue
        tries.append(_Try(alert, sink_id, ctx.pool.submit(_send, ctx, alert, sink_id)))
    return tries


def _send(ctx: WorkerContext, alert: Alert, sink_id: str) -> FirstTryFailed | float | None:
    """One try of a delivery from the article job: None when delivered, the seconds to wait
    for the sink's next sending slot (max_per_minute), or how the try failed."""
    delivery_id = alert.delivery_id(sink_id)
    wait = _slot_wait(ctx, sink_id, delivery_id)
    if wait > SLOT_SLACK:
        return wait
    time.sleep(wait)
    started = time.monotonic()
    try:
        _attempt(ctx, alert, sink_id)
    except Exception as exc:
        outcome = verdict(exc)
        if outcome is Verdict.BUG:
            log.error("delivery %s: bug: %s: %s", delivery_id, type(exc).__name__, exc, exc_info=exc)
        else:
            log.warning("delivery %s: %s; %s", delivery_id, exc,
                        "not retried" if outcome is Verdict.GIVE_UP else "queued for a retry")  # fmt: skip
        return FirstTryFailed(f"{type(exc).__name__}: {exc}" if outcome is Verdict.BUG else str(exc),
                              permanent=outcome is not Verdict.RETRY,
                              retry_after=getattr(exc, "retry_after", None))  # fmt: skip
    if time.monotonic() - started > SLOW_DELIVERY:
        state.mark_sink_busy(ctx.redis, sink_id, SINK_BUSY_FOR)
    return None


def _about(item: Deliverable, sink_id: str) -> dict[str, str]:
    """What a delivery record says of its item (see workers.state.DeliveryRecord)."""
    if isinstance(item, Alert):
        art = item.article
        return {"sink": sink_id, "kind": "alert", "item": item.alert_id, "rule": item.rule_id,
                "title": art.title[:300], "url": art.url[:2000]}  # fmt: skip
    if isinstance(item, Notice):
        return {"sink": sink_id, "kind": "notice", "item": item.type, "rule": "",
                "title": item.headline[:300], "url": item.feed_url[:2000]}  # fmt: skip
    if isinstance(item, Digest):
        rule = item.rule
        return {"sink": sink_id, "kind": "digest", "item": item.digest_id, "rule": rule[0] if rule else "*",
                "title": f"{len(item.alerts)} alerts of group {item.group}"[:300], "url": ""}  # fmt: skip
    assert_never(item)


def _attempt(ctx: WorkerContext, item: Deliverable, sink_id: str) -> str:
    """One try of one delivery to the sink's targets that have not taken it yet, recorded in its
    delivery record; raises as `Sink.send` does (a 410 disables the sink first)."""
    delivery_id = item.delivery_id(sink_id)
    sink = ctx.sinks[sink_id]
    about, ttl = _about(item, sink_id), ctx.config.defaults.seen_ttl
    done, given_up = state.target_progress(ctx.redis, delivery_id)
    pending = [t for t in sink.targets if t not in done and t not in given_up]
    tries = ctx.metrics.deliveries
    try:
        with ctx.metrics.delivery_seconds.labels(sink_id).time():
            status = sink.send(item, delivery_id, pending)
    except (DeliveryRetriable, DeliveryPermanent) as exc:
        tries.labels(sink_id, "retriable" if isinstance(exc, DeliveryRetriable) else "permanent").inc()
        state.note_delivery(ctx.redis, delivery_id, about, "retrying", time.time(), ttl, error=str(exc),
                            done=exc.delivered, given_up=exc.given_up)  # fmt: skip
        if isinstance(exc, SinkGone):
            _disable(ctx, sink_id, exc)
        raise
    except Exception as exc:
        tries.labels(sink_id, "bug").inc()
        state.note_delivery(ctx.redis, delivery_id, about, "retrying", time.time(), ttl,
                            error=f"bug: {type(exc).__name__}: {exc}")  # fmt: skip
        raise
    tries.labels(sink_id, "delivered").inc()
    if given_up:  # the others took it now; these failed for good in an earlier try
        reason = f"sink {sink_id}: given up on {len(given_up)} of {len(sink.targets)} targets: " + "; ".join(
            given_up.values()
        )
        state.note_delivery(
            ctx.redis, delivery_id, about, "retrying", time.time(), ttl, error=reason, done=pending
        )
        raise DeliveryPermanent(reason, delivered=tuple(pending))
    state.note_delivery(ctx.redis, delivery_id, about, "delivered", time.time(), ttl, done=pending)
    log.info("delivery %s: delivered to %s (%s; %s %s)", delivery_id, sink_id, status, about["kind"],
             about["rule"] or about["item"])  # fmt: skip
    return status


def _slot_wait(ctx: WorkerContext, sink_id: str, delivery_id: str) -> float:
    """Seconds until this delivery may be sent under its sink's max_per_minute (0: now). A slot
    booked by an earlier wait of the same delivery is used, not booked again."""
    per_minute = ctx.config.sink(sink_id).max_per_minute
    if not per_minute:
        return 0.0
    now = time.time()
    booked = state.take_slot(ctx.redis, delivery_id)
    wait = (
        booked - now if booked is not None else state.reserve_send_slot(ctx.redis, sink_id, now, per_minute)
    )
    if wait > SLOT_SLACK:
        state.keep_slot(ctx.redis, delivery_id, now + wait)
    return max(0.0, wait)


def _disabled_reason(sink_id: str, why: str) -> str:
    return f"sink {sink_id} is disabled (wirewatch sinks enable {sink_id}): {why}"


def _disable(ctx: WorkerContext, sink_id: str, exc: SinkGone) -> None:
    """Disable a sink that answered 410 Gone, and tell the operator through the other sinks."""
    if not state.disable_sink(ctx.redis, sink_id, str(exc)):
        return  # disabled already: told already
    log.error("sink %s: disabled, nothing more is sent to it until `wirewatch sinks enable %s`: %s",
              sink_id, sink_id, exc)  # fmt: skip
    notice = Notice(type="sink.disabled", sink_id=sink_id, error=str(exc), since=iso_time(time.time()))
    for other in ctx.config.notice_sinks():
        if other != sink_id and not state.sink_disabled(ctx.redis, other):
            enqueue_delivery(ctx.services, notice, other)


# --- delivery ------------------------------------------------------------------------------------


def deliver(ctx: WorkerContext, alert_json: str, sink_id: str, dead_reason: str = "") -> str | Retry:
    """One try of one alert's delivery. Raises on failure, so that RQ retries it as
    `workers.retries` decides; `dead_reason` records a failure that was final already (a dead
    letter); returns a Retry when the sink's rate limit makes it wait."""
    return _deliver_job(ctx, Alert.model_validate_json(alert_json), sink_id, dead_reason)


def deliver_notice(ctx: WorkerContext, notice_json: str, sink_id: str, dead_reason: str = "") -> str | Retry:
    """One try of sending a notice to one sink, as `deliver` does for an alert."""
    return _deliver_job(ctx, Notice.model_validate_json(notice_json), sink_id, dead_reason)


def deliver_digest(ctx: WorkerContext, digest_json: str, sink_id: str, dead_reason: str = "") -> str | Retry:
    """One try of sending a digest (see workers.digests), as `deliver` does for an alert; once
    it is delivered its alerts leave Redis."""
    digest = Digest.model_validate_json(digest_json)
    outcome = _deliver_job(ctx, digest, sink_id, dead_reason)
    if not isinstance(outcome, Retry):  # delivered (now or before a crash), or its sink is gone
        digests.done(ctx.redis, digest)
    return outcome


def _deliver_job(ctx: WorkerContext, item: Deliverable, sink_id: str, dead_reason: str) -> str | Retry:
    delivery_id = item.delivery_id(sink_id)
    if dead_reason:
        raise DeliveryPermanent(dead_reason)
    if state.delivered(ctx.redis, delivery_id):
        return "delivered already"
    if sink_id not in ctx.sinks:
        log.warning("delivery %s: sink %s is no longer configured or enabled, dropped", delivery_id, sink_id)
        return "dropped"
    disabled = state.sink_disabled(ctx.redis, sink_id)
    if disabled:
        reason = _disabled_reason(sink_id, disabled)
        state.note_delivery(ctx.redis, delivery_id, _about(item, sink_id), "retrying", time.time(),
                            ctx.config.defaults.seen_ttl, error=reason, tried=False)  # fmt: skip
        raise DeliveryPermanent(reason)
    wait = _slot_wait(ctx, sink_id, delivery_id)
    if wait > SLOT_SLACK:  # its turn under max_per_minute comes later: no try is spent on waiting
        state.note_delivery(ctx.redis, delivery_id, _about(item, sink_id), "waiting", time.time(),
                            ctx.config.defaults.seen_ttl, tried=False)  # fmt: skip
        log.debug("delivery %s: sink %s sends its next message in %.0fs", delivery_id, sink_id, wait)
        return Retry(max=RATE_WAITS_MAX, interval=math.ceil(wait))
    time.sleep(wait)
    return _attempt(ctx, item, sink_id)
