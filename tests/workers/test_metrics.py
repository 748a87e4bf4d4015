"""Metrics, health and readiness of a running system on loopback: `wirewatch run` against a real
Redis, a feed site and a webhook receiver; counters move as feeds are polled and alerts go out,
survive a worker's restart, and /readyz turns unready when Redis stops."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from pipeline.config import Config, load_config
from pipeline.errors import ConfigError
from pipeline.polling import NotModified, PollFailed
from workers.demo.site import LoopbackSite, WebhookReceiver, rss_feed
from workers.metrics import Metrics
from workers.redis_embedded import EmbeddedRedis
from workers.scheduler import FeedScheduler
from workers.services import connect
from workers.store import feeds as feeds_store
from workers.store import schedule as schedule_store
from workers.store.generation import advance
from workers.web import registry_for, serve
from workers.web.status_page import render

from .helpers import (
    RSS,
    expected_keys,
    free_port,
    run_pass,
    runtime,
    save_polls,
    wait_for,
    webhook_sink,
    write_config,
)
from .test_cli import WIREWATCH, clean_env


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return sum(
        v for (n, ls), v in samples.items() if n == name and all((k, w) in ls for k, w in labels.items())
    )


def _worker_pids(run: int) -> list[int]:
    """The worker processes `run` started (not their own RQ scheduler processes)."""
    out = subprocess.run(
        ["pgrep", "-P", str(run), "-f", "workers.cli .* worker"], capture_output=True, text=True
    )
    return [int(p) for p in out.stdout.split()]


def test_a_running_system_counts_what_it_does_and_is_unready_without_redis(
    short_tmp: Path, site: LoopbackSite, whsec: str
) -> None:
    server = EmbeddedRedis(short_tmp / "redis")
    url = server.start()
    receiver = WebhookReceiver(whsec).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cfg = write_config(short_tmp, [f"{site.base_url}/feed.xml"], [webhook_sink(receiver.url, whsec)],
                       metrics_listen=f"127.0.0.1:{port}")  # fmt: skip
    proc = subprocess.Popen([*WIREWATCH, "-c", str(cfg), "run", "--workers", "1"],
                            env={**clean_env(), "REDIS_URL": url}, start_new_session=True)  # fmt: skip
    try:
        wait_for(lambda: _get(f"{base}/healthz")[0] == 200, 60, "/healthz")
        wait_for(lambda: len(receiver.payloads) >= len(expected_keys()), 90, "the alerts")
        wait_for(lambda: _get(f"{base}/readyz") == (200, "ready\n"), 30, "/readyz to be ready")
        # The receiver has the last alert a moment before the worker counts its delivery.
        wait_for(
            lambda: _total(_samples(_get(f"{base}/metrics")[1]), "wirewatch_deliveries_total", sink="hooks",
                           outcome="delivered") >= len(expected_keys()),
            30, "the deliveries to be counted",
        )  # fmt: skip
        # The job counts its CPU by stage last, after its history write: a moment after the deliveries.
        stages = ("fetch", "extract", "story", "match", "explain", "archive", "deliver")

        def cpu_counted() -> bool:
            samples = _samples(_get(f"{base}/metrics")[1])
            return all(_total(samples, "wirewatch_article_cpu_seconds_total", stage=s) > 0 for s in stages)

        wait_for(cpu_counted, 30, "the articles' CPU by stage to be counted")
        before = _samples(_get(f"{base}/metrics")[1])
        assert _total(before, "wirewatch_polls_total", outcome="entries", status="2xx") >= 1
        assert _total(before, "wirewatch_entries_total", state="new") == 3
        assert _total(before, "wirewatch_articles_processed_total", text_from="page") == 3
        assert _total(before, "wirewatch_alerts_created_total") == len(expected_keys())
        assert _total(before, "wirewatch_rule_matches_total", rule="icc") >= 1
        delivered = _total(before, "wirewatch_deliveries_total", sink="hooks", outcome="delivered")
        assert delivered == len(receiver.payloads)
        assert _total(before, "wirewatch_delivery_duration_seconds_count", sink="hooks") == delivered
        assert _total(before, "wirewatch_poll_duration_seconds_count") >= 1
        assert _total(before, "wirewatch_feeds", state="ok") == 1
        assert _total(before, "wirewatch_queue_depth", queue="alerts") == 0
        assert _total(before, "wirewatch_rules_loaded") == 3 and _total(before, "wirewatch_redis_up") == 1

        [pid] = _worker_pids(proc.pid)  # the worker dies; run starts another; its counts stay counted
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: _worker_pids(proc.pid) not in ([], [pid]), 60, "the worker to be restarted")
        after = _samples(_get(f"{base}/metrics")[1])
        assert _total(after, "wirewatch_deliveries_total", sink="hooks", outcome="delivered") == delivered

        server.stop()
        status, body = _get(f"{base}/readyz")
        assert status == 503 and body.startswith("redis: unreachable")
        assert _get(f"{base}/healthz")[0] == 200  # alive all the same
        assert _total(_samples(_get(f"{base}/metrics")[1]), "wirewatch_redis_up") == 0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        receiver.stop()
        server.stop()


def test_metrics_off_loopback_need_a_token_and_it_is_checked(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, [], [], metrics_listen="0.0.0.0:9108")
    with pytest.raises(ConfigError, match="set metrics_token"):
        load_config(cfg)
    port = free_port()
    config = load_config(write_config(tmp_path, [], [], metrics_listen=f"127.0.0.1:{port}"))
    # nothing there; connected as the workers connect (a bare Redis() retries for seconds first)
    redis = connect(f"redis://127.0.0.1:{free_port()}/0")
    listening = serve(f"127.0.0.1:{port}", registry_for(Metrics.create(), lambda: config, redis), redis,
                      lambda: config, token="s3cret", need_scheduler=True, need_workers=True)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        assert _get(f"{base}/metrics")[0] == 401 and _get(f"{base}/readyz")[0] == 401
        assert _get(f"{base}/")[0] == 401  # the status page too (its own test: test_status_page)
        assert _get(f"{base}/metrics", "wrong")[0] == 401
        status, text = _get(f"{base}/metrics", "s3cret")
        assert status == 200 and "wirewatch_redis_up 0.0" in text
        assert _get(f"{base}/healthz") == (200, "ok\n")
    finally:
        listening.shutdown()
        listening.server_close()


def test_a_worker_told_to_serve_metrics_off_loopback_without_a_token_refuses_to_start(
    tmp_path: Path, redis_url: str
) -> None:
    cfg = write_config(tmp_path, [], [])
    out = subprocess.run(
        [*WIREWATCH, "-c", str(cfg), "worker", "--burst", "--metrics-listen", "0.0.0.0:9999"],
        capture_output=True, text=True, timeout=60, env={**clean_env(), "REDIS_URL": redis_url},
    )  # fmt: skip
    assert out.returncode == 2 and "set metrics_token" in out.stderr


def test_a_bad_metrics_listen_is_a_usage_error(tmp_path: Path, redis_url: str) -> None:
    cfg = write_config(tmp_path, [], [])
    out = subprocess.run(
        [*WIREWATCH, "-c", str(cfg), "worker", "--burst", "--metrics-listen", "127.0.0.1:"],  # an unset $PORT
        capture_output=True, text=True, timeout=60, env={**clean_env(), "REDIS_URL": redis_url},
    )  # fmt: skip
    assert out.returncode == 2 and "not host:port: '127.0.0.1:'" in out.stderr


def _feed_gauges(cfg: Config, redis: Redis) -> dict[str, float]:
    """wirewatch_feeds by state, as a scrape of the web app's registry reads them."""
    samples = _samples(generate_latest(registry_for(None, lambda: cfg, redis)).decode())
    return {dict(labels)["state"]: v for (name, labels), v in samples.items() if name == "wirewatch_feeds"}


def _gauges(**counts: int) -> dict[str, float]:
    return {**dict.fromkeys(("ok", "backing off", "unhealthy", "retired", "not polled"), 0.0), **counts}


def test_feeds_are_counted_by_health_as_they_fail_retire_come_back_and_leave_the_config(
    tmp_path: Path, redis: Redis, site: LoopbackSite
) -> None:
    for n in range(3):
        site.routes[f"/ok{n}.xml"] = (200, RSS, rss_feed([], site.base_url))
    site.routes["/down.xml"] = (500, {"Content-Type": "text/plain"}, b"no")
    site.routes["/gone.xml"] = (410, {"Content-Type": "text/plain"}, b"gone")
    urls = [f"{site.base_url}/{name}.xml" for name in ("ok0", "ok1", "ok2", "down", "gone", "never")]
    rt = runtime(write_config(tmp_path, urls, [], rules=[], unhealthy_after=2), redis)
    ok0, _ok1, _ok2, down, gone, _never = rt.config.feeds
    scheduler = FeedScheduler(rt.services)
    scheduler.sync()  # as it does when it takes the lead
    assert _feed_gauges(rt.config, redis) == _gauges(**{"not polled": 6})
    run_pass(rt, feeds=rt.config.feeds[:5])  # "never" is not polled
    assert _feed_gauges(rt.config, redis) == _gauges(
        ok=3, **{"backing off": 1, "retired": 1, "not polled": 1}
    )
    run_pass(rt, feeds=[down])  # its second failure in a row: unhealthy
    assert _feed_gauges(rt.config, redis) == _gauges(ok=3, unhealthy=1, retired=1, **{"not polled": 1})

    # unhealthy_after applies when counting: a config that allows more failures counts it backing off
    (tmp_path / "patient").mkdir()
    patient = load_config(write_config(tmp_path / "patient", urls, [], rules=[], unhealthy_after=3))
    assert _feed_gauges(patient, redis) == _gauges(ok=3, retired=1, **{"backing off": 1, "not polled": 1})

    assert schedule_store.revive_feed(redis, gone.id, time.time())  # ok again until its next poll
    assert _feed_gauges(rt.config, redis) == _gauges(ok=4, unhealthy=1, **{"not polled": 1})

    # Removed from the config (and `wirewatch reload`): when the scheduler sees it, its sync
    # forgets them, and they are counted no more.
    rest = [u for u in urls if u not in (ok0.url, down.url)]
    fewer = load_config(write_config(tmp_path, rest, [], rules=[], unhealthy_after=2))
    advance(redis)
    scheduler.follow_config()
    assert _feed_gauges(fewer, redis) == _gauges(ok=3, **{"not polled": 1})
    assert not redis.exists(feeds_store.feed_key(ok0.id), feeds_store.feed_key(down.id))


def _commands(redis: Redis) -> int:
    return int(redis.info("stats")["total_commands_processed"])


def test_a_scrape_and_the_status_page_cost_as_many_commands_at_2000_feeds_as_at_100(
    short_tmp: Path,
) -> None:
    """What a scrape and a page send to Redis does not grow with the feeds (a Redis of the test's
    own, so that every command it counts is theirs)."""
    with EmbeddedRedis(short_tmp / "redis") as url:
        redis = Redis.from_url(url)
        sent = {}
        for count in (100, 2000):
            redis.flushdb()
            (short_tmp / str(count)).mkdir()
            urls = [f"http://127.0.0.1:9/{n}.xml" for n in range(count)]
            cfg = load_config(write_config(short_tmp / str(count), urls, [], rules=[], unhealthy_after=2))
            down = PollFailed("HTTP 500", retriable=True, http_status=500)
            # the worst 60 (more than a page): 20 failing for the second time, 40 for the first
            save_polls(redis, cfg, [(f, down, 1 if n < 20 else 0) for n, f in enumerate(cfg.feeds[:60])])
            save_polls(redis, cfg, [(f, NotModified(), 0) for f in cfg.feeds[60:]])
            assert _feed_gauges(cfg, redis) == _gauges(ok=count - 60, unhealthy=20, **{"backing off": 40})
            before = _commands(redis)
            _feed_gauges(cfg, redis)
            scrape = _commands(redis) - before
            before = _commands(redis)
            answered, page = render(cfg, redis)
            assert answered and f"and {count - 50:,} more feeds: {count - 60:,} ok, 10 backing off" in page
            sent[count] = (scrape, _commands(redis) - before)
        assert sent[100] == sent[2000]
