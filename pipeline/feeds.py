"""What every kind of source (pipeline.sources) makes of a fetched body, whatever its format:
entries with stable keys, canonical links and plain text, the feed's polling hints, and the
feed as a parser sees it (`FeedRef`).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

import courlan

from .models import Entry, short_hash

_TAG = re.compile(r"<[^>]+>")
# What is never text: scripts, styles and comments, whose contents a tag strip would keep. A parser
# may leave them in (rss asks feedparser not to sanitise: it costs two thirds of a parse).
_NOT_TEXT = re.compile(r"(?is)<!--.*?(?:-->|$)|<(script|style|template|noscript)\b[^>]*>.*?(?:</\1\s*>|$)")
_SPACE = re.compile(r"[ \t\r\f\v]+")
MAX_ENTRIES = 500  # per poll; a feed with more is truncated (newest first as published)
MAX_HINT = 86400.0  # a feed asking to be polled less than daily is still polled daily


class FeedRef(Protocol):
    """The feed as a parser (and the OPML writer) sees it: what its entries carry. A `FeedConfig`
    is one; they take this rather than the config so that they never import pipeline.config
    (which imports the registry of parsers, pipeline.sources, and reads OPML)."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def type(self) -> str: ...  # its kind of source (pipeline.sources)
    @property
    def select(self) -> str | None: ...  # `page`: the CSS selector of its article links
    @property
    def follow_links(self) -> bool: ...  # `telegram`: a post that is mostly a link reads the linked page


@dataclass(frozen=True)
class FeedHints:
    """What a feed says about how often to poll it."""

    min_interval: float | None = None  # seconds: RSS <ttl>, or sy:updatePeriod / sy:updateFrequency
    skip_hours: frozenset[int] = frozenset()  # RSS <skipHours>: hours (UTC) not to poll in


@dataclass(frozen=True)
class ParsedFeed:
    entries: tuple[Entry, ...]
    title: str = ""
    warning: str | None = None  # why the body was ill-formed, when entries were still recovered
    hints: FeedHints = FeedHints()
    # What the entries come from, hashed, for a kind whose body changes when its entries do not
    # (a listing page's ads, a channel's view counts): the same digest as the last poll's and
    # the poll counts as not modified, as a 304 would (pipeline.polling).
    digest: str | None = None
    # Every entry is what the source showed before it was watched: remembered as seen, never
    # read (a listing page's first poll: no dates tell old from new, and all would alert).
    baseline: bool = False
    # WebSub (pipeline.websub): the hub the feed names (<link rel="hub">) and its topic (rel="self").
    hub: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class Body:
    """A fetched body, as a kind of source reads it."""

    content: bytes
    url: str  # where it came from, after redirects
    content_type: str = ""
    truncated: bool = False  # cut at the byte cap (a kind that `reads_prefix` reads what came)


class FetchMore(Protocol):
    """Another GET within one poll, for a kind that follows links (a sitemap index's children):
    through the same guarded fetcher, with the feed's size cap and its host's politeness, and
    a bounded number of them per poll (pipeline.polling.FOLLOW_UPS). Raises what `Fetcher.get`
    raises, and FetchPermanent past the bound."""

    @property
    def since(self) -> float | None: ...  # when the feed's last good poll was (Unix time; None: never)

    def __call__(self, url: str) -> Body: ...


def utc_time(text: str) -> datetime | None:
    """An ISO 8601 / RFC 3339 time ("Z" or "z" for UTC; none given: UTC) as an aware UTC time;
    None when it is not one. What every kind makes of the dates its source writes."""
    try:
        return as_utc(datetime.fromisoformat(text.strip().replace("z", "Z")))
    except ValueError:
        return None


def as_utc(when: datetime) -> datetime:
    """A time in UTC (a naive one taken as UTC)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def canonical_url(url: str) -> str:
    """A link normalised so two feeds linking one story agree: lowercase host, no default port,
    no fragment, no tracking parameters."""
    try:
        # not strict=True: that drops every query parameter off courlan's short allow-list
        # (?v=, ?story=...), so distinct stories would share one link and one story key
        return courlan.normalize_url(url.strip()).split("#", 1)[0]
    except (ValueError, AttributeError):
        return url.strip()


def html_to_text(fragment: str) -> str:
    """Plain text of a feed's HTML summary or content (tags dropped, entities decoded)."""
    if "<" in fragment:
        fragment = _NOT_TEXT.sub(" ", fragment)
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h[1-6])\b[^>]*>", "\n", fragment)
    text = html.unescape(_TAG.sub("", text))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def source_name(feed: FeedRef, feed_title: str = "") -> str:
    return feed.name or feed_title or (urlsplit(feed.url).hostname or feed.url)


def entry_key(feed: FeedRef, guid: str, link: str | None, title: str, summary: str) -> str:
    """An entry's key as its feed gives it: its guid, else its link, else a hash of its text
    (`stable_keys` then mends guids that several entries share)."""
    if guid:
        return "guid:" + guid
    if link:
        return "link:" + link
    return "hash:" + short_hash(feed.url, title, summary)


def stable_keys(feed: FeedRef, entries: list[Entry]) -> tuple[list[Entry], int]:
    """Keys that hold for feeds with bad guids. An item whose guid another item of the same
    body also has is keyed by its link (or, if that is shared too, a hash of its text); an item
    keyed by guid whose link is its own also counts as seen by that link, so a feed that makes
    new guids on every poll does not alert the same stories again. Returns the entries and how
    many had a shared guid."""
    guids = Counter(e.key for e in entries if e.key.startswith("guid:"))
    links = Counter(e.link for e in entries if e.link)
    out: list[Entry] = []
    shared = 0
    for e in entries:
        own_link = e.link is not None and links[e.link] == 1
        if guids.get(e.key, 0) > 1:
            shared += 1
            key = f"link:{e.link}" if own_link else "hash:" + short_hash(feed.url, e.key, e.title, e.summary)
            out.append(e.model_copy(update={"key": key}))
        elif e.key.startswith("guid:") and own_link:
            out.append(e.model_copy(update={"alt_keys": (f"link:{feed.id}:{e.link}",)}))
        else:
            out.append(e)
    return out, shared
