"""A Sentinel-managed Redis (issue 28, point 1): on loopback, a primary, a replica and three
sentinels of the test's own; the primary is killed and every part follows the failover."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from pipeline.config import load_config
from pipeline.models import Entry
from workers.context import WorkerContext
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.jobs import polls
from workers.queueing import enqueue_poll
from workers.services import Services, configured_redis_url, connect
from workers.worker import WirewatchWorker

from .helpers import ICC_ONLY, wait_for, webhook_sink, write_config
from .newsroom import Newsroom
from .sentinels import SentinelCluster, sentinel_cluster


@pytest.fixture
def cluster(short_tmp: Path) -> Iterator[SentinelCluster]:
    with sentinel_cluster(short_tmp / "redis") as c:
        yield c


def _with_sentinels(cfg: Path, cluster: SentinelCluster) -> Path:
    """The config names the cluster by its sentinels (redis_sentinel:), not by a URL."""
    config = yaml.safe_load(cfg.read_text())
    config["redis_sentinel"] = {
        "sentinels": [f"127.0.0.1:{p}" for p in cluster.sentinel_ports],
        "service": "ww",
    }
    cfg.write_text(yaml.safe_dump(config))
    return cfg


def _until_written(client: Redis, key: str, timeout: float = 60) -> float:
    """Seconds until a write through `client` succeeds (a failover in between fails some)."""
    started = time.monotonic()
    while True:
        try:
            client.set(key, "1")
            return time.monotonic() - started
        except RedisConnectionError:
            if time.monotonic() - started > timeout:
                raise
            time.sleep(0.2)


def test_a_client_of_the_sentinel_url_follows_a_failover(cluster: SentinelCluster, tmp_path: Path) -> None:
    cfg = _with_sentinels(write_config(tmp_path, [], [], rules=ICC_ONLY), cluster)
    url = configured_redis_url(load_config(cfg), environ={})
    assert url == cluster.url
    client = connect(url)
    client.set("before", "1")
    assert Redis(port=cluster.first_primary).get("before") == b"1"
    old = cluster.kill_primary()
    new = cluster.wait_failover(old)
    assert new == cluster.replica
    assert _until_written(client, "after") < 30
    assert Redis(port=new).get("after") == b"1"


def note_ran(ctx: WorkerContext, key: str) -> None:
    ctx.redis.set(key, "ran")


def test_a_worker_and_its_rq_scheduler_run_on_a_sentinel_managed_redis(
    cluster: SentinelCluster, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path, [], [], rules=ICC_ONLY)
    client = connect(cluster.url)
    with WorkerContext.build(Services(load_config(cfg), client)) as ctx:
        # a job due a second ago in RQ's scheduled registry: only RQ's scheduler, which makes a
        # client of its own from the worker's, puts it on the queue
        ctx.queues.alerts.enqueue_at(datetime.now(UTC) - timedelta(seconds=1), note_ran, "scheduled")
        WirewatchWorker(ctx).work(burst=True, logging_level="WARNING", with_scheduler=True)
    primary = Redis(port=cluster.first_primary)
    assert primary.get("scheduled") == b"ran" and primary.keys("rq:scheduler-lock:*") == []


def _procs(cfg: Path, logs: Path) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # the config's redis_sentinel
    out = []
    for name in ("scheduler", "worker", "worker"):
        log = (logs / f"{name}-{len(out)}.log").open("wb")
        cmd = [sys.executable, "-m", "workers.cli", "-c", str(cfg), "--log-format", "json", "-v", name]
        out.append(
            subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        )
    return out


def test_under_a_stream_of_stories_a_failover_loses_no_alert_and_every_part_follows_it(
    cluster: SentinelCluster, tmp_path: Path, whsec: str
) -> None:
    site = LoopbackSite().start()
    receiver = WebhookReceiver(whsec).start()
    newsroom = Newsroom(site, every=0.5)
    live = {"url": f"{site.base_url}/live.xml", "interval": "1s"}
    cfg = write_config(tmp_path, [live], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY,
                       min_interval="1s", poll_interval="1s", max_entry_age="1h")  # fmt: skip
    config = yaml.safe_load(cfg.read_text())
    config["redis_sentinel"] = {
        "sentinels": [f"127.0.0.1:{p}" for p in cluster.sentinel_ports],
        "service": "ww",
    }
    cfg.write_text(yaml.safe_dump(config))
    procs = _procs(cfg, tmp_path)
    try:
        newsroom.start()
        wait_for(lambda: len(receiver.payloads) >= 8, 90, "alerts before the failover")
        old = cluster.kill_primary()
        killed_at = time.time()
        new = cluster.wait_failover(old)
        failed_over_at = time.time()
        # every worker consumes again within 60 s: each one's RQ heartbeat, written from its wait
        # for a job, reaches the new primary (doing a job too is up to which one takes them). A
        # heartbeat stamped after the kill was written to the new primary; one stamped after the
        # failover was seen would miss a worker that came back before the test saw it and has
        # waited for a job since (RQ beats again only when its wait times out or a job comes).
        left = failed_over_at + 60 - time.time()
        wait_for(lambda: _heartbeats_after(Redis(port=new), killed_at) >= 2, left, "both workers back")
        time.sleep(max(0.0, failed_over_at + 10 - time.time()))  # the stream goes on after the failover
        newsroom.stop()
        published = set(newsroom.published)

        def alerted() -> set[str]:
            return {str(p["article"]["url"]) for p in list(receiver.payloads)}

        wait_for(lambda: published <= alerted(), 120, "an alert for every story published")
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        receiver.stop()
        site.stop()
    logs = {p.name: p.read_text(errors="replace") for p in tmp_path.glob("*.log")}
    print(f"killed {old} at {killed_at:.1f}, {new} primary {failed_over_at - killed_at:.1f} s later; "
          f"{len(published)} published, {len(receiver.payloads)} deliveries")  # fmt: skip
    # every story alerted, once per (rule, story): each alert id with one webhook-id however often sent
    ids: dict[str, set[str]] = {}
    for payload, webhook_id in zip(list(receiver.payloads), list(receiver.attempt_ids), strict=False):
        ids.setdefault(str(payload["alert_id"]), set()).add(webhook_id)
    assert len(ids) == len(published) and all(len(w) == 1 for w in ids.values())
    # the scheduler leads again: the feed is polled within 60 s of the failover
    assert any(failed_over_at < t < failed_over_at + 60 for t in newsroom.fetched)
    # and the trouble was said, not once per tick or job
    # (by the scheduler, each worker and RQ's scheduler: four processes, each at most once a minute)
    said = [
        line
        for text in logs.values()
        for line in text.splitlines()
        if "Redis cannot be reached" in line and "answers again" not in line
    ]
    assert 1 <= len(said) <= 8, said


def _heartbeats_after(redis: Redis, since: float) -> int:
    """How many RQ workers wrote their heartbeat to this Redis after `since`."""
    fresh = 0
    for key in redis.scan_iter("rq:worker:*"):
        beat = redis.hget(key, "last_heartbeat") if redis.type(key) == b"hash" else None
        if (
            beat
            and datetime.strptime(beat.decode(), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
            > since
        ):
            fresh += 1
    return fresh


def _acked_offset(primary: Redis) -> int:
    """The replica's replication offset as the primary last heard it acknowledged."""
    replica = primary.info("replication")["slave0"]
    return int(replica["offset"])


def test_entries_are_marked_seen_only_once_a_replica_holds_their_article_jobs(
    cluster: SentinelCluster, tmp_path: Path, site: LoopbackSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The history store's seen mark outlives a failover; a queued job Redis had not replicated
    does not. So the mark waits for the replica: with the replica stopped (SIGSTOP) as the
    article job is queued, the mark comes only after it has acknowledged the job."""
    cfg = write_config(tmp_path, [f"{site.base_url}/one.xml"], [], rules=ICC_ONLY)
    primary = Redis(port=cluster.first_primary)
    replica = cluster.procs[cluster.replica]
    queued_at: list[int] = []
    acked_when_marked: list[int] = []
    real_enqueue = polls.enqueue_articles

    def enqueue_with_the_replica_stopped(services: Services, entries: list[Entry], *a: object) -> None:
        replica.send_signal(signal.SIGSTOP)
        threading.Timer(0.5, replica.send_signal, (signal.SIGCONT,)).start()
        real_enqueue(services, entries, *a)  # type: ignore[arg-type]
        queued_at.append(int(primary.info("replication")["master_repl_offset"]))

    monkeypatch.setattr(polls, "enqueue_articles", enqueue_with_the_replica_stopped)
    with WorkerContext.build(Services(load_config(cfg), connect(cluster.url))) as ctx:
        real_mark = ctx.services.recorder.seen_of_feeds

        def mark(*args: Any) -> None:
            acked_when_marked.append(_acked_offset(primary))
            real_mark(*args)

        monkeypatch.setattr(ctx.services.recorder, "seen_of_feeds", mark)
        enqueue_poll(ctx.services, ctx.config.feeds)
        WirewatchWorker(ctx).work(burst=True, logging_level="WARNING", max_jobs=1)  # the poll
    replica.send_signal(signal.SIGCONT)
    assert len(queued_at) == 1 and len(acked_when_marked) == 1
    assert acked_when_marked[0] >= queued_at[0]  # the replica held the article job before the mark
    assert Redis(port=cluster.replica).llen("rq:queue:articles") == 1
