"""Feeds of every kind of source (pipeline.sources) through the running system on loopback: the
poll, the seen check, the article job and the alert, as for an RSS feed."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis

from workers.cli.feeds import table
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.overview import feed_rows
from workers.store import feeds as feeds_store

from .helpers import run_pass, runtime, webhook_sink, write_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PESKOV = [{"id": "peskov", "title": "Peskov", "query": "Песков* OR Peskov"}]
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _fresh(page: bytes) -> bytes:
    """The fixture's posts dated within the last hours (the first poll alerts on recent posts only)."""
    now = datetime.now(UTC)
    for hours, day in enumerate(("2026-12-07T", "2026-12-06T")):
        page = page.replace(day.encode(), (now - timedelta(hours=hours + 1)).strftime("%Y-%m-%dT").encode())
    return page


def test_a_telegram_channel_alerts_on_its_posts_text_without_fetching_a_page(
    tmp_path: Path,
    redis: Redis,
    site: LoopbackSite,
    receiver: WebhookReceiver,
    whsec: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = _fresh((FIXTURES / "telegram" / "channel.html").read_bytes())
    site.routes["/s/kremlinpool_test"] = (200, HTML, page)
    feed = {"url": f"{site.base_url}/s/kremlinpool_test", "type": "telegram"}
    cfg = write_config(tmp_path, feeds=[feed], sinks=[webhook_sink(receiver.url, whsec)], rules=PESKOV,
                       max_entry_age="3d")  # fmt: skip
    rt = runtime(cfg, redis)
    with caplog.at_level(logging.INFO):
        run_pass(rt)
    posts = sorted(p["article"]["url"] for p in receiver.payloads)
    assert posts == [f"https://t.me/kremlinpool_test/{n}" for n in (1203, 1204, 1206, 1210, 1212)]
    assert receiver.bad_signatures == 0
    first = next(p for p in receiver.payloads if p["article"]["url"].endswith("/1203"))
    assert "юрисдикцию МУС" in first["matches"][0]["snippet"]
    assert site.hits == {"/s/kremlinpool_test": 1}  # the posts are the articles: nothing else fetched
    assert not [r for r in caplog.records if "page" in r.getMessage() and "fetch" in r.getMessage()]

    # Polled again with only the view counts changed: the same posts, counted as not modified.
    site.routes["/s/kremlinpool_test"] = (200, HTML, page.replace(b"18.3K</span>", b"21.0K</span>"))
    run_pass(rt)
    assert len(receiver.payloads) == 5
    [row] = feed_rows(rt.config, redis, time.time())
    assert (row.kind, row.state) == ("telegram", "ok")
    assert " telegram " in table([row])[1]
    [state] = feeds_store.poll_states(redis, [rt.config.feeds[0].id])
    assert (
        state.validators.digest
        and redis.hget(feeds_store.feed_key(rt.config.feeds[0].id), "last_status") == b"200"
    )


def test_with_follow_links_a_post_that_is_a_link_alerts_with_the_article_it_links(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    article = f"{site.base_url}/news/peskov-icc.html".encode()
    page = _fresh((FIXTURES / "telegram" / "channel.html").read_bytes())
    page = page.replace(b"https://example.org/news/2026/12/07/peskov-icc", article)
    site.routes["/s/kremlinpool_test"] = (200, HTML, page)
    story = "Peskov told reporters that the Kremlin would study the court's decision. " * 12
    site.routes["/news/peskov-icc.html"] = (
        200, HTML, f"<html><head><title>Peskov on the ICC</title></head><body><article><h1>Peskov on the"
        f" ICC</h1><p>{story}</p></article></body></html>".encode(),
    )  # fmt: skip
    feed = {"url": f"{site.base_url}/s/kremlinpool_test", "type": "telegram", "follow_links": True}
    rules = [{"id": "study", "query": '"study the court"'}]
    cfg = write_config(tmp_path, feeds=[feed], sinks=[webhook_sink(receiver.url, whsec)], rules=rules,
                       max_entry_age="3d")  # fmt: skip
    run_pass(runtime(cfg, redis))
    [alert] = receiver.payloads
    assert alert["article"]["url"] == article.decode()
    assert site.hits["/news/peskov-icc.html"] == 1


def _page(title: str, body: str) -> bytes:
    text = f"<p>{body}</p>" * 8
    head = f"<html><head><title>{title}</title></head>"
    return f"{head}<body><article><h1>{title}</h1>{text}</article></body></html>".encode()


def test_a_news_sitemap_alerts_on_the_pages_it_lists_and_polls_again_as_not_modified(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    now = datetime.now(UTC)
    stories = {
        "peskov": (
            "Peskov on the court",
            "Dmitry Peskov said the Kremlin does not recognise the court's ruling.",
        ),
        "weather": (
            "Snow in Moscow",
            "Heavy snow fell over Moscow on Monday, closing two airports for hours.",
        ),
    }
    urls = ""
    for n, (slug, (title, body)) in enumerate(stories.items()):
        site.routes[f"/news/{slug}.html"] = (200, HTML, _page(title, body))
        urls += (
            f"<url><loc>{site.base_url}/news/{slug}.html</loc><news:news><news:publication><news:name>Loop"
            f"</news:name><news:language>en</news:language></news:publication><news:publication_date>"
            f"{(now - timedelta(minutes=10 + n)).isoformat()}</news:publication_date><news:title>{title}"
            f"</news:title></news:news></url>"
        )
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        f' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    ).encode()
    site.routes["/news-sitemap.xml"] = (200, {"Content-Type": "application/xml"}, sitemap)
    feed = {"url": f"{site.base_url}/news-sitemap.xml", "type": "sitemap"}
    cfg = write_config(tmp_path, feeds=[feed], sinks=[webhook_sink(receiver.url, whsec)],
                       rules=[{"id": "peskov", "query": "Peskov"}])  # fmt: skip
    rt = runtime(cfg, redis)
    run_pass(rt)
    [alert] = receiver.payloads
    assert alert["article"]["url"] == f"{site.base_url}/news/peskov.html"
    assert alert["article"]["title"] == "Peskov on the court"
    assert site.hits["/news/peskov.html"] == 1 and site.hits["/news/weather.html"] == 1
    run_pass(rt)  # the same URLs: not modified, no page fetched again, no alert again
    assert len(receiver.payloads) == 1 and site.hits["/news/peskov.html"] == 1
    [row] = feed_rows(rt.config, redis, time.time())
    assert (row.kind, row.state) == ("sitemap", "ok")


def test_a_listing_page_alerts_on_links_added_after_its_first_poll_with_the_articles_own_title(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    listing = (FIXTURES / "page" / "press_releases.html").read_bytes()
    site.routes["/news"] = (200, HTML, listing)
    feed = {"url": f"{site.base_url}/news", "type": "page"}
    cfg = write_config(tmp_path, feeds=[feed], sinks=[webhook_sink(receiver.url, whsec)],
                       rules=[{"id": "court", "query": "warrant OR Prosecutor"}])  # fmt: skip
    rt = runtime(cfg, redis)
    run_pass(rt)  # the first poll remembers what the page lists: no page read, no alert
    assert receiver.payloads == [] and set(site.hits) == {"/news"}
    new_row = b'<div class="views-row"><h4><a href="/news/new-arrest-warrant-issued">New</a></h4></div>'
    site.routes["/news"] = (
        200,
        HTML,
        listing.replace(b'<div class="view-content">', b'<div class="view-content">' + new_row),
    )
    site.routes["/news/new-arrest-warrant-issued"] = (
        200, HTML, _page("Court issues a new arrest warrant", "The Pre-Trial Chamber issued a warrant today.")
    )  # fmt: skip
    run_pass(rt)
    [alert] = receiver.payloads
    assert alert["article"]["url"] == f"{site.base_url}/news/new-arrest-warrant-issued"
    assert (
        alert["article"]["title"] == "Court issues a new arrest warrant"
    )  # the page's, not the anchor's "New"
    run_pass(rt)  # the same links: not modified
    assert len(receiver.payloads) == 1 and site.hits["/news/new-arrest-warrant-issued"] == 1
