"""Deliveries (one row per alert or notice and sink, its latest state), each try's outcome, and
the dead letters (rows whose status is "failed"). Redis keeps a delivery's working state while it
is under way (workers.store.deliveries); every change is written here too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ._sql import delete_older, insert_new
from .database import History
from .schema import deliveries, delivery_tries

FIELDS = ("sink", "kind", "item", "rule", "title", "url", "status", "tries", "error", "first", "last")


class Delivery(NamedTuple):
    """One delivery as the history store keeps it (the same fields as `wirewatch deliveries`)."""

    delivery_id: str
    sink: str
    kind: str  # alert, notice, digest
    item: str  # the alert id, the notice's type, the digest's id
    rule: str
    title: str
    url: str
    status: str  # delivered, retrying, waiting, failed
    tries: int
    error: str
    first: float
    last: float

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


def note(conn: Connection, d: Delivery, tried: bool) -> None:
    """The delivery's state as of `d.last` (a later state already written wins: writes replayed
    out of order from the outbox change nothing), and the try, if it was one."""
    row = d.to_dict()
    make = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    stmt = make(deliveries).values(row)
    newer = {k: stmt.excluded[k] for k in FIELDS if k != "first"}
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["delivery_id"], set_=newer, where=stmt.excluded.last >= deliveries.c.last
        )
    )
    if tried:
        conn.execute(
            insert_new(conn, delivery_tries, ["delivery_id", "at"]),
            {"delivery_id": d.delivery_id, "at": d.last, "status": d.status, "error": d.error[:2000]},
        )


def forget(conn: Connection, delivery_id: str) -> None:
    conn.execute(delete(deliveries).where(deliveries.c.delivery_id == delivery_id))
    conn.execute(delete(delivery_tries).where(delivery_tries.c.delivery_id == delivery_id))


def _rows(rows: Any) -> list[Delivery]:
    return [Delivery(*r) for r in rows]


def recent(
    history: History, *, failed: bool = False, sink: str | None = None, limit: int = 50, offset: int = 0
) -> list[Delivery]:
    """The newest deliveries (or dead letters), of one sink or all, newest first."""
    with history.begin() as conn:
        q = select(deliveries).order_by(deliveries.c.last.desc()).limit(limit).offset(offset)
        if failed:
            q = q.where(deliveries.c.status == "failed")
        if sink is not None:
            q = q.where(deliveries.c.sink == sink)
        return _rows(conn.execute(q))


def tries(history: History, delivery_id: str) -> list[tuple[float, str, str]]:
    """(when, status, error) of each try, oldest first."""
    with history.begin() as conn:
        q = select(delivery_tries.c.at, delivery_tries.c.status, delivery_tries.c.error)
        rows = conn.execute(
            q.where(delivery_tries.c.delivery_id == delivery_id).order_by(delivery_tries.c.at)
        )
        return [(r[0], r[1], r[2]) for r in rows]


def counts(history: History) -> Mapping[str, int]:
    """Deliveries by status."""
    with history.begin() as conn:
        q = select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
        return {status: int(n) for status, n in conn.execute(q)}


def failed_before(history: History, when: float) -> list[str]:
    with history.begin() as conn:
        q = select(deliveries.c.delivery_id).where(deliveries.c.status == "failed", deliveries.c.last < when)
        return [r[0] for r in conn.execute(q)]


def forget_before(history: History, cutoff: float) -> int:
    """Deliveries last changed before `cutoff` and tries made before it (retention), in batches."""
    return delete_older(history, deliveries.c.last, cutoff) + delete_older(
        history, delivery_tries.c.at, cutoff
    )
