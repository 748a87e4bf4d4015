"""The state of a running system, read from Redis in one place: what `wirewatch status` prints,
the status page shows, `wirewatch feeds` lists and the metrics' gauges count. Each reads the
same records, so they can never disagree about a feed's health or what is wrong."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from redis import Redis
from rq import Worker
from rq.registry import FailedJobRegistry

from pipeline.config import Config
from pipeline.models import Alert, iso_time
from pipeline.polling import Health, feed_health

from .services import Queues
from .store import alerts as alert_store
from .store import deliveries, digests, feeds, outbox, schedule, sinks
from .store.deliveries import DeliveryRecord
from .store.leader import leader_present
from .store.stories import also_reported_by, story_copies

DEAD_LETTERS_SHOWN = 10
BAD_HEALTH: tuple[Health, ...] = ("unhealthy", "retired")


@dataclass(frozen=True)
class FeedRow:
    """One configured feed and its recorded state."""

    id: str
    name: str
    url: str
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


def feed_rows(cfg: Config, redis: Redis, now: float) -> list[FeedRow]:
    """One row per configured feed, from its recorded state."""
    states = feeds.feed_states(redis, [f.id for f in cfg.feeds])
    rows = []
    for feed in cfg.feeds:
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


def health_counts(rows: list[FeedRow]) -> dict[Health, int]:
    """Feeds by health state, every state present (zero or not)."""
    counts: dict[Health, int] = dict.fromkeys(("ok", "backing off", "unhealthy", "retired", "not polled"), 0)
    for row in rows:
        counts[row.state] += 1
    return counts


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


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    also_reported_by: str  # "Outlet (URL), ..." of the story's other copies, or ""


@dataclass(frozen=True)
class Overview:
    """Everything `status` and the status page show, read at `taken_at`."""

    taken_at: float
    workers: int
    leading: bool
    queues: list[QueueRow]
    feeds_due: int
    feeds: list[FeedRow]
    disabled_sinks: dict[str, str]  # sink id -> why
    dead_letters: list[DeliveryRecord]  # the newest DEAD_LETTERS_SHOWN
    dead_letters_total: int
    digests_waiting: dict[str, int]  # digest group -> alerts waiting
    alerts: list[AlertRow]
    rules: list[RuleRow]
    history_trouble: str | None = None  # the history store down, and the writes waiting (store.outbox)

    def problems(self) -> list[str]:
        """What is wrong, in words (empty: all is well)."""
        out = []
        if not self.workers:
            out.append("no worker is running")
        if not self.leading:
            out.append("no scheduler leads")
        bad = sum(1 for f in self.feeds if f.state in BAD_HEALTH)
        if bad:
            out.append(f"{bad} feed{'' if bad == 1 else 's'} unhealthy or retired")
        out += [f"sink {sink_id} disabled" for sink_id in self.disabled_sinks]
        if self.dead_letters_total:
            n = self.dead_letters_total
            out.append(f"{n} dead letter{'' if n == 1 else 's'} waiting")
        if self.history_trouble:
            out.append(self.history_trouble)
        return out


def read_overview(cfg: Config, redis: Redis, *, alerts: int = 10, now: float | None = None) -> Overview:
    """The system's state as Redis holds it (raises RedisError when Redis does not answer)."""
    now = time.time() if now is None else now
    recent = alert_store.recent_alerts(redis, alerts)
    copies = story_copies(redis, sorted({a.story.id for a in recent if a.story}))
    matched = alert_store.matches_on(redis, now)
    disabled = {s.id: why for s in cfg.sinks if (why := sinks.sink_disabled(redis, s.id))}
    return Overview(
        taken_at=now,
        workers=Worker.count(connection=redis),
        leading=leader_present(redis),
        queues=queue_rows(redis),
        feeds_due=schedule.due_count(redis, now),
        feeds=feed_rows(cfg, redis, now),
        disabled_sinks=disabled,
        dead_letters=deliveries.recent(redis, failed=True, limit=DEAD_LETTERS_SHOWN),
        dead_letters_total=deliveries.dead_letter_count(redis),
        digests_waiting=digests.waiting(redis),
        alerts=[AlertRow(a, also_reported_by(a.story, a.article.url, copies)) for a in recent],
        rules=[RuleRow(r.id, r.title, matched.get(r.id, 0), cfg.sinks_for(r)) for r in cfg.rules],
        history_trouble=outbox.trouble(redis),
    )
