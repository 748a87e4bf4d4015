"""How far the upgrade from a Redis-only installation has copied each kind of record: written in
the same transaction as the rows copied, so a crash midway resumes where it stopped."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .database import History
from .schema import copied


def position(history: History, what: str) -> str | None:
    with history.begin() as conn:
        return conn.execute(select(copied.c.position).where(copied.c.what == what)).scalar()


def set_position(conn: Connection, what: str, where: str, now: float) -> None:
    make = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    stmt = make(copied).values(what=what, position=where, at=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=["what"], set_={"position": where, "at": now}))
