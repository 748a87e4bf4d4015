"""Feedback on alerts (the web app, the API, links in messages): one row per word given, the
latest per alert counting, kept for seen_ttl as the alerts are. What a rule's precision is made
of (`stats`)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, func, select

from ._sql import delete_older
from .database import History
from .schema import alerts, feedback


def add(history: History, alert_id: str, rule_id: str, relevant: bool, who: str, when: float) -> None:
    with history.begin() as conn:
        conn.execute(
            feedback.insert(),
            {
                "alert_id": alert_id,
                "rule_id": rule_id,
                "relevant": relevant,
                "who": who[:200],
                "created": when,
            },
        )


def latest(history: History, alert_ids: list[str]) -> dict[str, bool]:
    """The latest word on each of these alerts that has one: relevant or not."""
    if not alert_ids:
        return {}
    with history.begin() as conn:
        rows = conn.execute(
            select(feedback.c.alert_id, feedback.c.relevant)
            .where(feedback.c.alert_id.in_(alert_ids))
            .order_by(feedback.c.created, feedback.c.id)
        )
        return {alert_id: bool(relevant) for alert_id, relevant in rows}


class RuleStats(NamedTuple):
    """A rule's alerts since a time, and the readers' latest word on them."""

    alerts: int
    relevant: int
    not_relevant: int

    @property
    def precision(self) -> float | None:
        """Relevant among the alerts judged (None: none judged)."""
        judged = self.relevant + self.not_relevant
        return self.relevant / judged if judged else None


def stats(history: History, since: float) -> dict[str, RuleStats]:
    """Per rule: its alerts made since `since`, and how many of them readers last called
    relevant or not (each alert counted once, by its latest feedback)."""
    with history.begin() as conn:
        per_rule = select(alerts.c.rule_id, func.count()).where(alerts.c.created >= since)
        made: dict[str, int] = {str(r): int(n) for r, n in conn.execute(per_rule.group_by(alerts.c.rule_id))}
        newest = (
            select(feedback.c.alert_id, func.max(feedback.c.id).label("last"))
            .group_by(feedback.c.alert_id)
            .subquery()
        )
        judged = conn.execute(
            select(feedback.c.rule_id, feedback.c.relevant, func.count())
            .join(newest, and_(newest.c.alert_id == feedback.c.alert_id, newest.c.last == feedback.c.id))
            .join(alerts, alerts.c.alert_id == feedback.c.alert_id)
            .where(alerts.c.created >= since)
            .group_by(feedback.c.rule_id, feedback.c.relevant)
        ).all()
    out: dict[str, list[int]] = {rule: [int(n), 0, 0] for rule, n in made.items()}
    for rule, relevant, n in judged:
        row = out.setdefault(rule, [0, 0, 0])
        row[1 if relevant else 2] += int(n)
    return {rule: RuleStats(*row) for rule, row in out.items()}


def forget_before(history: History, cutoff: float) -> int:
    return delete_older(history, feedback.c.created, cutoff)
