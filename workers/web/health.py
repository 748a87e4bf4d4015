"""/healthz and /readyz: whether this process answers, and what keeps the system from its work."""

from __future__ import annotations

from redis import Redis
from redis.exceptions import RedisError
from rq import Worker

from ..store import outbox
from ..store.leader import leader_present
from ..store.trouble import refusing_writes, trouble_of


def readiness(redis: Redis, need_scheduler: bool, need_workers: bool) -> list[str]:
    """What keeps this system from doing its work (empty: ready)."""
    try:
        redis.ping()
    except RedisError as exc:
        if trouble_of(exc) != "disk":  # Redis refuses PING too while it cannot write its disk
            return [f"redis: unreachable: {exc}"]
    problems = []
    try:
        if need_scheduler and not leader_present(redis):
            problems.append("scheduler: none leads (none is running, or it lost Redis)")
        if need_workers and Worker.count(connection=redis) == 0:
            problems.append("workers: none is consuming the queues")
        if history := outbox.trouble(redis):
            problems.append(history)
        if full := refusing_writes(redis):
            problems.append(full)
    except RedisError as exc:
        problems.append(f"redis: {exc}")
    return problems
