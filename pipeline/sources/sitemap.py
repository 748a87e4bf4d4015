"""Sitemaps -> entries, read by Media Cloud's ultimate-sitemap-parser (usp) through a web client
of ours, so that every request it makes is the poll's own (`FetchMore`: the guarded fetcher,
the feed's size cap, its host's politeness, a bounded number per poll) and none bypasses them.

- A news sitemap (the `news:` extension): each URL an entry with its title, publication date,
  language and keywords (the keywords stand for its text until the page is read).
- A sitemap index (or a robots.txt naming sitemaps): its children are followed, at most
  MAX_CHILDREN a poll and MAX_DEPTH deep, newest first by their `<lastmod>`, and only those
  changed since the feed's last good poll when the index says when they changed; an index that
  lists itself, or a parent, is not followed back.
- A plain sitemap: only URLs whose `<lastmod>` is within RECENT (the rest is the site's archive).
- A gzipped sitemap is inflated here, at most MAX_INFLATED bytes (a bomb is cut there).

A sitemap over `max_feed_bytes` is cut at the cap and what came is read (the kind `reads_prefix`);
the warning says so. A body that is no sitemap at all raises NotAFeedError naming the feed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from datetime import UTC, datetime, timedelta

from usp.fetch_parse import SitemapFetcher
from usp.objects.page import SitemapPage
from usp.objects.sitemap import InvalidSitemap, PagesTextSitemap
from usp.web_client.abstract_client import (
    AbstractWebClient,
    AbstractWebClientResponse,
    AbstractWebClientSuccessResponse,
    WebClientErrorResponse,
)

from ..errors import FetchPermanent, FetchRetriable, NotAFeedError
from ..feeds import (
    MAX_ENTRIES,
    Body,
    FeedRef,
    FetchMore,
    ParsedFeed,
    as_utc,
    canonical_url,
    source_name,
    utc_time,
)
from ..models import Entry

MAX_CHILDREN = 6  # child sitemaps fetched per poll (each waits for its host's slot)
MAX_DEPTH = 2  # an index of indexes of sitemaps, and no deeper
RECENT = timedelta(days=2)  # a plain sitemap's URLs changed this recently are entries
CHANGED_SLACK = 3600.0  # seconds: a child changed this long before the last poll is still read
MAX_INFLATED = 50_000_000  # a gzipped sitemap inflated at most this far (the protocol's own limit)
MAX_KEYWORDS_CHARS = 1000

# usp logs each fetch and parse at INFO: one line per sitemap, per poll, of every sitemap feed.
logging.getLogger("usp").setLevel(logging.WARNING)

# A child sitemap of an index and its <lastmod>, read from the index's bytes: usp's index parser
# keeps the children's addresses only. Bounded: no nesting, at most 2,000 characters a child.
_CHILD = re.compile(
    rb"<(?:\w{1,20}:)?sitemap\b[^>]{0,200}>(.{0,2000}?)</(?:\w{1,20}:)?sitemap\s*>", re.S | re.I
)
_LOC = re.compile(rb"<(?:\w{1,20}:)?loc\b[^>]{0,200}>\s*(?:<!\[CDATA\[)?\s*([^<\]\s]{1,2000})", re.I)
_LASTMOD = re.compile(rb"<(?:\w{1,20}:)?lastmod\b[^>]{0,200}>\s*([^<\s]{1,40})", re.I)


def read(body: Body, feed: FeedRef, more: FetchMore) -> ParsedFeed:
    """The `sitemap` kind (pipeline.sources): the entries of a sitemap, an index's recent
    children, or a robots.txt's sitemaps."""
    client = _Client(body, more)
    since = more.since

    def children(urls: list[str], level: int, parents: set[str]) -> list[str]:
        if level + 1 > MAX_DEPTH:
            client.notes.append(f"sitemaps deeper than {MAX_DEPTH} levels not followed")
            return []
        fresh = [u for u in urls if u not in parents and _changed(client.lastmods.get(u), since)]
        fresh.sort(key=lambda u: client.lastmods.get(u) or datetime.max.replace(tzinfo=UTC), reverse=True)
        if len(fresh) > MAX_CHILDREN:
            client.notes.append(f"{len(fresh) - MAX_CHILDREN} changed child sitemap(s) left for later polls")
        return fresh[:MAX_CHILDREN]

    try:
        tree = SitemapFetcher(
            body.url, recursion_level=0, web_client=client, recurse_list_callback=children
        ).sitemap()
    except Exception as exc:  # usp on hostile input: an outcome, never a crash of the poll
        raise NotAFeedError(f"{feed.url}: not a sitemap ({type(exc).__name__}: {exc})") from exc
    if isinstance(tree, InvalidSitemap):
        raise NotAFeedError(f"{feed.url}: not a sitemap ({tree.reason})")
    if isinstance(tree, PagesTextSitemap) and not tree.pages:  # usp reads any other text as one
        raise NotAFeedError(f"{feed.url}: not a sitemap (neither XML nor text with one URL a line)")
    now = datetime.now(UTC)
    entries: dict[str, Entry] = {}
    invalid: list[str] = []
    for sitemap in (tree, *tree.all_sitemaps()):
        if isinstance(sitemap, InvalidSitemap):
            invalid.append(f"{sitemap.url}: {sitemap.reason}")
            continue
        for page in sitemap.pages:
            entry = _entry(page, feed, now)
            if entry is not None and entry.key not in entries:
                entries[entry.key] = entry
    listed = sorted(entries.values(), key=lambda e: e.published or "", reverse=True)[:MAX_ENTRIES]
    digest = hashlib.sha256("\n".join(sorted(f"{e.key} {e.published}" for e in listed)).encode())
    notes = [f"cut at the byte cap: {u}" for u in client.truncated] + client.notes
    notes += [f"{len(invalid)} child sitemap(s) not read, first: {invalid[0][:300]}"] if invalid else []
    return ParsedFeed(entries=tuple(listed), warning="; ".join(notes) or None, digest=digest.hexdigest())


def _changed(lastmod: datetime | None, since: float | None) -> bool:
    """Whether a child sitemap may hold something new: changed after the last good poll (less
    some slack for clocks), or not saying when it changed."""
    return lastmod is None or since is None or lastmod.timestamp() >= since - CHANGED_SLACK


def _entry(page: SitemapPage, feed: FeedRef, now: datetime) -> Entry | None:
    link = canonical_url(page.url)
    news = page.news_story
    modified = as_utc(page.last_modified) if page.last_modified else None
    published: datetime | None
    if news is None:  # a plain sitemap: the site's whole history, of which only the recent is news
        if modified is None or now - modified > RECENT:
            return None
        title, published, language, keywords = "", modified, None, ""
    else:
        title = " ".join((news.title or "").split())
        published = (as_utc(news.publish_date) if news.publish_date else None) or modified
        language = news.publication_language or None
        keywords = ", ".join(k.strip() for k in news.keywords if k.strip())[:MAX_KEYWORDS_CHARS]
    return Entry(
        feed_id=feed.id,
        feed_url=feed.url,
        source=source_name(feed, (news.publication_name or "") if news is not None else ""),
        key="link:" + link,
        link=link,
        title=title,
        published=published.isoformat() if published is not None else None,
        summary=keywords,
        language=language,
        category=feed.category,
        kind="sitemap",
    )


class _Client(AbstractWebClient):
    """usp's web client: the poll's body for its own URL, `FetchMore` for every other. Errors
    are never "retryable" to usp (it would sleep and retry in the poll's thread): the feed's
    next poll is the retry. Gzipped bodies are inflated here, bounded."""

    def __init__(self, body: Body, more: FetchMore) -> None:
        self.first: Body | None = body
        self.more = more
        self.lastmods: dict[str, datetime | None] = {}
        self.truncated: list[str] = []
        self.notes: list[str] = []

    def set_max_response_data_length(self, max_response_data_length: int | None) -> None:
        pass  # the fetcher's cap (max_feed_bytes) applies

    def get(self, url: str) -> AbstractWebClientResponse:
        if self.first is not None:
            body, self.first = self.first, None
        else:
            try:
                body = self.more(url)
            except (FetchRetriable, FetchPermanent) as exc:
                return WebClientErrorResponse(str(exc), retryable=False)
        content, cut = _inflated(body.content)
        if body.truncated or cut:
            self.truncated.append(body.url)
        self.lastmods.update(_child_lastmods(content))
        return _Answer(body.url, content, body.content_type)


class _Answer(AbstractWebClientSuccessResponse):
    def __init__(self, url: str, content: bytes, content_type: str) -> None:
        self._url, self._content = url, content
        # Inflated already: usp must not try again (it goes by a ".gz" path or a gzip type).
        self._type = "application/xml" if "gzip" in content_type.lower() else content_type

    def status_code(self) -> int:
        return 200

    def status_message(self) -> str:
        return "OK"

    def header(self, case_insensitive_name: str) -> str | None:
        return self._type if case_insensitive_name.lower() == "content-type" else None

    def raw_data(self) -> bytes:
        return self._content

    def url(self) -> str:
        return self._url


def _inflated(content: bytes) -> tuple[bytes, bool]:
    """A gzipped body inflated (at most MAX_INFLATED bytes: cut there, True); any other as it is."""
    if content[:2] != b"\x1f\x8b":
        return content, False
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        out = inflater.decompress(content, MAX_INFLATED)
    except zlib.error:
        return content, False  # not gzip after all: usp reads it, or says why not
    return out, bool(inflater.unconsumed_tail)


def _child_lastmods(content: bytes) -> dict[str, datetime | None]:
    """The children of a sitemap index in these bytes and when each changed (None: not said)."""
    if b"sitemapindex" not in content[:4096].lower():
        return {}
    found: dict[str, datetime | None] = {}
    for block in _CHILD.finditer(content):
        loc = _LOC.search(block.group(1))
        if loc is None:
            continue
        url = loc.group(1).decode("utf-8", "replace").replace("&amp;", "&")
        stamp = _LASTMOD.search(block.group(1))
        found[url] = utc_time(stamp.group(1).decode("ascii", "replace")) if stamp else None
    return found
