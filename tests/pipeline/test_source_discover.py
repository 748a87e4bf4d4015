"""pipeline.sources.discover over httpx.MockTransport: what a site offers, each candidate read by
its own kind's parser, best first."""

from __future__ import annotations

from pathlib import Path

import httpx

from pipeline.feeds import Body
from pipeline.fetch import Fetcher
from pipeline.sources.discover import Found, discover

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Example World</title>
<item><title>One</title><link>https://news.example.org/a/1</link></item></channel></rss>"""
HOME = b"""<html><head><title>Example</title>
<link rel="alternate" type="application/rss+xml" title="World" href="/world/rss.xml">
</head><body><a href="/about">About</a></body></html>"""


def _site(routes: dict[str, bytes], asked: list[str] | None = None) -> tuple[Fetcher, list[str]]:
    log = [] if asked is None else asked

    def answer(request: httpx.Request) -> httpx.Response:
        log.append(str(request.url))
        body = routes.get(f"{request.url.host}{request.url.path}")
        return httpx.Response(404) if body is None else httpx.Response(200, content=body)

    return Fetcher("test", allow_private_networks=True, transport=httpx.MockTransport(answer)), log


def _discover(url: str, routes: dict[str, bytes]) -> tuple[list[Found], list[str]]:
    fetcher, asked = _site(routes)

    def fetch(address: str) -> Body:
        got = fetcher.get(address, max_bytes=10_000_000, cut=True)
        return Body(got.content, got.url, got.content_type, got.truncated)

    try:
        return discover(url, fetch), asked
    finally:
        fetcher.close()


def test_a_home_page_gives_its_declared_feeds_and_robots_sitemaps_news_first() -> None:
    news = (FIXTURES / "sitemap" / "news.xml").read_bytes()
    robots = b"User-agent: *\nSitemap: https://news.example.org/sitemap.xml\nSitemap: https://news.example.org/news-sitemap.xml\n"
    site = "news.example.org"
    routes = {f"{site}/": HOME, f"{site}/world/rss.xml": RSS, f"{site}/robots.txt": robots,
              f"{site}/news-sitemap.xml": news}  # fmt: skip
    found, _ = _discover("https://news.example.org/", routes)
    assert [(f.kind, f.url, f.title) for f in found] == [
        ("rss", "https://news.example.org/world/rss.xml", "Example World"),
        ("sitemap", "https://news.example.org/news-sitemap.xml", ""),  # sitemap.xml answers 404: left out
    ]
    assert found[0].as_yaml() == {
        "url": "https://news.example.org/world/rss.xml",
        "type": "rss",
        "name": "Example World",
    }


def test_an_address_that_is_a_feed_or_a_sitemap_is_offered_as_itself() -> None:
    found, asked = _discover(
        "https://news.example.org/world/rss.xml", {"news.example.org/world/rss.xml": RSS}
    )
    assert [(f.kind, f.entries) for f in found] == [("rss", 1)] and len(asked) == 1
    news = (FIXTURES / "sitemap" / "news.xml").read_bytes()
    found, _ = _discover("https://news.example.org/news.xml", {"news.example.org/news.xml": news})
    assert [(f.kind, f.entries) for f in found] == [("sitemap", 3)]


def test_a_site_without_feeds_or_sitemaps_offers_its_listing_page_or_nothing() -> None:
    listing = (FIXTURES / "page" / "press_releases.html").read_bytes()
    found, _ = _discover("https://court.example.int/news", {"court.example.int/news": listing})
    assert [(f.kind, f.url, f.entries) for f in found] == [("page", "https://court.example.int/news", 4)]
    nothing, asked = _discover(
        "https://empty.example.org/", {"empty.example.org/": b"<html><body>Hi</body></html>"}
    )
    assert nothing == [] and "https://empty.example.org/feed" in asked  # common paths were tried


def test_a_t_me_address_gives_its_channel() -> None:
    channel = (FIXTURES / "telegram" / "channel.html").read_bytes()
    found, asked = _discover("https://t.me/kremlinpool_test", {"t.me/s/kremlinpool_test": channel})
    assert [(f.kind, f.url, f.title) for f in found] == [
        ("telegram", "https://t.me/s/kremlinpool_test", "Кремлёвский пул (тест)")
    ]
    assert asked == ["https://t.me/s/kremlinpool_test"]
    none, _ = _discover(
        "https://t.me/closed_channel",
        {"t.me/s/closed_channel": (FIXTURES / "telegram" / "no_preview.html").read_bytes()},
    )
    assert none == []
