"""Where the history store is and how to reach it: its URL (`history_url_for`), an engine with
the settings each backend needs, and `History`, made once per process and passed in.

SQLite (the default, a file under data_dir) runs in WAL mode so that readers never wait for the
writer and many worker processes can write one file; PostgreSQL is for many machines.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .migrate import upgrade

HISTORY_URL_ENV = "WIREWATCH_HISTORY_URL"
SQLITE_FILE = "history.sqlite3"
BUSY_TIMEOUT_S = 30  # a SQLite writer waits this long for another process's write to finish


class HistoryUrlError(ValueError):
    """A history_url that names no backend we support."""


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / SQLITE_FILE).resolve()}"


def history_url_for(history_url: str | None, data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The history store to use: $WIREWATCH_HISTORY_URL (whatever the config says), else the
    config's history_url, else a SQLite file under data_dir."""
    env = os.environ if environ is None else environ
    return env.get(HISTORY_URL_ENV) or history_url or default_url(data_dir)


def check_url(url: str) -> str:
    """The backend of a history URL ("sqlite" or "postgresql"), or HistoryUrlError saying why not."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise HistoryUrlError(f"not a database URL: {exc}") from exc
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return backend
    if backend == "postgresql" and driver in ("", "psycopg"):
        return backend
    raise HistoryUrlError(
        f"unsupported history store {parsed.drivername!r}: use sqlite:///path/to/history.sqlite3 "
        "or postgresql+psycopg://user:password@host/database"
    )


def _normalized(url: str) -> str:
    """postgresql:// means psycopg 3 here (SQLAlchemy's default would be psycopg2, not installed)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    backend = check_url(url)
    url = _normalized(url)
    if backend == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_settings)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,  # a PostgreSQL restarted meanwhile: reconnect instead of failing once
        pool_size=4,
        max_overflow=8,
        connect_args={"connect_timeout": 5},
    )


def _sqlite_settings(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across a process crash; fsync per checkpoint
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


class DiskLow(OSError):
    """A SQLite history store's disk has less free than its floor (history_min_free): its
    writes wait (workers.recording keeps them in Redis) until space is freed."""


ROOM_LOOK = 1.0  # seconds between two looks at the free space of a SQLite store's disk


class History:
    """The history store of one process: its engine, made once; its schema brought up to date at
    the first use (under a lock, see workers.history.migrate) unless the caller did it.
    `min_free`: the free bytes a SQLite store's disk keeps (check_room); 0: none."""

    def __init__(self, url: str, min_free: int = 0) -> None:
        self.backend = check_url(url)
        self.url = url
        self.min_free = min_free
        self.engine = make_engine(url)
        self._ready = False
        self._lock = threading.Lock()
        database = self.engine.url.database if self.backend == "sqlite" else None
        self._directory = Path(database).parent if database and database != ":memory:" else None
        self._room: tuple[float, str | None] = (float("-inf"), None)  # (looked at, what was wrong)

    def check_room(self) -> None:
        """DiskLow when a SQLite store's disk has less free than min_free (looked at once a
        second at most: a statvfs); nothing for PostgreSQL, whose disk is its server's."""
        if self._directory is None or self.min_free <= 0:
            return
        now = time.monotonic()
        looked_at, low = self._room
        if now - looked_at >= ROOM_LOOK:
            free = shutil.disk_usage(self._directory).free
            low = (
                f"its disk has {free / 1e6:.1f} MB free ({self._directory}), under "
                f"history_min_free {self.min_free / 1e6:.1f} MB: free space there"
                if free < self.min_free
                else None
            )
            self._room = (now, low)
        if low is not None:
            raise DiskLow(low)

    @classmethod
    def of(cls, history_url: str | None, data_dir: Path, environ: Mapping[str, str] | None = None) -> History:
        return cls(history_url_for(history_url, data_dir, environ))

    @property
    def sqlite(self) -> bool:
        return self.backend == "sqlite"

    def where(self) -> str:
        """The URL without its password (for logs and `wirewatch db status`)."""
        return make_url(self.url).render_as_string(hide_password=True)

    def ensure_ready(self) -> None:
        if self._ready:
            return
        with self._lock:
            if not self._ready:
                upgrade(self.engine)
                self._ready = True

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction, committed at the end (rolled back on an error)."""
        self.ensure_ready()
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()
