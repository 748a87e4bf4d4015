"""The RQ jobs: thin wrappers over pipeline/ code, idempotent so a re-run sends nothing twice.

poll_feed(feed_id) -> process_article(entry JSON) -> deliver(alert JSON, sink id)
Retriable errors raise (RQ retries with backoff); permanent ones are a logged, recorded outcome.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from rq import get_current_job

from pipeline.errors import FetchPermanent, FetchRetriable, PermanentError
from pipeline.extract import build_article
from pipeline.feeds import parse_feed
from pipeline.models import Alert, ArticleRef, Entry
from pipeline.rules import Document

from . import state
from .enqueue import enqueue_article, enqueue_delivery
from .runtime import current

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def _no_more_retries() -> None:
    """A permanent failure: tell RQ not to retry this job (it lands in the failed registry)."""
    job = get_current_job()
    if job is not None:
        job.retries_left = 0


def _last_try() -> bool:
    job = get_current_job()
    return job is None or not job.retries_left


def poll_feed(feed_id: str) -> dict[str, Any]:
    rt = current()
    try:
        feed = rt.config.feed(feed_id)
    except KeyError:
        log.warning("%s: feed no longer configured, poll dropped", feed_id)
        return {"feed": feed_id, "status": "unknown feed"}
    etag, last_modified = state.feed_http_state(rt.redis, feed.id)
    try:
        result = rt.fetcher.get(
            feed.url,
            max_bytes=rt.config.defaults.max_feed_bytes,
            accept=FEED_ACCEPT,
            etag=etag,
            last_modified=last_modified,
        )
        if result.not_modified:
            state.record_poll(rt.redis, feed.id, feed.url, last_ok=_now(), last_status=304, last_error="")
            log.info("%s: not modified", feed.url)
            return {"feed": feed.url, "status": 304, "new": 0}
        parsed = parse_feed(result.content, feed, result.url, result.content_type)
    except FetchRetriable as exc:
        state.record_poll(rt.redis, feed.id, feed.url, last_error=str(exc))
        log.warning("%s: poll failed, will retry: %s", feed.url, exc)
        raise
    except PermanentError as exc:
        state.record_poll(rt.redis, feed.id, feed.url, last_error=str(exc))
        log.error("%s: poll failed: %s", feed.url, exc)
        return {"feed": feed.url, "status": "error", "error": str(exc)}
    if parsed.warning:
        log.warning(
            "%s: ill-formed feed, %d entries recovered: %s", feed.url, len(parsed.entries), parsed.warning
        )
    new = state.unseen(rt.redis, parsed.entries)
    for entry in new:
        enqueue_article(rt, entry)
    # Marked seen only once queued: a crash in between re-queues, and the article job is idempotent.
    state.mark_seen(rt.redis, new, rt.config.defaults.seen_ttl)
    state.record_poll(
        rt.redis,
        feed.id,
        feed.url,
        etag=result.etag or "",
        last_modified=result.last_modified or "",
        last_ok=_now(),
        last_status=result.status,
        last_error="",
        last_warning=parsed.warning or "",
        entries=len(parsed.entries),
    )
    log.info("%s: %d entries, %d new", feed.url, len(parsed.entries), len(new))
    return {"feed": feed.url, "status": result.status, "entries": len(parsed.entries), "new": len(new)}


def process_article(entry_json: str) -> dict[str, Any]:
    rt = current()
    entry = Entry.model_validate_json(entry_json)
    d = rt.config.defaults
    page: bytes | None = None
    url = entry.link or entry.feed_url
    if entry.link:
        try:
            fetched = rt.fetcher.get(entry.link, max_bytes=d.max_page_bytes, accept=PAGE_ACCEPT)
            page, url = fetched.content, entry.link
        except FetchRetriable as exc:
            if not _last_try():
                log.warning("%s: page fetch failed, will retry: %s", entry.link, exc)
                raise
            log.warning("%s: page fetch failed, using the feed's text: %s", entry.link, exc)
        except FetchPermanent as exc:
            log.warning("%s: page not fetched, using the feed's text: %s", entry.link, exc)
    article = build_article(entry, url, page, d.min_text_chars)
    hits = rt.matcher.match(
        Document(
            title=article.title,
            text=article.text,
            source=f"{article.source} {urlsplit(article.url).hostname or ''}",  # name and host
            url=article.url,
            lang=article.language or "",
        )
    )
    created = _now()
    queued = 0
    for hit in hits:
        alert = Alert(
            alert_id=Alert.make_id(hit.rule_id, entry.story_key),
            rule_id=hit.rule_id,
            rule_title=hit.rule_title,
            article=ArticleRef(
                url=article.url,
                title=article.title,
                source=article.source,
                published=article.published,
                language=article.language,
            ),
            matches=hit.matches,
            sinks=rt.rule_sinks[hit.rule_id],
            created_at=created,
        )
        if state.record_alert(rt.redis, alert, d.seen_ttl):
            log.info("%s: alert %s for rule %s: %s", alert.alert_id, article.url, hit.rule_id, article.title)
        for sink_id in alert.sinks:
            queued += enqueue_delivery(rt, alert, sink_id)
    return {
        "url": article.url,
        "text_from": article.text_from,
        "rules": [h.rule_id for h in hits],
        "queued": queued,
    }


def deliver(alert_json: str, sink_id: str) -> str:
    rt = current()
    alert = Alert.model_validate_json(alert_json)
    delivery_id = alert.delivery_id(sink_id)
    sink = rt.sinks.get(sink_id)
    if sink is None:
        log.warning("%s: sink %s is no longer configured or enabled, delivery dropped", delivery_id, sink_id)
        return "dropped"
    try:
        sink.send(alert, delivery_id)
    except PermanentError as exc:
        log.error("%s: delivery to %s failed for good: %s", delivery_id, sink_id, exc)
        _no_more_retries()
        raise
    except Exception as exc:
        log.warning("%s: delivery to %s failed, will retry: %s", delivery_id, sink_id, exc)
        raise
    log.info("%s: delivered to %s (rule %s, %s)", delivery_id, sink_id, alert.rule_id, alert.article.url)
    return "delivered"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
