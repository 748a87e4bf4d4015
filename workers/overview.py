"""The state of a running system, read from Redis in one place: what `wirewatch status` prints,
the status page shows, `wirewatch feeds` lists and the metrics' gauges count. Each reads the
same records, so they can never disagree about a feed's health or what is wrong: a feed's row
comes from its hash, the counts by health from the health index the same writes keep
(`store.feeds`), so that a scrape or a page reads a bounded amount whatever the number of feeds."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from redis import Redis
from rq import Worker
from rq.registry import FailedJobRegistry

from pipeline.config import Config, FeedConfig
from pipeline.models import Alert, StoryCopy, followed, iso_time
from pipeline.polling import Health, feed_health
from pipeline.stories import timeline

from .history import History
from .history import articles as article_rows
from .services import Queues
from .store import alerts as alert_store
from .store import deliveries, digests, feeds, outbox, schedule, sinks
from .store.deliveries import DeliveryRecord
from .store.leader import leader_present
from .store.stories import MAX_COPIES, also_reported_by, story_copies

DEAD_LETTERS_SHOWN = 10
PAGE_SIZE = 50  # feeds and rules a page of the status shows
BAD_HEALTH: tuple[Health, ...] = ("unhealthy", "retired")


@dataclass(frozen=True)
class FeedRow:
    """One configured feed and its recorded state."""

    id: str
    name: str
    url: str
    kind: str  # its kind of source (pipeline.sources): rss, telegram, ...
    moved_to: str | None
    state: Health
    failures: int
    last_ok: str | None
    last_error: str | None
    interval: int | None
    why: str | None
    next_poll: str | None
    next_poll_in: int | None
    per_day: float | None
    retired: str | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def feed_rows(
    cfg: Config, redis: Redis, now: float, only: Sequence[FeedConfig] | None = None
) -> list[FeedRow]:
    """One row per configured feed (or per feed of `only`), from its recorded state (read
    `feeds.CHUNK` feeds a round trip)."""
    shown = cfg.feeds if only is None else only
    states = feeds.feed_states(redis, [f.id for f in shown])
    rows = []
    for feed in shown:
        s = states.get(feed.id, {})
        errors = int(s.get("errors") or 0)
        polled, retired = bool(s.get("last_poll")), bool(s.get("retired"))
        health = feed_health(errors, retired, polled, cfg.defaults.unhealthy_after)
        due = float(s["next_poll"]) if s.get("next_poll") and health != "retired" else None
        rows.append(
            FeedRow(
                id=feed.id,
                name=feed.name or "",
                url=feed.url,
                kind=feed.type,
                moved_to=s.get("moved_to") or None,
                state=health,
                failures=errors,
                last_ok=s.get("last_ok") or None,
                last_error=s.get("retired_reason") or s.get("last_error") or None,
                interval=int(s["interval"]) if s.get("interval") else None,
                why=s.get("why") or None,
                next_poll=iso_time(due) if due is not None else None,
                next_poll_in=round(due - now) if due is not None else None,
                per_day=float(s["per_day"]) if s.get("per_day") else None,
                retired=s.get("retired") or None,
            )
        )
    return rows


HEALTH_STATES: tuple[Health, ...] = ("ok", "backing off", "unhealthy", "retired", "not polled")


def feeds_by_health(cfg: Config, redis: Redis) -> dict[Health, int]:
    """How many configured feeds are in each health state, every state present, from the
    health index (`store.feeds`) in one round trip, whatever the number of feeds. A feed added
    to the config counts as not polled before the scheduler's sync indexes it; one removed
    counts until that sync forgets it (a tick after the reload)."""
    return _configured(cfg, feeds.health_counts(redis, cfg.defaults.unhealthy_after))


def _configured(cfg: Config, index: dict[Health, int]) -> dict[Health, int]:
    """The index's counts, every state present, with the feeds it does not hold yet."""
    counts = {state: index[state] for state in HEALTH_STATES}
    counts["not polled"] += max(0, len(cfg.feeds) - sum(index.values()))
    return counts


_BY_ID: tuple[Config, dict[str, FeedConfig]] | None = None


def _feeds_by_id(cfg: Config) -> dict[str, FeedConfig]:
    """The config's feeds by id, made once per config (a feed's id is a hash of its URL, made at
    each look: 0.3 s for 100,000 feeds, too much for each page)."""
    global _BY_ID
    cached = _BY_ID
    if cached is None or cached[0] is not cfg:
        cached = _BY_ID = (cfg, {f.id: f for f in cfg.feeds})
    return cached[1]


@dataclass(frozen=True)
class FeedPage:
    """A page of feeds, the worst first, and what comes after it."""

    page: Page
    rows: list[FeedRow]
    counts: dict[Health, int]  # every configured feed, by health
    after: dict[Health, int]  # the feeds after this page, by health


def feed_page(cfg: Config, redis: Redis, now: float, number: int, size: int = PAGE_SIZE) -> FeedPage:
    """Page `number` of the feeds, the worst first (unhealthy with the most failures first,
    retired, backing off, not polled yet, ok), from the health index and the page's hashes: a
    bounded number of round trips, whatever the number of feeds."""
    unhealthy_after = cfg.defaults.unhealthy_after
    index = feeds.health_counts(redis, unhealthy_after)
    page = Page.of(sum(index.values()), number, size)
    listed = feeds.page(redis, unhealthy_after, index, page.start, page.end)
    configured = _feeds_by_id(cfg)
    shown = [configured[fid] for fid in listed if fid in configured]  # none removed, not synced yet
    after: dict[Health, int] = dict.fromkeys(HEALTH_STATES, 0)
    offset = 0
    for state, n in index.items():
        after[state] = max(0, min(n, offset + n - page.end))
        offset += n
    return FeedPage(page, feed_rows(cfg, redis, now, shown), _configured(cfg, index), after)


@dataclass(frozen=True)
class Page:
    """Which page of a list is shown: its number (from 1, the last when asked for a later one),
    how many there are, the slice of the list it shows, and the list's length."""

    number: int
    pages: int
    start: int
    end: int
    total: int

    @classmethod
    def of(cls, total: int, number: int, size: int) -> Page:
        pages = max(1, -(-total // size))
        number = min(max(1, number), pages)
        start = (number - 1) * size
        return cls(number, pages, start, min(total, start + size), total)

    @property
    def after(self) -> int:
        """How many come after this page."""
        return self.total - self.end


@dataclass(frozen=True)
class QueueRow:
    name: str
    queued: int
    failed: int


def queue_rows(redis: Redis) -> list[QueueRow]:
    return [QueueRow(q.name, q.count, FailedJobRegistry(queue=q).count) for q in Queues.on(redis).all()]


@dataclass(frozen=True)
class RuleRow:
    id: str
    title: str
    matched_today: int
    sinks: tuple[str, ...]


def rule_page(cfg: Config, matched: dict[str, int], page: Page) -> tuple[list[RuleRow], int]:
    """The rules of this page, those that matched most today first (then in config order), and
    the matches today of the rules after it."""
    by_id = {r.id: r for r in cfg.rules if matched.get(r.id)} if matched else {}
    busiest = sorted(by_id.values(), key=lambda r: -matched[r.id])  # stable: config order in a tie
    ordered = itertools.chain(busiest, (r for r in cfg.rules if r.id not in by_id))
    rows = [
        RuleRow(r.id, r.title, matched.get(r.id, 0), cfg.sinks_for(r))
        for r in itertools.islice(ordered, page.start, page.end)
    ]
    return rows, sum(matched[r.id] for r in busiest[page.end :])


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    also_reported_by: str  # "Outlet (URL), ..." of the story's other copies, or ""
    timeline: tuple[StoryCopy, ...] = ()  # the story's copies now, the first outlet's first

    @property
    def followed(self) -> int:
        """Outlets besides the first that had the story."""
        return followed(self.timeline)


def story_timeline(redis: Redis, history: History | None, story_id: str) -> tuple[StoryCopy, ...]:
    """A story's copies in the order its outlets had them (pipeline.stories.timeline): from Redis
    while it remembers the story (story_window and redis_margin), else from the archive."""
    copies = story_copies(redis, [story_id])[story_id]
    if not copies and history is not None:
        copies = article_rows.story_copies(history, [story_id], per_story=MAX_COPIES).get(story_id, [])
    return timeline(copies)


@dataclass(frozen=True)
class Overview:
    """Everything `status` and the status page show, read at `taken_at`."""

    taken_at: float
    workers: int
    leading: bool
    queues: list[QueueRow]
    feeds_due: int
    feeds: list[FeedRow]  # the page asked for, worst first
    feed_counts: dict[Health, int]  # every configured feed, by health
    feeds_page: Page
    feeds_after: dict[Health, int]  # the feeds after this page, by health
    disabled_sinks: dict[str, str]  # sink id -> why
    dead_letters: list[DeliveryRecord]  # the newest DEAD_LETTERS_SHOWN
    dead_letters_total: int
    digests_waiting: dict[str, int]  # digest group -> alerts waiting
    alerts: list[AlertRow]
    rules: list[RuleRow]  # the page asked for, those that matched most today first
    rules_page: Page
    rules_after_matched: int  # matches today of the rules after this page
    history_trouble: str | None = None  # the history store down, and the writes waiting (store.outbox)

    @property
    def feeds_total(self) -> int:
        return sum(self.feed_counts.values())

    def problems(self) -> list[str]:
        """What is wrong, in words (empty: all is well)."""
        out = []
        if not self.workers:
            out.append("no worker is running")
        if not self.leading:
            out.append("no scheduler leads")
        bad = sum(self.feed_counts[state] for state in BAD_HEALTH)
        if bad:
            out.append(f"{bad} feed{'' if bad == 1 else 's'} unhealthy or retired")
        out += [f"sink {sink_id} disabled" for sink_id in self.disabled_sinks]
        if self.dead_letters_total:
            n = self.dead_letters_total
            out.append(f"{n} dead letter{'' if n == 1 else 's'} waiting")
        if self.history_trouble:
            out.append(self.history_trouble)
        return out


def read_overview(
    cfg: Config, redis: Redis, *, alerts: int = 10, now: float | None = None,
    feeds_page: int = 1, rules_page: int = 1, per_page: int = PAGE_SIZE,
) -> Overview:  # fmt: skip
    """The system's state as Redis holds it, a page of feeds and of rules (raises RedisError
    when Redis does not answer). What it reads from Redis grows with the page, not with the
    feeds; with the rules only as far as today's match counts go (one hash)."""
    now = time.time() if now is None else now
    recent = alert_store.recent_alerts(redis, alerts)
    copies = story_copies(redis, sorted({a.story.id for a in recent if a.story}))
    matched = alert_store.matches_on(redis, now)
    disabled = {s.id: why for s in cfg.sinks if (why := sinks.sink_disabled(redis, s.id))}
    fpage = feed_page(cfg, redis, now, feeds_page, per_page)
    rpage = Page.of(len(cfg.rules), rules_page, per_page)
    rules, rules_after_matched = rule_page(cfg, matched, rpage)
    return Overview(
        taken_at=now,
        workers=Worker.count(connection=redis),
        leading=leader_present(redis),
        queues=queue_rows(redis),
        feeds_due=schedule.due_count(redis, now),
        feeds=fpage.rows,
        feed_counts=fpage.counts,
        feeds_page=fpage.page,
        feeds_after=fpage.after,
        disabled_sinks=disabled,
        dead_letters=deliveries.recent(redis, failed=True, limit=DEAD_LETTERS_SHOWN),
        dead_letters_total=deliveries.dead_letter_count(redis),
        digests_waiting=digests.waiting(redis),
        alerts=[
            AlertRow(
                a,
                also_reported_by(a.story, a.article.url, copies),
                timeline(copies.get(a.story.id, [])) if a.story else (),
            )
            for a in recent
        ],
        rules=rules,
        rules_page=rpage,
        rules_after_matched=rules_after_matched,
        history_trouble=outbox.trouble(redis),
    )
