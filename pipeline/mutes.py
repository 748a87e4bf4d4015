"""Mutes: queries in the rule language whose articles alert no rule (live blogs, sports sections,
sponsored pages), from the config's `mute:` and from a feed's own.

    mutes = Mutes.of(config)
    muted = mutes.muted_by(article_document(article), entry.feed_url)   # a Muted, or None

The article job asks before any rule is matched (a muted article costs no matching); `rules
test` and `backfill` ask too, and say "muted by ..." so that a user can see why nothing alerted.
Every mute of the config is in one matcher (its prefilter skips those an article cannot match);
a feed's own is compiled when an article of that feed is first asked about. No Redis here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .config import Config, person_variants
from .models import Match
from .plaintext import one_line
from .rules import Document, Matcher
from .rules.people import People

__all__ = ["Mute", "Muted", "Mutes"]

_SHOWN_QUERY = 120  # characters of a mute's query in what it says


@dataclass(frozen=True)
class Mute:
    """One mute: the config's (`id` is its id) or a feed's (`feed_url` is set, `id` is "feed")."""

    id: str
    query: str
    feed_url: str | None = None

    @property
    def display_title(self) -> str:  # what pipeline.rules.Matcher takes a rule's title from
        return self.label

    @property
    def aliases(self) -> Mapping[str, Sequence[str]]:
        return {}

    @property
    def label(self) -> str:
        """The mute as said to a user: `mute 'sports' (category:sport)` or `feed <url>'s mute (...)`."""
        query = one_line(self.query)
        query = query if len(query) <= _SHOWN_QUERY else query[: _SHOWN_QUERY - 1] + "…"
        if self.feed_url is not None:
            return f"the mute of feed {self.feed_url} ({query})"
        return f"mute {self.id!r} ({query})"


@dataclass(frozen=True)
class Muted:
    """An article a mute took, and where in it the mute's query matched."""

    mute: Mute
    matches: tuple[Match, ...]

    @property
    def reason(self) -> str:
        """`muted by mute 'live' (title:live): title: Live`, for logs and explanations: the
        mute and the words of the document it matched, by field."""
        words = [(m.field, ", ".join(one_line(t)[:60] for t in m.terms[:5])) for m in self.matches]
        found = "; ".join(f"{field}: {terms}" for field, terms in words)
        return f"muted by {self.mute.label}" + (f": {found}" if found else "")

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.mute.id, "feed": self.mute.feed_url, "query": self.mute.query,
            "matches": [m.model_dump(mode="json") for m in self.matches],
        }  # fmt: skip


@dataclass
class Mutes:
    """The config's mutes and its feeds' (see the module's doc)."""

    shared: tuple[Mute, ...] = ()
    by_feed: dict[str, Mute] = field(default_factory=dict)  # feed URL -> its mute
    aliases: Mapping[str, Sequence[str]] = field(default_factory=dict)
    people: People | None = None
    _matcher: Matcher | None = field(default=None, init=False, repr=False)
    _feed_matchers: dict[str, Matcher] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def of(cls, config: Config) -> Mutes:
        return cls(
            tuple(Mute(m.id, m.query) for m in config.mute),
            {str(f.url): Mute("feed", f.mute, str(f.url)) for f in config.feeds if f.mute},
            config.aliases,
            person_variants(config.people),
        )

    def __bool__(self) -> bool:
        return bool(self.shared or self.by_feed)

    def muted_by(self, doc: Document, feed_url: str | None = None) -> Muted | None:
        """The first mute that takes this document (the config's, in order, then its feed's)."""
        if self.shared:
            if self._matcher is None:
                self._matcher = Matcher(self.shared, self.aliases, people=self.people)
            hits = self._matcher.match(doc)
            if hits:
                mute = next(m for m in self.shared if m.id == hits[0].rule_id)
                return Muted(mute, hits[0].matches)
        own = self.by_feed.get(feed_url) if feed_url else None
        if own is not None:
            matcher = self._feed_matchers.get(own.feed_url or "")
            if matcher is None:
                matcher = self._feed_matchers[own.feed_url or ""] = Matcher(
                    [own], self.aliases, people=self.people
                )
            hits = matcher.match(doc)
            if hits:
                return Muted(own, hits[0].matches)
        return None
