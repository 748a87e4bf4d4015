"""A PostgreSQL server of a test's own: `initdb` in a temp dir, on a free loopback port, trust
auth, one database; stopped and started at will (`pg_ctl stop -m fast` / `start`), always stopped
and removed at the end. For tests of a history store that goes away, which must not stop the
PostgreSQL that other tests (and other people) use.

PostgreSQL will not run as root: a test run as root runs initdb and pg_ctl as the `postgres`
user (runuser), in a temp dir it owns."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from sqlalchemy import create_engine, text

from .helpers import free_port

DATABASE = "wirewatch"
START_TIMEOUT = 60  # seconds pg_ctl waits for the server to start or stop


class NoPostgres(Exception):
    """No PostgreSQL can be started here (the reason says why)."""


def _bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin, else the directory of `pg_ctl` on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    raise NoPostgres("no initdb and pg_ctl in /usr/lib/postgresql/*/bin or on PATH")


def _run_as() -> list[str]:
    """The command prefix that runs PostgreSQL's tools as a user they accept."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise NoPostgres("running as root and there is no `postgres` user to run initdb as") from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise NoPostgres("running as root and there is no runuser to run initdb as `postgres`")
    return [runuser, "-u", "postgres", "--"]


class OwnPostgres:
    """`with OwnPostgres() as pg:` a running server; `pg.url` its database (SQLAlchemy URL),
    `pg.stop()`, `pg.start()`."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.prefix = _run_as()
        self.dir = Path(tempfile.mkdtemp(prefix="ww-pg-", dir="/tmp"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"
        self.running = False

    def _tool(self, name: str, *args: str) -> None:
        cmd = [*self.prefix, str(self.bin / name), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT + 30, check=False)
        if done.returncode != 0:
            log = self.log.read_text("utf-8", "replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{name} {' '.join(args)}: exit {done.returncode}: {done.stderr}{done.stdout}\n{log}"
            )

    def __enter__(self) -> OwnPostgres:
        try:
            if self.prefix:
                shutil.chown(self.dir, "postgres", "postgres")
            # --no-sync, fsync off: a test's data need not survive the machine, only a stop
            self._tool("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                       "--locale=C", "--no-sync")  # fmt: skip
            self._start_on_a_free_port()
            engine = create_engine(self.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
            finally:
                engine.dispose()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _start_on_a_free_port(self, tries: int = 5) -> None:
        """The first start: a port found free may be taken by another process (a parallel test's
        server) before the server binds it; then another port, and the URL with it."""
        for attempt in range(tries):
            try:
                self.start()
                return
            except RuntimeError as exc:
                if "Address already in use" not in str(exc) or attempt == tries - 1:
                    raise
                self.log.unlink(missing_ok=True)
                self.port = free_port()
                self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off"
        )
        self._tool("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                   "-t", str(START_TIMEOUT), "-w", "start")  # fmt: skip
        self.running = True

    def stop(self) -> None:
        """Stop the server (fast: open sessions are cut off) and wait until it is gone."""
        self._tool("pg_ctl", "-D", str(self.data), "-m", "fast", "-t", str(START_TIMEOUT), "-w", "stop")
        self.running = False

    def close(self) -> None:
        try:
            if self.running or (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
