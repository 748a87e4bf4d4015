"""rq-dashboard, installed with wirewatch's `dashboard` extra as the README says, shows our queues
and reads our (JSON) jobs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from redis import Redis

from workers.services import Queues

from .helpers import free_port, wait_for


def _get(url: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            data: dict[str, object] = json.loads(resp.read())
            return data
    except OSError:
        return None


def test_rq_dashboard_lists_our_queues_and_reads_our_jobs(redis: Redis, redis_url: str) -> None:
    command = shutil.which("rq-dashboard", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.skip("rq-dashboard is not installed (pip install -e '.[dashboard]')")
    Queues.on(redis).alerts.enqueue_call(
        "workers.jobs.deliver",
        args=("{}", "hooks", ""),
        job_id="deliver-a1-hooks",
        description="delivery a1-hooks",
    )
    port = free_port()
    proc = subprocess.Popen(
        [command, "--redis-url", redis_url, "--json", "--bind", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/0/data"
        wait_for(lambda: _get(f"{base}/queues.json") is not None, 60, "rq-dashboard to answer")
        queues = _get(f"{base}/queues.json")
        assert queues is not None
        counts = {q["name"]: q["count"] for q in queues["queues"]}  # type: ignore[attr-defined]
        assert counts["alerts"] == 1  # it lists the queues that exist in Redis
        job = _get(f"{base}/job/deliver-a1-hooks.json")
        assert job is not None and job["description"] == "delivery a1-hooks" and job["status"] == "queued"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
