"""Polling one feed: its HTTP validators in, an outcome out; and what follows from the outcome.

    outcome = poll_feed(fetcher, feed, Validators(etag, last_modified), max_bytes)
    match outcome:
        case NotModified(): ...          # 304: nothing to do until the next poll
        case FeedEntries(): ...          # parsed entries, new validators, a permanent redirect
        case PollFailed(): ...           # retriable or permanent, with the reason

`triage_entries` decides which entries become articles, `next_due` when the feed is due
again. No Redis here: the poll job loads the state, calls these and saves what they return.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import assert_never

from .errors import PermanentError, RetriableError
from .feeds import parse_feed
from .fetch import Fetcher
from .models import Entry
from .schema import FeedConfig

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, */*;q=0.5"
)
RETRY_FIRST = 30.0  # seconds before the first retry of a feed that failed for a passing reason


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: the feed's last ETag and Last-Modified."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class NotModified:
    status: int = 304
    moved_to: str | None = None


@dataclass(frozen=True)
class FeedEntries:
    entries: tuple[Entry, ...]
    validators: Validators
    status: int = 200
    warning: str | None = None  # feedparser's reason when an ill-formed feed still gave entries
    moved_to: str | None = None  # every redirect hop was permanent: the feed's new address


@dataclass(frozen=True)
class PollFailed:
    error: str
    retriable: bool


PollOutcome = NotModified | FeedEntries | PollFailed


def poll_feed(fetcher: Fetcher, feed: FeedConfig, validators: Validators, max_bytes: int) -> PollOutcome:
    """One conditional GET of the feed and, when it changed, its entries. Never raises for bad
    input: a network error, an HTTP status or bytes that are no feed are a `PollFailed`."""
    try:
        result = fetcher.get(
            feed.url,
            max_bytes=max_bytes,
            accept=FEED_ACCEPT,
            etag=validators.etag,
            last_modified=validators.last_modified,
        )
        if result.not_modified:
            return NotModified(moved_to=result.moved_to)
        parsed = parse_feed(result.content, feed, result.url, result.content_type)
    except RetriableError as exc:
        return PollFailed(str(exc), retriable=True)
    except PermanentError as exc:
        return PollFailed(str(exc), retriable=False)
    return FeedEntries(
        entries=parsed.entries,
        validators=Validators(result.etag, result.last_modified),
        status=result.status,
        warning=parsed.warning,
        moved_to=result.moved_to,
    )


@dataclass(frozen=True)
class EntryTriage:
    new: tuple[Entry, ...]  # to read and match
    stale: tuple[Entry, ...]  # never seen, but published longer ago than max_entry_age: remembered only


def triage_entries(
    entries: Sequence[Entry], seen: Sequence[bool], max_entry_age: float, now: datetime
) -> EntryTriage:
    """Split the entries not seen before into new ones and stale ones. An entry without a date
    counts as new: a feed that gives none must still alert."""
    new: list[Entry] = []
    stale: list[Entry] = []
    for entry, was_seen in zip(entries, seen, strict=True):
        if was_seen:
            continue
        published = _parse_time(entry.published)
        if published is not None and (now - published).total_seconds() > max_entry_age:
            stale.append(entry)
        else:
            new.append(entry)
    return EntryTriage(tuple(new), tuple(stale))


def next_due(
    outcome: PollOutcome,
    due_at: float,
    now: float,
    interval: float,
    consecutive_errors: int,
    jitter: float,
    rng: random.Random,
) -> float:
    """When (Unix seconds) the feed is due again. After a success, one interval after it was last
    due, so that a feed keeps its cadence however late its poll ran, spread by up to half of
    `jitter` either way (never more than a quarter of the interval); after a failure, counted
    from now (see `next_poll_in`)."""
    delay = next_poll_in(outcome, interval, consecutive_errors)
    if isinstance(outcome, PollFailed):
        return now + delay
    spread = min(jitter, interval / 2)
    return max(now + 1, due_at + delay + rng.uniform(-spread, spread) / 2)


def next_poll_in(outcome: PollOutcome, interval: float, consecutive_errors: int) -> float:
    """Seconds until the feed is polled again. A passing failure is retried sooner than the
    interval, 30 s doubling with each failure in a row, never later than the interval."""
    match outcome:
        case NotModified() | FeedEntries():
            return interval
        case PollFailed(retriable=True):
            return min(interval, RETRY_FIRST * 2.0 ** max(0, consecutive_errors - 1))
        case PollFailed():
            return interval
        case _:
            assert_never(outcome)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
