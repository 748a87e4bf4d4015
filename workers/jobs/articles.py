"""The article job (queue articles): a batch of new entries; each page fetched (at once), its
article extracted, placed in its story, archived and matched; its alerts recorded and handed to
workers.delivery. A page that may load later comes back alone, with attempt + 1."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.alerts import decide_alerts
from pipeline.errors import FetchPermanent, FetchRetriable, WirewatchError, without_url
from pipeline.extract import build_article
from pipeline.models import Archived, Article, Entry, StoryCopy, StoryRef, iso_time
from pipeline.stories import fingerprint, story_url

from .. import delivery
from ..context import WorkerContext
from ..queueing import ARTICLE_TRIES, enqueue_articles
from ..retries import backoff
from ..store import alerts as alert_store
from ..store import archive, stories

log = logging.getLogger("wirewatch.jobs")

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


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
    tries: list[
        delivery.FirstTry
    ] = []  # first delivery tries under way on the pool, while the next page is read
    for entry, future in zip(entries, pages, strict=True):
        page = future.result()
        url = entry.link or entry.feed_url
        if isinstance(page.error, FetchRetriable) and attempt + 1 < ARTICLE_TRIES:
            log.warning("article %s %s: page fetch failed, will retry in %ds: %s",
                        entry.key, url, retry_in, without_url(url, page.error))  # fmt: skip
            again.append(entry)
            continue
        if page.error is not None:
            log.warning("article %s %s: page not fetched, using the feed's text: %s",
                        entry.key, url, without_url(url, page.error))  # fmt: skip
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
        alert_store.count_matches(ctx.redis, [a.rule_id for a in alerts], time.time())
        for alert in alerts:
            ctx.metrics.matches.labels(alert.rule_id).inc()
            recorded = delivery.record_alert(ctx, alert, entry.key, article, story)
            counts["alerts"] += recorded == "new"
            if recorded != "copy":
                tries += delivery.deliver_all(ctx, alert)
    archive.append(ctx.redis, archived, time.time(), d.archive_retention)
    delivery.settle(ctx, tries)
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
