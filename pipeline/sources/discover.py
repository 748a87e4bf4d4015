"""From a site's address, the sources it offers (`wirewatch feeds discover URL`): the feeds it
declares (`<link rel="alternate">`, read by trafilatura's feed finder) or has at common paths,
its sitemaps (robots.txt's `Sitemap:` lines, news sitemaps first, then common paths), a
Telegram channel for a t.me address, and, when it offers none of these, the page itself as a
listing page if it links to articles.

Discovery apart from reading, as trafilatura keeps it: every candidate is fetched through the
`fetch` given (the guarded fetcher, in the CLI) and read by its kind's own parser
(pipeline.sources), so what is offered is what a poll would read. Nothing here fetches by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from trafilatura.feeds import FeedParameters, determine_feed

from ..errors import FetchPermanent, FetchRetriable, NotAFeedError
from ..feeds import Body, FeedRef, ParsedFeed
from . import SOURCE_KINDS, jsonfeed, telegram

Fetch = Callable[[str], Body]  # raises FetchRetriable or FetchPermanent

COMMON_FEED_PATHS = ("/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/feed.json")
COMMON_SITEMAP_PATHS = ("/news-sitemap.xml", "/sitemap_news.xml", "/sitemap-news.xml", "/sitemap.xml")
MAX_CANDIDATES = 12  # of each sort, fetched and read at most
MIN_ARTICLE_LINKS = 3  # a page offered as a listing page links to at least this many articles
_SITEMAP_LINE = re.compile(r"(?im)^\s*sitemap\s*:\s*(\S+)")


@dataclass(frozen=True)
class Found:
    """A source the site offers, read as its kind reads it."""

    url: str
    kind: str
    title: str
    entries: int

    def as_yaml(self) -> dict[str, str]:
        entry = {"url": self.url, "type": self.kind}
        return entry | ({"name": self.title} if self.title else {})


@dataclass(frozen=True)
class _Feed:
    """The feed a candidate would be, for its kind's parser (`FeedRef`)."""

    url: str
    type: str
    name: str | None = None
    category: str | None = None
    select: str | None = None
    follow_links: bool = False

    @property
    def id(self) -> str:
        return "discover"


class _Once:
    """FetchMore for one candidate's read: the same `fetch`, a few requests at most."""

    since = None

    def __init__(self, fetch: Fetch) -> None:
        self.fetch, self.left = fetch, 4

    def __call__(self, url: str) -> Body:
        if self.left <= 0:
            raise FetchPermanent(f"{url}: not fetched while discovering")
        self.left -= 1
        return self.fetch(url)


def discover(url: str, fetch: Fetch) -> list[Found]:
    """What the site at `url` offers, best first: feeds, then sitemaps (news first); a t.me
    address gives its channel. Empty when it offers nothing readable."""
    host = (urlsplit(url if "://" in url else "https://" + url).hostname or "").lower()
    if host in telegram.TELEGRAM_HOSTS:
        preview = telegram.preview_url(url)
        found = _read(preview, "telegram", fetch)
        return [found] if found is not None else []
    try:
        body = fetch(url)
    except (FetchRetriable, FetchPermanent):
        return []
    # The address may be a feed or a sitemap itself.
    for kind in ("rss", "sitemap"):
        if (itself := _parsed(body, kind, fetch)) is not None:
            return [_found(body.url, kind, itself)]
    site = f"{urlsplit(body.url).scheme}://{urlsplit(body.url).netloc}"
    out: list[Found] = []
    declared = _declared_feeds(body)
    for candidate in (declared or [urljoin(site, p) for p in COMMON_FEED_PATHS])[:MAX_CANDIDATES]:
        found = _read(candidate, "rss", fetch)
        if found is not None and found.url not in {f.url for f in out}:
            out.append(found)
    out += _sitemaps(site, fetch)
    if not out:
        listing = _parsed(body, "page", fetch)
        if listing is not None and len(listing.entries) >= MIN_ARTICLE_LINKS:
            out.append(_found(body.url, "page", listing))
    return out


def _declared_feeds(body: Body) -> list[str]:
    text = body.content.decode("utf-8", "replace")
    if jsonfeed.looks_like_json(body.content) or "<" not in text[:2000]:
        return []
    parts = urlsplit(body.url)
    params = FeedParameters(f"{parts.scheme}://{parts.netloc}", parts.hostname or "", body.url)
    return determine_feed(text, params)


def _sitemaps(site: str, fetch: Fetch) -> list[Found]:
    """The sitemaps robots.txt names (news sitemaps first), else those at common paths."""
    try:
        robots = fetch(urljoin(site, "/robots.txt")).content.decode("utf-8", "replace")
        named = [m.group(1) for m in _SITEMAP_LINE.finditer(robots)]
    except (FetchRetriable, FetchPermanent):
        named = []
    named.sort(key=lambda u: "news" not in u.lower())
    candidates = named or [urljoin(site, p) for p in COMMON_SITEMAP_PATHS]
    out: list[Found] = []
    for candidate in candidates[:MAX_CANDIDATES]:
        found = _read(candidate, "sitemap", fetch)
        if found is not None:
            out.append(found)
            if not named:  # a common path that answered: enough
                break
    return out


def _read(url: str, kind: str, fetch: Fetch) -> Found | None:
    try:
        body = fetch(url)
    except (FetchRetriable, FetchPermanent):
        return None
    parsed = _parsed(body, kind, fetch)
    return _found(url, kind, parsed) if parsed is not None else None


def _parsed(body: Body, kind: str, fetch: Fetch) -> ParsedFeed | None:
    feed: FeedRef = _Feed(body.url, kind)
    try:
        return SOURCE_KINDS[kind].read(body, feed, _Once(fetch))
    except (NotAFeedError, FetchRetriable, FetchPermanent):
        return None


def _found(url: str, kind: str, parsed: ParsedFeed) -> Found:
    return Found(url, kind, parsed.title, len(parsed.entries))
