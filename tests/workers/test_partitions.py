"""A worker or a scheduler cut off from Redis (issue 28, point 3), on a test host of the test's
own: a network namespace whose link to this one is cut for 60 s. A worker cut off mid-job: another
takes the job over once its heartbeats stop; the cut-off worker comes back by itself, and its
late result makes no second alert. A scheduler cut off: another takes the lead once its lock
lapses, and the returning one stands by (a tick of its that reaches Redis late is fenced:
tests/workers/test_scheduler.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from workers.demo.site import LoopbackSite, WebhookReceiver, load_seeds, rss_feed
from workers.queueing import enqueue_poll
from workers.store.leader import LEADER_KEY, LOCK_TTL
from workers.worker import EXECUTION_TTL, MAINTENANCE_SECONDS

from .helpers import ICC_ONLY, ROOT, RSS, free_port, runtime, wait_for, webhook_sink, write_config
from .netns import Host, own_host

CUT_SECONDS = 60


@contextlib.contextmanager
def redis_server(tmp: Path, *addresses: str) -> Iterator[int]:
    """A redis-server of the test's own listening on these addresses; its port."""
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", *addresses, "--save", "", "--appendonly", "no",
         "--dir", str(tmp), "--protected-mode", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(lambda: _answers(port), 20, "the test's redis-server")
        yield port
    finally:
        proc.kill()
        proc.wait()


def _answers(port: int) -> bool:
    try:
        return bool(Redis(port=port, socket_timeout=1).ping())
    except Exception:
        return False


def _worker(cfg: Path, redis_url: str, log: Path, host: Host | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDIS_URL": redis_url}
    cmd = [sys.executable, "-m", "workers.cli", "-c", str(cfg), "--log-format", "json", "-v", "worker"]
    return subprocess.Popen(host.command(cmd) if host else cmd, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def _messages(log: Path) -> list[str]:
    out = []
    for line in log.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            out.append(str(json.loads(line)["message"]))
    return out


@pytest.mark.timeout(300)  # the link is cut for a minute
def test_a_worker_cut_off_mid_job_for_a_minute_is_taken_over_comes_back_and_alerts_nothing_twice(
    tmp_path: Path, short_tmp: Path, whsec: str
) -> None:
    with own_host(1) as host, redis_server(short_tmp / "redis", "127.0.0.1", host.here) as port:
        site = LoopbackSite(host=host.here).start()
        receiver = WebhookReceiver(whsec, host=host.here).start()
        seeds = load_seeds(ROOT / "seeds")
        site.routes = {}
        site.routes["/one.xml"] = (200, RSS, rss_feed(seeds[2:3], site.base_url))
        page_path = f"/articles/{seeds[2].stem}.html"
        from workers.demo.site import article_page

        page = (200, {"Content-Type": "text/html; charset=utf-8"}, article_page(seeds[2]))
        entered, release = threading.Event(), threading.Event()

        def held_once(handler: object) -> tuple[int, dict[str, str], bytes]:
            site.routes[page_path] = page
            entered.set()
            release.wait(120)
            return page

        site.routes[page_path] = held_once
        sinks = [webhook_sink(receiver.url, whsec)]
        cfg = write_config(tmp_path, [f"{site.base_url}/one.xml"], sinks, rules=ICC_ONLY)
        redis = Redis(port=port)
        ctx = runtime(cfg, redis)
        procs: list[subprocess.Popen[bytes]] = []
        try:
            # worker A, on the test host, takes the poll and then the article job, and reads the page
            procs.append(_worker(cfg, f"redis://{host.here}:{port}/0", tmp_path / "a.log", host))
            enqueue_poll(ctx.services, ctx.config.feeds)
            assert entered.wait(60), "worker A never read the article page"
            host.cut()  # mid-job: A's heartbeats, its page and its Redis are gone for a minute
            cut_at = time.time()
            release.set()
            # worker B, on this side, sweeps: A's job is back once its heartbeats have stopped
            procs.append(_worker(cfg, f"redis://127.0.0.1:{port}/0", tmp_path / "b.log"))
            takeover = EXECUTION_TTL + MAINTENANCE_SECONDS + 30  # the heartbeats' TTL, a sweep, the job
            wait_for(lambda: len(receiver.payloads) >= 1, takeover, "the takeover")
            taken_over_in = receiver.times[0] - cut_at
            time.sleep(max(0.0, cut_at + CUT_SECONDS - time.time()))  # the link stays cut a minute
            host.heal()
            healed_at = time.time()
            # A comes back by itself: it says Redis answers again, and takes jobs again
            wait_for(lambda: any("Redis answers again" in m for m in _messages(tmp_path / "a.log")), 60,
                     "worker A back")  # fmt: skip
            enqueue_poll(ctx.services, ctx.config.feeds)  # more work after the heal, for either worker
            wait_for(lambda: redis.llen("rq:queue:feeds") == 0 and redis.llen("rq:queue:articles") == 0, 60,
                     "the queues empty")  # fmt: skip
        finally:
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            receiver.stop()
            site.stop()
            ctx.close()
    print(f"taken over {taken_over_in:.1f} s after the cut, healed {healed_at - cut_at:.0f} s after it; "
          f"{len(receiver.payloads)} deliveries")  # fmt: skip
    ids = {(str(p["alert_id"]), w) for p, w in zip(receiver.payloads, receiver.attempt_ids, strict=False)}
    assert len({alert_id for alert_id, _ in ids}) == 1 and len(ids) == 1, ids  # one alert, one webhook-id
    assert taken_over_in < EXECUTION_TTL + MAINTENANCE_SECONDS + 30
    a_said = _messages(tmp_path / "a.log")
    assert any("Redis cannot be reached" in m for m in a_said)
    assert not any("unhandled exception, quitting" in m for m in a_said)


def _scheduler(cfg: Path, redis_url: str, log: Path, host: Host | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDIS_URL": redis_url}
    cmd = [sys.executable, "-m", "workers.cli", "-c", str(cfg), "--log-format", "json", "-v", "scheduler"]
    return subprocess.Popen(host.command(cmd) if host else cmd, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


@pytest.mark.timeout(300)  # the link is cut for a minute
def test_a_scheduler_cut_off_loses_the_lead_to_another_and_comes_back_standing_by(
    tmp_path: Path, short_tmp: Path
) -> None:
    """Scheduler A, on a test host, leads; its link is cut for a minute. Its lock lapses and B, on
    this side, takes the lead. When the link returns, A's commands that were under way reach
    Redis (a tick's claim among them): they find the lock B's, A claims nothing and stands by,
    and the lead stays B's."""
    with own_host(2) as host, redis_server(short_tmp / "redis", "127.0.0.1", host.here) as port:
        cfg = write_config(tmp_path, [f"http://{host.here}:9/feed-{n}.xml" for n in range(3)], [],
                           rules=ICC_ONLY, min_interval="1s", poll_interval="1s")  # fmt: skip
        redis = Redis(port=port)
        holders: list[bytes] = []  # the leader lock's holder, as it changes
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(0.1):
                held = redis.get(LEADER_KEY)
                if held is not None and (not holders or holders[-1] != held):
                    holders.append(held)

        watcher = threading.Thread(target=watch)
        watcher.start()
        procs: list[subprocess.Popen[bytes]] = []
        a_log, b_log = tmp_path / "a.log", tmp_path / "b.log"
        try:
            procs.append(_scheduler(cfg, f"redis://{host.here}:{port}/0", a_log, host))
            wait_for(lambda: any("leading" in m for m in _messages(a_log)), 60, "scheduler A to lead")
            procs.append(_scheduler(cfg, f"redis://127.0.0.1:{port}/0", b_log))
            wait_for(lambda: any("standing by" in m for m in _messages(b_log)), 60, "scheduler B to stand by")
            host.cut()
            cut_at = time.time()
            wait_for(lambda: any("leading" in m for m in _messages(b_log)), LOCK_TTL + 30, "B to lead")
            took_over_in = time.time() - cut_at
            time.sleep(max(0.0, cut_at + CUT_SECONDS - time.time()))
            host.heal()
            wait_for(lambda: len([m for m in _messages(a_log) if "standing by" in m]) >= 1, 60,
                     "A to stand by after the link returns")  # fmt: skip
            time.sleep(LOCK_TTL / 3 + 5)  # a renewal's round and more: A does not take the lead back
        finally:
            stop.set()
            watcher.join()
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    a_said = _messages(a_log)
    print(f"B led {took_over_in:.1f} s after the cut; holders of the lock: {len(holders)}; A said:",
          *[m for m in a_said if "standing by" in m or "Redis" in m or "lead" in m], sep="\n  ")  # fmt: skip
    assert len(holders) == 2, holders  # A's, then B's for good
    assert took_over_in < LOCK_TTL + 30
    assert len([m for m in a_said if "leading" in m]) == 1  # A never led again
    assert not any("Traceback" in m or "failed:" in m for m in a_said), a_said
