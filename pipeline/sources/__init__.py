"""The kinds of source a feed can be (its `type:` in the config): how a fetched body becomes
entries. One module per kind, one line per kind in SOURCE_KINDS:

    page      a listing page with no feed: its links to articles (found, or picked by select:)
    rss       RSS 0.9x/2.0, Atom, RDF and JSON Feed, read by feedparser (the default)
    sitemap   news sitemaps, sitemap indexes, plain sitemaps, robots.txt (ultimate-sitemap-parser)
    telegram  a public Telegram channel, from its web preview page (t.me/s/<name>)

A kind is its `read`: the fetched body (`Body`: bytes, the URL they came from after redirects,
their Content-Type), the feed (`FeedRef`) and a way to fetch more within the poll (`FetchMore`:
guarded and bounded, for a kind that follows links) in; a `ParsedFeed` out (entries, title, a
warning, polling hints, a digest of what the entries come from), or NotAFeedError when the bytes
are not of that kind. Fetching, conditional GET, the schedule and the notices are the same for
every kind (pipeline.polling).

A new kind, say `sitemap`, is a module beside rss.py with its `read` and a line below: the
config then accepts `type: sitemap` and the poll reads such feeds with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..feeds import Body, FeedRef, FetchMore, ParsedFeed
from . import page, rss, sitemap, telegram

Read = Callable[[Body, FeedRef, FetchMore], ParsedFeed]


FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json,"
    " application/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, application/gzip;q=0.8, text/plain;q=0.5, */*;q=0.3"


@dataclass(frozen=True)
class SourceKind:
    read: Read
    description: str
    accept: str = FEED_ACCEPT  # the Accept header of its polls
    # The feed's URL as the config gives it -> the one to poll (ValueError: not one of this kind's).
    address: Callable[[str], str] | None = None
    # A body over max_feed_bytes is cut there and read, not refused (a sitemap of millions of URLs).
    reads_prefix: bool = False


DEFAULT_KIND = "rss"
SOURCE_KINDS: Mapping[str, SourceKind] = {
    "page": SourceKind(
        page.read, "a listing page with no feed: its new links to articles", PAGE_ACCEPT, reads_prefix=True
    ),
    "rss": SourceKind(rss.read, "RSS 0.9x/2.0, Atom, RDF and JSON Feed, read by feedparser"),
    "sitemap": SourceKind(
        sitemap.read,
        "a news sitemap, a sitemap index (recent children), a plain sitemap (recent URLs) or a robots.txt",
        SITEMAP_ACCEPT,
        reads_prefix=True,
    ),
    "telegram": SourceKind(
        telegram.read,
        "a public Telegram channel's web preview (t.me/s/<name>)",
        PAGE_ACCEPT,
        telegram.preview_url,
    ),
}
