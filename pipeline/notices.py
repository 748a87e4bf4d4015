"""Notices about feeds themselves: after each poll, whether the user should hear that a feed
broke, recovered, was retired or moved. No Redis here: `pipeline.polling.decide_poll` asks this
after each poll and keeps the `Spell` in the feed's state; the poll job queues the notices.

    unhealthy   `unhealthy_after` failures in a row (default 5): once, then at most daily
    recovered   the first success after an unhealthy notice
    retired     410 Gone (the feed is polled no more)
    moved       a 301 or 308 to a new URL (polled from then on)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, assert_never
from urllib.parse import urlsplit

from .config import FeedConfig
from .models import Notice, NoticeType, iso_time

REMIND_EVERY = 86400.0  # an unhealthy feed is brought up again at most this often

PollResult = Literal["ok", "failed", "retired", "deferred"]  # what a poll came to (`polling.poll_result`)


@dataclass(frozen=True)
class Spell:
    """A feed's current run of failures, as far as notices go."""

    since: str | None = None  # ISO time of the first failure in a row
    notified: float | None = None  # when the last unhealthy notice was sent
    reminders: int = 0  # unhealthy notices sent in this spell


def feed_name(feed: FeedConfig) -> str:
    return feed.name or urlsplit(feed.url).hostname or feed.url


def notices_after(
    result: PollResult,
    feed: FeedConfig,
    spell: Spell,
    errors: int,
    error: str,
    now: float,
    unhealthy_after: int,
    moved_to: str | None = None,
) -> tuple[list[Notice], Spell]:
    """The notices one poll calls for, and the spell it leaves. `errors`: failures in a row
    before this poll's result is counted; `moved_to`: a new permanent address found now."""
    stamp = iso_time(now)

    def notice(kind: NoticeType, since: str, **details: Any) -> Notice:
        return Notice(type=kind, feed_url=feed.url, feed_name=feed_name(feed), since=since, **details)

    notices = [notice("feed.moved", stamp, moved_to=moved_to)] if moved_to else []
    match result:
        case "retired":
            notices.append(notice("feed.retired", spell.since or stamp, error=error, failures=errors + 1))
            return notices, Spell()
        case "failed":
            failures = errors + 1
            since = spell.since or stamp
            due = spell.notified is None or now - spell.notified >= REMIND_EVERY
            if failures >= unhealthy_after and due:
                notices.append(
                    notice("feed.unhealthy", since, error=error, failures=failures, sequence=spell.reminders)
                )
                return notices, Spell(since, now, spell.reminders + 1)
            return notices, Spell(since, spell.notified, spell.reminders)
        case "deferred":
            return notices, spell
        case "ok":
            if spell.notified is not None:
                notices.append(notice("feed.recovered", spell.since or stamp, failures=errors))
            return notices, Spell()
        case _:
            assert_never(result)
