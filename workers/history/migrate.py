"""Schema migrations of the history store (Alembic, in migrations/), applied under a lock so that
two processes starting at once never migrate together: PostgreSQL's advisory lock, a file lock
beside a SQLite database. `wirewatch db upgrade` runs them; so do run, worker and scheduler at
start, and any process at its first use of the store."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

SCRIPT_LOCATION = "workers.history:migrations"
ADVISORY_LOCK = 0x77772D6869  # "ww-hi": PostgreSQL's lock id for migrating the history store


def _alembic(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest schema version this code knows."""
    found = ScriptDirectory.from_config(_alembic()).get_current_head()
    assert found is not None, "workers/history/migrations has no revision"
    return found


def current(connection: Connection) -> str | None:
    """The schema version the store is at (None: an empty store)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the store to the newest schema (nothing to do is cheap); (version before, after)."""
    with _locked(engine) as conn:
        before = current(conn)
        if before != head():
            command.upgrade(_alembic(conn), "head")
            conn.commit()
        return before, head()


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK})
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with engine.connect() as conn:
            yield conn
        return
    with open(Path(database).with_name(Path(database).name + ".migrate-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
