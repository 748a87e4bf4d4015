"""A Sentinel-managed Redis on loopback for the failover tests: a primary, a replica and three
sentinels (`redis-server --sentinel`), each a process of the test's own in a temp dir, all
stopped at the end. Sentinels declare the primary down after DOWN_AFTER_MS without an answer and
fail over to the replica."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from .helpers import free_port

SERVICE = "ww"
DOWN_AFTER_MS = 1000


class SentinelCluster:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: dict[int, subprocess.Popen[bytes]] = {}  # by port
        self.sentinel_ports: list[int] = []

    def _spawn(self, port: int, conf: str, *, sentinel: bool = False) -> None:
        home = self.root / str(port)
        home.mkdir(parents=True, exist_ok=True)
        path = home / ("sentinel.conf" if sentinel else "redis.conf")
        path.write_text(f'port {port}\nbind 127.0.0.1\ndir {home}\nsave ""\nappendonly no\n{conf}')
        args = ["redis-server", str(path)] + (["--sentinel"] if sentinel else [])
        log = (home / "log").open("ab")
        self.procs[port] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        _wait_ping(port)

    def start(self) -> SentinelCluster:
        self.first_primary = free_port()
        self._spawn(self.first_primary, "")
        self.replica = free_port()
        self._spawn(self.replica, f"replicaof 127.0.0.1 {self.first_primary}\n")
        for _ in range(3):
            port = free_port()
            self._spawn(
                port,
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.first_primary} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {SERVICE} 10000\n",
                sentinel=True,
            )
            self.sentinel_ports.append(port)
        _until(lambda: self.replica_in_sync(), 30, "the replica never synced")
        _until(
            lambda: all(self._sentinels_seen(p) for p in self.sentinel_ports), 30, "the sentinels never met"
        )
        return self

    def _sentinels_seen(self, port: int) -> bool:
        with Redis(port=port, socket_timeout=2) as s:
            fields = s.sentinel_master(SERVICE)
            return int(fields["num-other-sentinels"]) == 2 and int(fields["num-slaves"]) == 1

    def replica_in_sync(self) -> bool:
        with Redis(port=self.replica, socket_timeout=2) as r:
            return r.info("replication").get("master_link_status") == "up"

    @property
    def url(self) -> str:
        return f"redis+sentinel://{','.join(f'127.0.0.1:{p}' for p in self.sentinel_ports)}/{SERVICE}/0"

    def primary(self) -> int:
        """The primary's port, as the sentinels say."""
        with Redis(port=self.sentinel_ports[0], socket_timeout=2) as s:
            _, port = s.sentinel_get_master_addr_by_name(SERVICE)
            return int(port)

    def kill_primary(self) -> int:
        """SIGKILL the primary (the machine dies: nothing more is replicated); its port."""
        port = self.primary()
        self.procs[port].send_signal(signal.SIGKILL)
        self.procs[port].wait()
        return port

    def wait_failover(self, old: int, timeout: float = 60) -> int:
        """The new primary's port, once the sentinels name one and it takes writes."""
        _until(lambda: self.primary() != old, timeout, "the sentinels never failed over")
        new = self.primary()
        _until(lambda: _is_primary(new), timeout, "the new primary never took writes")
        return new

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()


def _is_primary(port: int) -> bool:
    try:
        with Redis(port=port, socket_timeout=2) as r:
            return r.info("replication").get("role") == "master"
    except RedisError:
        return False


def _wait_ping(port: int) -> None:
    def up() -> bool:
        try:
            with Redis(port=port, socket_timeout=1) as r:
                return bool(r.ping())
        except RedisError:
            return False

    _until(up, 20, f"redis-server on {port} never answered")


def _until(cond: object, timeout: float, what: str) -> None:
    assert callable(cond)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return
        except RedisError:
            pass
        time.sleep(0.1)
    raise AssertionError(what)


@contextlib.contextmanager
def sentinel_cluster(root: Path) -> Iterator[SentinelCluster]:
    cluster = SentinelCluster(root)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
