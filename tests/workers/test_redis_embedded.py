"""The embedded Redis's settings behind the README's guarantee for a killed one ("The embedded
Redis dies"): what it acknowledged survives a SIGKILL."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from workers.redis_embedded import EmbeddedRedis

from .helpers import wait_for


def test_a_killed_embedded_redis_keeps_every_write_it_acknowledged(short_tmp: Path) -> None:
    """Redis appends a write to its AOF (to the kernel, which keeps it when the process dies)
    before it answers; appendfsync everysec delays only the fsync, which matters when the
    machine goes down, not the process. A write whose answer the kill cut off may be kept too."""
    server = EmbeddedRedis(short_tmp / "redis")
    server.start()
    try:
        assert server.process is not None
        killer = threading.Timer(0.5, os.kill, (server.process.pid, signal.SIGKILL))
        client = Redis.from_url(server.url)
        acked = 0
        killer.start()
        try:
            while True:
                client.rpush("stream", "x" * 200)
                acked += 1
        except RedisConnectionError:
            pass
        killer.join()
        wait_for(lambda: server.process is not None and server.process.poll() is not None, 10, "the kill")
        assert server.restart_if_dead()  # on its AOF, as `wirewatch run` does
        kept = Redis.from_url(server.url).llen("stream")
        assert acked > 100 and acked <= kept <= acked + 1, (acked, kept)
    finally:
        server.stop()
