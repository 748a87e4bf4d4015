"""Metrics, health and readiness of a running system on loopback: `wirewatch run` against a real
Redis, a feed site and a webhook receiver; counters move as feeds are polled and alerts go out,
survive a worker's restart, and /readyz turns unready when Redis stops."""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pipeline.config import load_config
from pipeline.errors import ConfigError
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.metrics import Metrics
from workers.redis_embedded import EmbeddedRedis
from workers.services import connect
from workers.web import registry_for, serve

from .helpers import expected_keys, free_port, wait_for, webhook_sink, write_config
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
