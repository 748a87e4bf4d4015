"""Alerts made: one row per alert id (rule, story), kept for seen_ttl. Redis keeps the dedup of
the story window (workers.store.alerts); this answers beyond it (`backfill --send`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, select

from pipeline.models import Alert, unix_time

from ._sql import delete_older, insert_new
from .database import History
from .schema import alerts


def add(conn: Connection, alert: Alert, made_for: str) -> None:
    conn.execute(
        insert_new(conn, alerts, ["alert_id"]),
        {
            "alert_id": alert.alert_id,
            "rule_id": alert.rule_id,
            "story_id": alert.story.id if alert.story else None,
            "entry_key": made_for,
            "created": unix_time(alert.created_at),
            "record": alert.to_json(),
        },
    )


def recorded(history: History, alert_ids: Sequence[str]) -> set[str]:
    """Which of these alerts were made (within seen_ttl)."""
    return set(made_for(history, alert_ids))


def made_for(history: History, alert_ids: Sequence[str]) -> dict[str, str]:
    """The entry each of these alerts was first made for, of those made (within seen_ttl)."""
    if not alert_ids:
        return {}
    with history.begin() as conn:
        q = select(alerts.c.alert_id, alerts.c.entry_key).where(alerts.c.alert_id.in_(list(alert_ids)))
        return {r[0]: r[1] for r in conn.execute(q)}


def recent(history: History, limit: int = 20, rule_id: str | None = None) -> list[Alert]:
    with history.begin() as conn:
        q = (
            select(alerts.c.record)
            .where(alerts.c.record != "")
            .order_by(alerts.c.created.desc())
            .limit(limit)
        )
        if rule_id is not None:
            q = q.where(alerts.c.rule_id == rule_id)
        return [Alert.model_validate_json(r[0]) for r in conn.execute(q)]


def forget_before(history: History, cutoff: float) -> int:
    """Delete what is older than `cutoff` (retention), in batches; how many."""
    return delete_older(history, alerts.c.created, cutoff)


def add_known(conn: Connection, alert_id: str, made_for: str, when: float) -> None:
    """An alert known by its id alone (the Redis-only wirewatch kept the details of its newest
    10,000): enough to say it was made; `recent` does not list it."""
    row = {
        "alert_id": alert_id,
        "rule_id": "",
        "story_id": None,
        "entry_key": made_for,
        "created": when,
        "record": "",
    }
    conn.execute(insert_new(conn, alerts, ["alert_id"]), row)


def get(history: History, alert_id: str) -> Alert | None:
    """One alert as it was made (None: unknown, or past seen_ttl)."""
    with history.begin() as conn:
        row = conn.execute(select(alerts.c.record).where(alerts.c.alert_id == alert_id)).first()
    return Alert.model_validate_json(row[0]) if row and row[0] else None


# --- counts by rule and time (spike notices, `rules stats`) ---------------------------------------


# More rules than this are not named in a query (SQLite takes at most 32,766 parameters, older
# builds 999): the window's alerts are read by time (the `created` index) and sorted out here.
NAMED_RULES = 500


def counts_between(history: History, rule_ids: Sequence[str], start: float, end: float) -> dict[str, int]:
    """Stories each rule alerted on in [start, end) (one alert per rule and story): one query, on
    the (rule_id, created) index, or by time alone for more than NAMED_RULES rules."""
    if not rule_ids:
        return {}
    in_time = (alerts.c.created >= start, alerts.c.created < end)
    named = (alerts.c.rule_id.in_(list(rule_ids)),) if len(rule_ids) <= NAMED_RULES else ()
    with history.begin() as conn:
        q = select(alerts.c.rule_id, func.count()).where(*named, *in_time).group_by(alerts.c.rule_id)
        found = {r[0]: int(r[1]) for r in conn.execute(q)}
    return {rule_id: found.get(rule_id, 0) for rule_id in rule_ids}


def first_alerts(history: History, rule_ids: Sequence[str]) -> dict[str, float]:
    """When each rule's oldest alert the store keeps was made (rules with none left out); a
    query per NAMED_RULES rules."""
    out: dict[str, float] = {}
    with history.begin() as conn:
        for n in range(0, len(rule_ids), NAMED_RULES):
            chunk = list(rule_ids[n : n + NAMED_RULES])
            q = (
                select(alerts.c.rule_id, func.min(alerts.c.created))
                .where(alerts.c.rule_id.in_(chunk))
                .group_by(alerts.c.rule_id)
            )
            out.update({r[0]: float(r[1]) for r in conn.execute(q) if r[1] is not None})
    return out


def hourly(history: History, rule_ids: Sequence[str], start: float, end: float) -> dict[str, dict[int, int]]:
    """Stories each rule alerted on in each hour (Unix hour number) of [start, end): their
    alerts' times, by rule (NAMED_RULES at most) or by time alone."""
    if not rule_ids:
        return {}
    out: dict[str, dict[int, int]] = {rule_id: {} for rule_id in rule_ids}
    in_time = (alerts.c.created >= start, alerts.c.created < end)
    named = (alerts.c.rule_id.in_(list(rule_ids)),) if len(rule_ids) <= NAMED_RULES else ()
    with history.begin() as conn:
        for rule_id, created in conn.execute(
            select(alerts.c.rule_id, alerts.c.created).where(*named, *in_time)
        ):
            hours = out.get(rule_id)
            if hours is not None:
                hour = int(created // 3600)
                hours[hour] = hours.get(hour, 0) + 1
    return out


def stories_between(
    history: History, rule_id: str, start: float, end: float, limit: int = 1000
) -> list[Alert]:
    """A rule's alerts made in [start, end), newest first (at most `limit`)."""
    with history.begin() as conn:
        q = (
            select(alerts.c.record)
            .where(alerts.c.rule_id == rule_id, alerts.c.created >= start, alerts.c.created < end,
                   alerts.c.record != "")
            .order_by(alerts.c.created.desc())
            .limit(limit)
        )  # fmt: skip
        return [Alert.model_validate_json(r[0]) for r in conn.execute(q)]
