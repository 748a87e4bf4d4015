"""The kinds of source a feed can be (its `type:` in the config): how a fetched body becomes
entries. One module per kind, one line per kind in SOURCE_KINDS:

    rss      RSS 0.9x/2.0, Atom and RDF, read by feedparser (the default)

A kind is its `parse`: the fetched bytes, the feed (`FeedRef`), the URL they came from after
redirects and their Content-Type in; a `ParsedFeed` out (entries, title, a warning, polling
hints), or NotAFeedError when the bytes are not of that kind. Fetching, conditional GET, the
schedule and the notices are the same for every kind (pipeline.polling).

A new kind, say `sitemap`, is a module beside rss.py with its `parse` and a line below: the
config then accepts `type: sitemap` and the poll reads such feeds with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..feeds import FeedRef, ParsedFeed
from . import rss

Parse = Callable[[bytes, FeedRef, str | None, str], ParsedFeed]  # body, feed, final URL, Content-Type


@dataclass(frozen=True)
class SourceKind:
    parse: Parse
    description: str


DEFAULT_KIND = "rss"
SOURCE_KINDS: Mapping[str, SourceKind] = {
    "rss": SourceKind(rss.parse_feed, "RSS 0.9x/2.0, Atom and RDF, read by feedparser"),
}
