"""Reading one new entry: its page (fetched, or why not) in, what the article job does with it out.

    outcome = read_entry(entry, page, attempt, tries=..., retry_in=..., min_text_chars=..., ...)
    match outcome:
        case RetryLater(): ...    # the page may load later: the entry comes back, attempt + 1
        case ArticleRead(): ...   # its article, from the page or else from the feed's own text

The job then places the article in its story (the story index is in Redis: workers.store.stories)
and `file_article` says what follows from the story: the archive record and the alerts to record
and deliver. No Redis here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from .alerts import article_document, decide_alerts
from .errors import FetchRetriable, WirewatchError, without_url
from .extract import build_article
from .loglines import LogLine
from .models import Alert, Archived, Article, Entry, StoryRef, iso_time
from .mutes import Muted, Mutes
from .rules import Matcher
from .stages import StageClock


@dataclass(frozen=True)
class Page:
    """An entry's page as fetched: its bytes and where from, or why there are none (no link: no
    error and no bytes)."""

    content: bytes | None = None
    url: str = ""
    final_url: str = ""  # after redirects: the site a canonical link must be on
    error: WirewatchError | None = None


@dataclass(frozen=True)
class RetryLater:
    """The page may load later: the entry comes back alone, with attempt + 1."""

    log: tuple[LogLine, ...] = ()


@dataclass(frozen=True)
class ArticleRead:
    """The entry's article: the page's text, or the feed's own when the page was not fetched or
    gave too little."""

    article: Article
    log: tuple[LogLine, ...] = ()


ReadOutcome = RetryLater | ArticleRead


def read_entry(
    entry: Entry,
    page: Page,
    attempt: int,
    *,
    tries: int,
    retry_in: float,
    min_text_chars: int,
    max_extract_time: float | None,
) -> ReadOutcome:
    """Retry later or read now: a page that failed in a way that may pass is tried again while
    tries are left (`attempt` counts from 0, the next in `retry_in` seconds); otherwise the
    article is built from what there is (`build_article`, which falls back to the feed's text)."""
    url = entry.link or entry.feed_url
    if isinstance(page.error, FetchRetriable) and attempt + 1 < tries:
        reason = without_url(url, page.error)
        return RetryLater(
            (LogLine(logging.WARNING, "article %s %s: page fetch failed, will retry in %ds: %s",
                     (entry.key, url, retry_in, reason)),)
        )  # fmt: skip
    lines: tuple[LogLine, ...] = ()
    if page.error is not None:
        lines = (
            LogLine(logging.WARNING, "article %s %s: page not fetched, using the feed's text: %s",
                    (entry.key, url, without_url(url, page.error))),
        )  # fmt: skip
    article = build_article(entry, page.url or url, page.content, min_text_chars, max_extract_time)
    return ArticleRead(article, lines)


@dataclass(frozen=True)
class FiledArticle:
    """What an article placed in its story leads to: its archive record and its alerts (none
    when a mute took it: `muted` says which)."""

    archived: Archived
    alerts: tuple[Alert, ...]
    muted: Muted | None = None


def file_article(
    entry: Entry,
    article: Article,
    story: StoryRef,
    story_url: str | None,
    matcher: Matcher,
    rule_sinks: Mapping[str, tuple[str, ...]],
    now: float,
    clock: StageClock | None = None,
    mutes: Mutes | None = None,
) -> FiledArticle:
    """The archive record of an article read at `now` and placed in `story` (keyed by
    `story_url`), and an alert per rule it matches (see `pipeline.alerts.decide_alerts`) unless
    one of `mutes` takes it (then no rule is matched); `clock` counts the CPU of matching,
    explaining and the statements. A muted article is archived all the same (search, backfill)."""
    stamp = iso_time(now)
    archived = Archived(
        article=article, entry_key=entry.key, feed_url=entry.feed_url, story_url=story_url, story=story,
        seen=stamp,
    )  # fmt: skip
    muted = mutes.muted_by(article_document(article), entry.feed_url) if mutes else None
    if muted is not None:
        return FiledArticle(archived, (), muted)
    return FiledArticle(archived, tuple(decide_alerts(article, story, matcher, rule_sinks, stamp, clock)))
