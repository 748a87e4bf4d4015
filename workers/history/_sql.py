"""What the record modules share: an insert that keeps the row already there, on either backend."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, Table, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert

from .database import History


def insert_new(conn: Connection, table: Table, keys: Sequence[str]) -> Insert:
    """INSERT ... ON CONFLICT (keys) DO NOTHING: a write replayed (a retried job, the outbox) adds
    nothing twice."""
    make = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    return make(table).on_conflict_do_nothing(index_elements=list(keys))


BATCH = 5_000  # rows deleted per statement by retention: short transactions, no long lock


def delete_older(history: History, column: ColumnElement[float], cutoff: float, batch: int = BATCH) -> int:
    """Delete the rows whose time `column` (indexed) is before `cutoff`, about `batch` rows per
    transaction (the batch's edge found on the index: no scan of the table); how many."""
    table = column.table
    total = 0
    while True:
        with history.begin() as conn:
            older = select(column).where(column < cutoff).order_by(column)
            edge = conn.execute(older.offset(batch).limit(1)).scalar()
            if edge is None:
                gone = conn.execute(delete(table).where(column < cutoff)).rowcount
            else:  # `<=` when the edge is the oldest time itself (many rows at one time)
                gone = (
                    conn.execute(delete(table).where(column < edge)).rowcount
                    or conn.execute(delete(table).where(column <= edge)).rowcount
                )
        total += gone
        if edge is None:
            return total
