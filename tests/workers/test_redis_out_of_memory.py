"""Redis out of memory (issue 28, point 2), on a Redis of the test's own with maxmemory and
noeviction: writes refused mid-job lose nothing, the trouble is said once (not per retry or
tick), /readyz and `status` say so, and the work resumes by itself when memory frees. A Redis
that would evict keys is warned of at start."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq.registry import FailedJobRegistry

from workers.demo.site import LoopbackSite, WebhookReceiver, load_seeds
from workers.queueing import enqueue_poll
from workers.redis_embedded import EmbeddedRedis
from workers.scheduler import FeedScheduler
from workers.store import schedule
from workers.web.health import readiness
from workers.worker import WirewatchWorker

from .helpers import ICC_ONLY, ROOT, alert_keys, runtime, wait_for, webhook_sink, write_config


@pytest.fixture
def own_redis(short_tmp: Path) -> Iterator[tuple[str, Redis]]:
    """A Redis of this test's own: its memory limit and policy are changed."""
    with EmbeddedRedis(short_tmp / "redis") as url:
        client = Redis.from_url(url)
        yield url, client
        client.close()


def _cli(cfg: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": url}
    return subprocess.run([sys.executable, "-m", "workers.cli", "-c", str(cfg), *args],
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip


def _work_while_full(worker: WirewatchWorker, redis: Redis, while_full: Callable[[], None]) -> None:
    """The worker works its queues (in burst: until they are empty) while, beside it (RQ's worker
    runs in the main thread), `while_full` looks at what it does; then memory frees."""

    def beside() -> None:
        try:
            while_full()
        finally:
            redis.config_set("maxmemory", 0)  # memory frees

    thread = threading.Thread(target=beside)
    thread.start()
    worker.work(burst=True, logging_level="WARNING")
    thread.join()


def test_a_job_cut_off_by_a_full_redis_runs_again_when_memory_frees_and_alerts_once(
    tmp_path: Path, own_redis: tuple[str, Redis], site: LoopbackSite, receiver: WebhookReceiver,
    whsec: str, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    url, redis = own_redis
    cfg = write_config(
        tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY
    )
    page_path = f"/articles/{load_seeds(ROOT / 'seeds')[2].stem}.html"
    page = site.routes[page_path]

    def fill_redis_then_answer(handler: object) -> object:
        redis.zadd(schedule.DUE_KEY, {ctx.config.feeds[0].id: 0})  # the feed due: a tick must claim it
        redis.config_set("maxmemory", 1)  # from now on every write is refused
        site.routes[page_path] = page  # once: the job's second run reads the page as it is
        return page

    ctx = runtime(cfg, redis)
    scheduler = FeedScheduler(ctx.services)
    assert scheduler.lock.acquire()  # the leader: its ticks claim (they are fenced by its lock)
    site.routes[page_path] = fill_redis_then_answer
    enqueue_poll(ctx.services, ctx.config.feeds)
    worker = WirewatchWorker(ctx)
    caplog.set_level(logging.WARNING)
    seen: dict[str, object] = {}

    def while_full() -> None:
        # the article job was cut off and cannot be put back: the worker keeps it, retrying
        wait_for(lambda: worker.trouble._unsaid.get("out of memory", 0) >= 2, 30, "retries under OOM")
        seen["cut off"] = list(worker._cut_off)
        seen["delivered"] = list(receiver.payloads)
        seen["ready"] = readiness(redis, False, False)
        seen["status"] = _cli(cfg, url, "status")
        for _ in range(20):  # twenty ticks, each refused
            scheduler.tick()
        seen["said"] = [r.getMessage() for r in caplog.records if "Redis is out of memory" in r.getMessage()]

    _work_while_full(worker, redis, while_full)
    assert seen["cut off"] and seen["delivered"] == []
    assert any(str(p).startswith("Redis is out of memory") for p in seen["ready"])  # type: ignore[attr-defined]
    status = seen["status"]
    assert isinstance(status, subprocess.CompletedProcess)
    assert status.returncode == 1 and "Redis is out of memory" in status.stdout, status.stdout + status.stderr
    assert len(seen["said"]) == 2, seen["said"]  # type: ignore[arg-type]  # the worker's and the scheduler's, once each
    assert alert_keys(receiver.payloads) == [("002_088ef6e8373426e4", "icc")]
    assert FailedJobRegistry(queue=ctx.queues.articles).count == 0
    messages = [r.getMessage() for r in caplog.records]
    assert any("cut off by Redis; back in queue articles" in m for m in messages)
    assert any("Redis answers again" in m for m in messages)
    assert not [m for m in messages if "bug" in m or "failed registry" in m]
    assert readiness(redis, False, False) == []
    ctx.close()


def test_a_job_whose_start_redis_refused_to_record_is_put_back_not_lost(
    tmp_path: Path, own_redis: tuple[str, Redis], site: LoopbackSite, receiver: WebhookReceiver,
    whsec: str, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """Taking a job pops it from its queue (Redis allows that when full: it frees memory); the
    record of its start is the next write. Refused, the job is in no queue and no registry: RQ
    would lose it. The worker keeps it and puts it back when Redis takes writes again."""
    _, redis = own_redis
    cfg = write_config(
        tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY
    )
    ctx = runtime(cfg, redis)
    taken: list[str] = []

    class FullAsItTakesAJob(WirewatchWorker):
        def dequeue_job_and_maintain_ttl(self, timeout: int | None, max_idle_time: int | None = None) -> Any:
            found = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            if found is not None and not taken:
                taken.append(found[0].id)
                redis.config_set("maxmemory", 1)  # from now on every write is refused
            return found

    enqueue_poll(ctx.services, ctx.config.feeds)
    worker = FullAsItTakesAJob(ctx)
    caplog.set_level(logging.WARNING)
    seen: dict[str, object] = {}

    def while_full() -> None:
        wait_for(lambda: worker.trouble._unsaid.get("out of memory", 0) >= 2, 30, "retries under OOM")
        seen["kept"] = [job.id for _, job, _ in worker._cut_off]
        seen["queued"] = ctx.queues.feeds.job_ids

    _work_while_full(worker, redis, while_full)
    assert seen["kept"] == taken and seen["queued"] == []  # in no queue, kept by its worker
    assert alert_keys(receiver.payloads) == [("002_088ef6e8373426e4", "icc")]  # the poll ran, its article too
    assert FailedJobRegistry(queue=ctx.queues.feeds).count == 0
    assert any("cut off by Redis; back in queue feeds" in r.getMessage() for r in caplog.records)
    ctx.close()


def test_a_redis_that_evicts_keys_is_warned_of_and_the_embedded_one_does_not(
    tmp_path: Path, own_redis: tuple[str, Redis]
) -> None:
    url, redis = own_redis
    assert redis.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}  # the embedded one's
    cfg = write_config(tmp_path, [], [], rules=ICC_ONLY)
    assert "maxmemory-policy" not in _cli(cfg, url, "check").stderr
    redis.config_set("maxmemory-policy", "allkeys-lru")
    checked = _cli(cfg, url, "check")
    assert checked.returncode == 0
    assert "maxmemory-policy is allkeys-lru" in checked.stderr and "queued jobs" in checked.stderr
    assert "set maxmemory-policy noeviction" in checked.stderr
    assert "maxmemory-policy is allkeys-lru" in _cli(cfg, url, "status").stdout
