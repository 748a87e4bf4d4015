"""What `wirewatch db status` says: where the store is, its schema version, rows and size per
table, the oldest and newest article."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import OperationalError

from . import migrate
from .database import History
from .schema import TABLES, articles


@dataclass(frozen=True)
class TableStatus:
    name: str
    rows: int
    bytes: int | None  # None: the backend cannot say


@dataclass(frozen=True)
class StoreStatus:
    where: str
    backend: str
    version: str | None
    newest_version: str
    tables: list[TableStatus] = field(default_factory=list)
    total_bytes: int | None = None
    oldest_article: float | None = None
    newest_article: float | None = None

    @property
    def up_to_date(self) -> bool:
        return self.version == self.newest_version


def _sizes(conn: Connection, history: History) -> tuple[dict[str, int], int | None]:
    """Bytes per table (its indexes included) and of the whole store."""
    names = [t.name for t in TABLES]
    if history.sqlite:
        database = history.engine.url.database or ""
        files = [Path(database + suffix) for suffix in ("", "-wal")]
        total = sum(f.stat().st_size for f in files if f.exists())
        try:  # dbstat is compiled into most SQLite builds (Debian's, Python's wheels), not all
            rows = conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all()
        except OperationalError:  # no dbstat in this SQLite build: sizes unknown, nothing else
            return {}, total
        by_object = {str(n): int(s) for n, s in rows}
        # A table's own pages, its indexes ("<table>_..." and SQLite's automatic ones) and, for
        # the articles, the full-text index's tables (articles_fts_*).
        sizes = {
            name: sum(
                size for obj, size in by_object.items()
                if obj == name or obj.startswith((f"{name}_", f"sqlite_autoindex_{name}_"))
            )
            for name in names
        }  # fmt: skip
        return sizes, total
    sizes = {
        n: int(
            conn.execute(text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": n}).scalar_one()
        )
        for n in names
    }
    total = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    return sizes, total


def read_status(history: History) -> StoreStatus:
    """The store's state; the schema is not migrated by reading it."""
    with history.engine.connect() as conn:
        version = migrate.current(conn)
        newest = migrate.head()
        if version is None:
            return StoreStatus(history.where(), history.backend, None, newest)
        sizes, total = _sizes(conn, history)
        tables = [
            TableStatus(
                t.name, int(conn.execute(select(func.count()).select_from(t)).scalar_one()), sizes.get(t.name)
            )
            for t in TABLES
        ]
        oldest, newest_article = conn.execute(
            select(func.min(articles.c.processed), func.max(articles.c.processed))
        ).one()
        return StoreStatus(
            history.where(), history.backend, version, newest, tables, total, oldest, newest_article
        )
