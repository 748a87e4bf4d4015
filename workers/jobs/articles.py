"""The article job (queue articles): a batch of new entries; each page fetched (at once), then
for each entry: read (pipeline.articles.read_entry: retry later, or its article), placed in its
story, filed (its archive record and alerts: pipeline.articles.file_article), its alerts recorded
and handed to workers.delivery; then the batch's archive records and alerts go to the history store
(workers.recording), in one write. A page that may load later comes back alone, with attempt + 1."""

from __future__ import annotations

import logging
import time
from typing import assert_never
from urllib.parse import urlsplit

from pipeline.articles import ArticleRead, Page, RetryLater, file_article, read_entry
from pipeline.errors import FetchPermanent, FetchRetriable
from pipeline.models import Alert, Archived, Article, Entry, StoryCopy, StoryRef, iso_time
from pipeline.sources import PAGE_ACCEPT
from pipeline.stages import StageClock
from pipeline.stories import fingerprint, story_url, with_timeline

from .. import delivery
from ..context import WorkerContext
from ..queueing import ARTICLE_TRIES, enqueue_articles
from ..retries import backoff
from ..store import stories

log = logging.getLogger("wirewatch.jobs")


def process_articles(ctx: WorkerContext, entries_json: list[str], attempt: int = 0) -> dict[str, int]:
    """Fetch the entries' pages at once, then for each: extract, match, record its alerts and
    deliver them (from here when the sink is healthy, else through the alerts queue)."""
    d = ctx.config.defaults
    entries = [Entry.model_validate_json(e) for e in entries_json]
    clock = StageClock()
    pages = [ctx.pool.submit(_fetch_page, ctx, e, clock) for e in entries]
    again: list[Entry] = []
    retry_in = backoff(attempt + 1, d.retry_backoff, d.retry_backoff_cap)[-1]
    counts = {"articles": 0, "alerts": 0}
    archived: list[Archived] = []
    made: list[tuple[Alert, str]] = []  # the alerts made (or made again) and their entries
    # First delivery tries under way on the pool, while the next page is read.
    tries: list[delivery.FirstTry] = []
    notes: delivery.Notes = []  # their records, for the history store with the job's archive
    for entry, future in zip(entries, pages, strict=True):
        page = future.result()
        started = time.perf_counter()
        with clock.stage("extract"):
            outcome = read_entry(
                entry, page, attempt, tries=ARTICLE_TRIES, retry_in=retry_in,
                min_text_chars=d.min_text_chars, max_extract_time=d.max_extract_time,
            )  # fmt: skip
        for line in outcome.log:
            log.log(line.level, line.message, *line.args)
        match outcome:
            case RetryLater():
                again.append(entry)
                continue
            case ArticleRead(article=article):  # the read's time is the extraction's: a retry has none
                ctx.metrics.extract_seconds.observe(time.perf_counter() - started)
            case _:
                assert_never(outcome)
        ctx.metrics.articles.labels(article.text_from).inc()
        with clock.stage("story"):
            story, story_link = _place(ctx, entry, article, page)
        now = time.time()
        filed = file_article(
            entry, article, story, story_link, ctx.matcher, ctx.rule_sinks, now, clock, ctx.mutes
        )  # fmt: skip
        archived.append(filed.archived)
        counts["articles"] += 1
        alerts = filed.alerts
        if alerts:  # each carries its story's timeline as it stands now (pipeline.stories.timeline)
            with clock.stage("story"):
                timeline = with_timeline(story, stories.story_copies(ctx.redis, [story.id])[story.id])
            alerts = tuple(a.model_copy(update={"story": timeline}) for a in alerts)
        if filed.muted is not None:
            ctx.metrics.muted.labels(filed.muted.mute.id).inc()
            log.info("article %s %s: %s; no rule is matched", entry.key, article.url, filed.muted.reason)
        with clock.stage("deliver"):
            for recording in delivery.record_alerts(ctx, alerts, entry.key, article, story, now):
                alert = recording.alert
                ctx.metrics.matches.labels(alert.rule_id).inc()
                counts["alerts"] += recording.recorded == "new"
                if recording.recorded != "copy":
                    made.append((alert, entry.key))
                    tries += delivery.deliver_all(ctx, alert, clock, recording, notes)
    try:
        with clock.stage("deliver"):
            delivery.settle(ctx, tries)  # every first try answered; one that failed is a job now
    finally:
        # The job's history in one write, after its deliveries (and whatever settling did):
        # with the history store down and its outbox full, alerts still go out; the job fails
        # here and RQ runs it again later, which delivers nothing twice ("again") and writes it.
        with clock.stage("archive"):  # archive_retention 0: no archive
            ctx.services.recorder.filed(archived if d.archive_retention > 0 else [], made, list(notes))
        for stage, seconds in clock.seconds.items():
            ctx.metrics.article_cpu.labels(stage).inc(seconds)
    if again:
        enqueue_articles(ctx.services, again, attempt + 1, retry_in)
    return counts


def _place(ctx: WorkerContext, entry: Entry, article: Article, page: Page) -> tuple[StoryRef, str | None]:
    """The article's story, recorded in the story index (see workers.store.stories), and the URL it was
    keyed by."""
    policy = ctx.story_policy
    now = time.time()
    url = story_url(entry.link, page.final_url or None, page.content, policy.syndication)
    fp = fingerprint(article.title, article.text, url, policy.min_words)
    seen = iso_time(now)
    copy = StoryCopy(source=article.source, url=article.url, title=article.title, seen=seen,
                     published=article.published)  # fmt: skip
    # Later, a story's copies are its archived articles (history store).
    keep = policy.window + ctx.config.defaults.redis_margin
    placed = stories.place_article(ctx.redis, fp, stories.member_id(entry.key), copy, policy, now, keep)
    if not placed.founded:
        ctx.metrics.stories_merged.labels(placed.why).inc()
        log.debug("article %s %s: story %s (%s%s)", entry.key, article.url, placed.story_id, placed.why,
                  f", Jaccard {placed.jaccard:.2f}, containment {placed.containment:.2f} with "
                  f"{placed.joined}" if placed.jaccard is not None else "")  # fmt: skip
    return StoryRef(id=placed.story_id, first_seen=iso_time(placed.first_seen)), url


def _fetch_page(ctx: WorkerContext, entry: Entry, clock: StageClock) -> Page:
    url = entry.article_url or entry.link
    if not url or entry.own_text:  # no page, or the entry's text is the article (a Telegram post)
        return Page()
    try:
        with ctx.hosts.slot(urlsplit(url).hostname or ""), clock.stage("fetch"):
            fetched = ctx.fetcher.get(url, max_bytes=ctx.config.defaults.max_page_bytes, accept=PAGE_ACCEPT)
    except (FetchRetriable, FetchPermanent) as exc:
        return Page(error=exc)
    return Page(content=fetched.content, url=url, final_url=fetched.url)
