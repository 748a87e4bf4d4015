"""Failure paths on real parts: flaky and dead sinks, broken feeds, a worker killed mid-job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from redis import Redis
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from workers.context import WorkerContext
from workers.demo.site import LoopbackSite, WebhookReceiver, load_seeds, rss_feed, seed_site
from workers.store import feeds as feeds_store
from workers.store import sinks as sinks_store
from workers.worker import EXECUTION_TTL, requeue_abandoned

from ..conftest import corpus_or_skip
from .helpers import (
    ICC_ONLY,
    ROOT,
    alert_keys,
    drain,
    email_sink,
    free_port,
    run_pass,
    runtime,
    smtp_server,
    wait_for,
    webhook_sink,
    write_config,
)


def test_webhook_500_twice_then_204_delivers_once_with_one_webhook_id(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    receiver = WebhookReceiver(whsec, fail_first=2).start()
    try:
        cfg = write_config(
            tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY
        )
        run_pass(runtime(cfg, redis))
    finally:
        receiver.stop()
    assert len(receiver.payloads) == 1
    assert len(receiver.attempt_ids) == 3
    assert len(set(receiver.attempt_ids)) == 1
    assert receiver.attempt_ids[0] == f"{receiver.payloads[0]['alert_id']}-hooks"


def test_smtp_down_then_up_delivers_after_backoff(tmp_path: Path, redis: Redis, site: LoopbackSite) -> None:
    port = free_port()
    cfg = write_config(
        tmp_path, [f"{site.base_url}/one.xml"], [email_sink(port)], rules=ICC_ONLY, retry_schedule=["60s"]
    )
    rt = runtime(cfg, redis)
    run_pass(rt)  # SMTP is down: the delivery fails and is scheduled for a retry
    scheduled = ScheduledJobRegistry(queue=rt.queues.alerts)
    assert len(scheduled.get_job_ids()) == 1
    with smtp_server(port) as (inbox, _), time_machine.travel(timedelta(hours=2), tick=True):
        drain(rt, with_scheduler=True)  # the RQ scheduler moves due retries back to the queue
        drain(rt)
        assert len(inbox.messages) == 1
        assert (
            "International Criminal Court" in inbox.messages[0]["Subject"]
            or "ICC" in inbox.messages[0]["Subject"]
        )


def test_delivery_out_of_retries_stays_in_failed_registry_with_reason(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    receiver = WebhookReceiver(whsec, fail_first=100).start()
    try:
        cfg = write_config(
            tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(receiver.url, whsec)],
            rules=ICC_ONLY, retry_schedule=["0s", "0s"],
        )  # fmt: skip
        rt = runtime(cfg, redis)
        run_pass(rt)
    finally:
        receiver.stop()
    assert len(receiver.attempt_ids) == 3  # the first try and two retries
    failed = FailedJobRegistry(queue=rt.queues.alerts)
    [job_id] = failed.get_job_ids()
    job = Job.fetch(job_id, connection=redis, serializer=JSONSerializer)
    result = job.latest_result()
    assert result is not None and "HTTP 500" in (result.exc_string or "")


def test_permanent_webhook_rejection_is_not_retried(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    other = WebhookReceiver("whsec_" + "A" * 32).start()  # another secret: answers 401 to our signature
    try:
        cfg = write_config(
            tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(other.url, whsec)], rules=ICC_ONLY
        )
        rt = runtime(cfg, redis)
        run_pass(rt)
    finally:
        other.stop()
    assert other.bad_signatures == 1
    assert len(FailedJobRegistry(queue=rt.queues.alerts).get_job_ids()) == 1


def _malformed_corpus_feed() -> Path:
    root = corpus_or_skip("feeds")
    for line in (root / "manifest.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        if row.get("malformed") and row.get("entries", 0) == 0:
            return root / row["path"]
    pytest.skip("no malformed feed without entries in the corpus")


@pytest.mark.parametrize("kind", ["404", "html", "malformed"])
def test_a_broken_feed_is_a_logged_per_feed_error_and_other_feeds_go_on(
    kind: str, tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str, caplog: pytest.LogCaptureFixture
) -> None:
    if kind == "html":
        site.routes["/broken.xml"] = (
            200,
            {"Content-Type": "text/html"},
            b"<html><body><p>Not a feed</p></body></html>",
        )
    elif kind == "malformed":
        site.routes["/broken.xml"] = (
            200,
            {"Content-Type": "application/xml"},
            _malformed_corpus_feed().read_bytes(),
        )
    receiver = WebhookReceiver(whsec).start()
    try:
        broken = f"{site.base_url}/broken.xml"
        cfg = write_config(
            tmp_path,
            [broken, f"{site.base_url}/one.xml"],
            [webhook_sink(receiver.url, whsec)],
            rules=ICC_ONLY,
        )
        rt = runtime(cfg, redis)
        run_pass(rt)
    finally:
        receiver.stop()
    assert alert_keys(receiver.payloads) == [("002_088ef6e8373426e4", "icc")]
    states = feeds_store.feed_states(redis, [f.id for f in rt.config.feeds])
    err = states[rt.config.feeds[0].id]["last_error"]
    assert broken in err
    assert any(broken in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    assert not states[rt.config.feeds[1].id].get("last_error")


def test_worker_killed_mid_job_loses_nothing_and_its_job_is_back_once_the_heartbeats_stop(
    tmp_path: Path, redis: Redis, redis_url: str, whsec: str, caplog: pytest.LogCaptureFixture
) -> None:
    site = seed_site(ROOT / "seeds").start()
    seeds = load_seeds(ROOT / "seeds")
    site.routes["/one.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        rss_feed(seeds[2:], site.base_url),
    )
    page_path = f"/articles/{seeds[2].stem}.html"
    page = site.routes[page_path]
    entered, release = threading.Event(), threading.Event()

    def slow_page(handler: object) -> tuple[int, dict[str, str], bytes]:
        entered.set()
        release.wait(30)
        return page  # type: ignore[return-value]

    site.routes[page_path] = slow_page
    receiver = WebhookReceiver(whsec).start()
    try:
        cfg = write_config(
            tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY
        )
        rt = runtime(cfg, redis)
        from workers.queueing import enqueue_poll

        enqueue_poll(rt.services, rt.config.feeds)
        env = {**os.environ, "REDIS_URL": redis_url}
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "-c", str(cfg), "worker"], env=env, start_new_session=True
        )
        try:
            assert entered.wait(60), "the worker never fetched the article page"
        finally:
            # The machine dies: the worker and its RQ scheduler process with it. (Killing only the
            # worker would leave the scheduler running, holding the scheduler locks for later tests.)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        release.set()
        site.routes[page_path] = page
        started = StartedJobRegistry(queue=rt.queues.articles)
        [(entry, expires)] = redis.zrange(started.key, 0, -1, withscores=True)  # abandoned mid-job
        assert expires <= time.time() + EXECUTION_TTL + 1  # not the job's timeout plus a minute
        drain(rt)  # a worker starting now sees a job that may still be running: it leaves it
        assert receiver.payloads == [] and redis.zcard(started.key) == 1
        # By then Redis has expired the execution's own hash (time_machine does not move its clock).
        assert redis.delete(b"rq:execution:" + entry) == 1
        with time_machine.travel(timedelta(seconds=EXECUTION_TTL + 1), tick=True):
            drain(rt)  # the heartbeats have stopped: its maintenance requeues the job, and runs it
    finally:
        receiver.stop()
        site.stop()
    assert alert_keys(receiver.payloads) == [("002_088ef6e8373426e4", "icc")]
    assert redis.zcard(started.key) == 0
    assert FailedJobRegistry(queue=rt.queues.articles).count == 0  # it ran to its end this time
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    [requeued] = [r.getMessage() for r in caplog.records if "died mid-job" in r.getMessage()]
    assert "requeued (job " in requeued and "1 of 2 times" in requeued


def hold_until_released(ctx: WorkerContext, key: str) -> None:
    """A job that runs until the test pushes to `key`: a long fetch, as far as RQ can tell."""
    ctx.redis.blpop([key], timeout=60)


def test_a_long_job_keeps_its_entry_fresh_and_is_never_taken_for_abandoned(
    tmp_path: Path, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workers.worker.HEARTBEAT_SECONDS", 0.2)
    rt = runtime(write_config(tmp_path, [], [], rules=[]), redis)
    queue = rt.queues.alerts
    job = queue.enqueue(hold_until_released, "release", job_id="long-one")
    started = StartedJobRegistry(queue=queue)
    seen: dict[str, int] = {}

    def watch() -> None:
        try:
            wait_for(lambda: redis.zcard(started.key) == 1, 30, "the job to start")
            with time_machine.travel(timedelta(seconds=3 * EXECUTION_TTL), tick=True):
                later = time.time()  # well past the first entry's expiry
                wait_for(
                    lambda: redis.zrange(started.key, 0, 0, withscores=True)[0][1] > later, 30, "a heartbeat"
                )
                seen["requeued"] = requeue_abandoned(queue)
        finally:
            redis.rpush("release", "go")

    watcher = threading.Thread(target=watch)
    watcher.start()
    drain(rt)  # in this thread: RQ's job timeout needs the main thread's signals
    watcher.join()
    assert seen == {"requeued": 0}
    job.refresh()
    assert job.get_status() == "finished" and "abandoned" not in job.meta


def test_a_429_with_retry_after_is_not_tried_again_before_it(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    receiver = WebhookReceiver(
        whsec, fail_first=2, fail_status=429, fail_headers={"Retry-After": "30"}
    ).start()
    try:
        cfg = write_config(
            tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY,
            retry_schedule=["5s", "10m"],
        )  # fmt: skip
        rt = runtime(cfg, redis)
        scheduled = ScheduledJobRegistry(queue=rt.queues.alerts)
        started = time.time()
        run_pass(rt)  # the article job's own try: 429
        [job_id] = scheduled.get_job_ids()
        assert scheduled.get_scheduled_time(job_id).timestamp() >= started + 29  # RQ keeps whole seconds
        with time_machine.travel(timedelta(seconds=40), tick=True):
            later = time.time()
            drain(rt, with_scheduler=True)  # the delivery job's try: 429 again, Retry-After 30
            drain(rt)
            [job_id] = scheduled.get_job_ids()
            assert scheduled.get_scheduled_time(job_id).timestamp() >= later + 29
        with time_machine.travel(timedelta(seconds=900), tick=True):  # the schedule's 10 m (+-20%)
            drain(rt, with_scheduler=True)
            drain(rt)
    finally:
        receiver.stop()
    assert len(receiver.attempt_ids) == 3 and len(set(receiver.attempt_ids)) == 1
    assert len(receiver.payloads) == 1


def test_a_410_disables_the_sink_until_it_is_enabled(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    receiver = WebhookReceiver(whsec, fail_first=100, fail_status=410).start()
    seeds = load_seeds(ROOT / "seeds")
    try:
        everything = [{"id": "any", "title": "Any", "query": "the"}]
        feeds = [f"{site.base_url}/one.xml", f"{site.base_url}/later.xml"]
        cfg = write_config(tmp_path, feeds, [webhook_sink(receiver.url, whsec)], rules=everything)
        rt = runtime(cfg, redis)
        run_pass(rt)  # one story (later.xml is still a 404): its try answers 410 and pauses the sink
        assert len(receiver.attempt_ids) == 1
        assert "HTTP 410" in (sinks_store.sink_disabled(redis, "hooks") or "")
        site.routes["/later.xml"] = (
            200,
            {"Content-Type": "application/rss+xml"},
            rss_feed(seeds[:2], site.base_url),
        )
        run_pass(rt)  # two more stories: never posted to the paused sink
        assert len(receiver.attempt_ids) == 1
        failed = FailedJobRegistry(queue=rt.queues.alerts)
        assert len(failed.get_job_ids()) == 3  # every one a dead letter, with the reason
        for job_id in failed.get_job_ids():
            result = Job.fetch(job_id, connection=redis, serializer=JSONSerializer).latest_result()
            assert result is not None and "HTTP 410" in (result.exc_string or "")
        assert sinks_store.enable_sink(redis, "hooks")
        assert sinks_store.sink_disabled(redis, "hooks") is None
    finally:
        receiver.stop()
