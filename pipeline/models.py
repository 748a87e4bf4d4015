"""Frozen records that travel between stages and through Redis as JSON."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_json(self) -> str:
        return self.model_dump_json()


def iso_time(ts: float) -> str:
    """Unix seconds as the ISO 8601 UTC text every record carries ("2026-12-01T10:00:00+00:00")."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def unix_time(iso: str) -> float:
    """The Unix seconds of an ISO 8601 time as `iso_time` writes it (no zone: UTC)."""
    parsed = datetime.fromisoformat(iso)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def short_hash(*parts: str, size: int = 20) -> str:
    """A stable hex id from text parts (NUL-separated so ("ab","c") != ("a","bc"))."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()
    return digest[:size]


class Entry(Record):
    """One item of a feed, as feedparser gave it, reduced to what the pipeline needs."""

    feed_id: str
    feed_url: str
    source: str  # feed name, else the feed's host
    key: str  # stable identity: guid, else canonical link, else a content hash
    # Other keys that mean "seen" too: its link within its feed, for a feed whose guids change
    # from one poll to the next (a story must not alert again under a new guid).
    alt_keys: tuple[str, ...] = ()
    category: str | None = None  # its feed's category (`category:` in the config, or an OPML folder)
    link: str | None = None
    title: str = ""
    published: str | None = None  # ISO 8601, UTC
    summary: str = ""  # plain text
    content: str = ""  # plain text of the feed's own full content, when it carries one
    language: str | None = None
    kind: str = "rss"  # its feed's kind of source (pipeline.sources): rules scope it as kind:
    # The entry's own text is the whole article (a Telegram post): there is no page to fetch.
    own_text: bool = False
    # The page to read for the article when it is not `link` (a post that is mostly a link to
    # an article, read with `follow_links`): `link` stays the entry's own address.
    article_url: str | None = None
    links: tuple[str, ...] = ()  # the web links in its text (a Telegram post's)
    # Its title (a link's anchor text) stands in until the page's own title is read.
    provisional_title: bool = False
    forwarded_from: str | None = None  # a forwarded post: the original's address, or its sender's name


class Article(Record):
    """A story ready for matching: title and the article's own text, never the raw page."""

    url: str
    title: str
    text: str
    source: str
    published: str | None = None
    language: str | None = None
    text_from: str = "page"  # "page" (extracted) or "feed" (the feed's content or summary)
    category: str | None = None  # its feed's category
    kind: str = "rss"  # its feed's kind of source: rss, sitemap, page, telegram


class TermHit(Record):
    """One matched word or phrase: as written, where (characters in the field), and which query part."""

    text: str
    start: int
    end: int
    query: str  # the part of the rule it matched, e.g. "prefix:песков*" or 'phrase:"kremlin spokesman"'


class StatementRef(Record):
    """The statement a `said_by:` or `quote:` match stands on (pipeline.statements), with its
    character offsets in the match's field: who, as named there, and whom that names (the
    identity a speaker is matched by), the reporting verb, and what was said."""

    speaker: str
    identity: str
    verb: str
    content: str  # at most MAX_CONTENT_CHARS
    speaker_start: int
    speaker_end: int
    content_start: int
    content_end: int
    sentence_start: int
    sentence_end: int

    MAX_CONTENT_CHARS: ClassVar[int] = 1000


class Match(Record):
    """Why a rule matched in one field: the terms, each hit with its offsets, and a snippet."""

    field: str
    terms: tuple[str, ...]  # distinct matched words and phrases, as written, in order of appearance
    offsets: tuple[tuple[int, int], ...] = ()  # character offsets of each hit in the field text
    snippet: str = ""
    highlights: tuple[tuple[int, int], ...] = ()  # character offsets of the hits inside `snippet`
    hits: tuple[TermHit, ...] = ()  # the hits with the query part that matched each (MAX_HITS at most)
    # Set when there were more hits than `hits` holds: at least how many. The matcher looks no
    # further than one past the 100 it keeps (pipeline.rules.highlight), so its matches say 101
    # or just over: "more than 100"; a trimmed webhook payload, how many the match held.
    hits_total: int | None = None
    statement: StatementRef | None = None  # the statement, for a said_by: or quote: match


class RuleHit(Record):
    """One rule that matched one article."""

    rule_id: str
    rule_title: str
    matches: tuple[Match, ...]


class ArticleRef(Record):
    url: str
    title: str
    source: str
    published: str | None = None
    language: str | None = None


class StoryCopy(Record):
    """One outlet's article of a story: its timeline's entry, and what "also reported by" lists."""

    source: str
    url: str
    title: str
    seen: str  # ISO 8601, UTC: when wirewatch read it
    published: str | None = None  # ISO 8601, UTC: when the outlet published it, as its page or feed says


class StoryRef(Record):
    """The story an article belongs to (see pipeline.stories): its id and when it was first seen;
    on an alert, also its timeline as the alert was made or its digest taken (`copies`, the first
    outlet's first: pipeline.stories.with_timeline; at most TIMELINE_MAX of `copies_total`)."""

    id: str
    first_seen: str  # ISO 8601, UTC
    copies: tuple[StoryCopy, ...] = ()
    copies_total: int = 0
    followed: int = 0  # outlets besides the first's, of all its copies (`followed`)

    @property
    def first_outlet(self) -> StoryCopy | None:
        return self.copies[0] if self.copies else None


def followed(timeline: Sequence[StoryCopy]) -> int:
    """How many outlets besides the first had a story, of its copies in timeline order."""
    return len({c.source for c in timeline[1:]} - {timeline[0].source}) if timeline else 0


class Archived(Record):
    """A processed article as the archive keeps it, for backfill and search."""

    article: Article
    entry_key: str  # its entry's key (an alert made from it says so: see workers.store.alerts.record_alert)
    feed_url: str
    story_url: str | None = None  # the URL its story was keyed by (see pipeline.stories.story_url)
    story: StoryRef
    seen: str  # ISO 8601, UTC: when it was processed


class Alert(Record):
    """One (rule, story): the unit we deliver to every sink of the rule, exactly once each."""

    alert_id: str
    rule_id: str
    rule_title: str
    article: ArticleRef
    matches: tuple[Match, ...]
    sinks: tuple[str, ...]
    created_at: str  # ISO 8601, UTC
    story: StoryRef | None = None
    # Where a reader says whether it was relevant (`public_url` set): a link signed for this
    # alert alone (pipeline.feedback), shown in messages and given in the webhook body.
    feedback_url: str | None = None

    @staticmethod
    def make_id(rule_id: str, story_id: str) -> str:
        return short_hash(rule_id, story_id)

    def delivery_id(self, sink_id: str) -> str:
        """The id a receiver sees on every try of this alert to this sink (webhook-id, Message-ID)."""
        return f"{self.alert_id}-{sink_id}"


class Digest(Record):
    """Alerts of one group sent as one message (see pipeline.digests): stable id per group and
    window; `also[i]` names the other outlets of alerts[i]'s story ("also reported by")."""

    digest_id: str
    group: str
    sink_id: str
    alerts: tuple[Alert, ...]
    also: tuple[str, ...] = ()
    window_start: str  # ISO 8601, UTC: the oldest alert's creation
    flushed_at: str  # ISO 8601, UTC: when the group was due
    spikes: tuple[Notice, ...] = ()  # rule.spike notices of its rules made since window_start

    def delivery_id(self, sink_id: str) -> str:
        return f"digest-{self.digest_id}-{sink_id}"

    @property
    def rule(self) -> tuple[str, str] | None:
        """(id, title) when every alert is of one rule."""
        rules = {(a.rule_id, a.rule_title) for a in self.alerts}
        return next(iter(rules)) if len(rules) == 1 else None


NoticeType = Literal[
    "feed.unhealthy", "feed.recovered", "feed.retired", "feed.moved", "sink.disabled", "rule.spike"
]


class SpikeStory(Record):
    """One of a spike's top stories: its first copy's title and link, and its outlets."""

    story_id: str
    title: str
    url: str
    outlets: tuple[str, ...]  # every outlet that carried it, the first outlet first


class Notice(Record):
    """News for the operator, through the same sinks as alerts: a feed broke, recovered, was
    retired (410 Gone) or moved (301/308); a sink answered 410 Gone and was disabled; a rule's
    stories came suddenly faster than usual (rule.spike: pipeline.spikes)."""

    type: NoticeType
    feed_url: str = ""
    feed_name: str = ""
    sink_id: str = ""  # sink.disabled: the sink
    error: str = ""
    failures: int = 0
    since: str  # ISO time: when the failures began, or when the feed retired or moved; a spike's window
    moved_to: str | None = None
    sequence: int = 0  # the n-th reminder of one unhealthy spell (a new webhook-id each)
    # rule.spike: the rule, its stories in the window against its baseline, and the top stories
    rule_id: str = ""
    rule_title: str = ""
    count: int = 0
    baseline: float = 0.0
    basis: str = ""  # "hour of the week" or "mean" (pipeline.spikes.baseline)
    window: float = 0.0  # seconds
    stories: tuple[SpikeStory, ...] = ()

    @property
    def notice_id(self) -> str:
        subject = self.feed_url or self.sink_id or self.rule_id
        return short_hash(self.type, subject, self.since, str(self.sequence))

    def delivery_id(self, sink_id: str) -> str:
        """The id a receiver sees on every try of this notice to this sink (webhook-id, Message-ID)."""
        return f"notice-{self.notice_id}-{sink_id}"

    @property
    def headline(self) -> str:
        """`feed unhealthy: <name>`: the email subject after `[wirewatch]`."""
        if self.type == "sink.disabled":
            return f"sink disabled: {self.sink_id}"
        if self.type == "rule.spike":
            return f"spike: {self.count} stories for {self.rule_title or self.rule_id}"
        return f"feed {self.type.removeprefix('feed.')}: {self.feed_name}"


Digest.model_rebuild()  # its `spikes` are Notices, defined after it
