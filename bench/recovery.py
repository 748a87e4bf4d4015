"""How long work cut off by a crash takes to come back. One JSON line.

    python bench/recovery.py [--rounds 3]

Each round starts `wirewatch run` (embedded Redis) on one loopback feed with one new story, a
rule that matches it and a loopback webhook receiver. The story's page holds its first request
open, so the article job is mid-flight; the bench then SIGKILLs the worker running it (the pid
RQ recorded for the job's worker) and measures the time from the kill to the alert arriving.

    survivor_s   --workers 2: the other worker finds the abandoned job
    restarted_s  --workers 1: only the worker the supervisor restarts is left to find it
                 (each: median and max over the rounds, and every round)
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loopback import run_wirewatch, serve  # noqa: E402
from workers.demo.site import WebhookReceiver, article_page, load_seeds, rss_feed  # noqa: E402
from workers.services import embedded_running_at as running_at  # noqa: E402


def one_round(workers: int) -> float:
    seed = load_seeds(ROOT / "seeds")[2]  # the ICC story
    entered, release = threading.Event(), threading.Event()
    page = article_page(seed)
    feed = b""

    def answer(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path == "/feed.xml":
            return 200, {"Content-Type": "application/rss+xml"}, feed
        if not entered.is_set():
            entered.set()
            release.wait(120)  # the kill closes this connection; the answer goes nowhere
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page

    server = serve(answer)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    feed = rss_feed([seed], base)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    receiver = WebhookReceiver(secret).start()
    with tempfile.TemporaryDirectory() as tmp:
        config = {
            "feeds": [{"url": f"{base}/feed.xml"}],
            "hosts": {"127.0.0.1": {"delay": "0s"}},
            "rules": [{"id": "icc", "title": "ICC", "query": '"International Criminal Court"'}],
            "sinks": [{"id": "hook", "type": "webhook", "url": receiver.url, "secret": secret}],
        }
        proc = run_wirewatch(tmp, config, workers)
        try:
            if not entered.wait(60):
                raise SystemExit("the story's page was never requested")
            pid = _worker_pid(Path(tmp) / "var")
            os.kill(pid, signal.SIGKILL)
            killed = time.monotonic()
            release.set()
            while not receiver.payloads:
                if time.monotonic() - killed > 300:
                    raise SystemExit("no alert 300 s after the kill")
                time.sleep(0.05)
            return time.monotonic() - killed
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
            receiver.stop()
            server.shutdown()


def _worker_pid(data_dir: Path) -> int:
    """The pid of the worker running the article job, from what RQ keeps in Redis."""
    url = running_at(data_dir)
    assert url is not None, "the embedded Redis is not up"
    redis = Redis.from_url(url)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for key in redis.scan_iter("rq:job:*"):
            name = redis.hget(key, "worker_name")
            if (
                name
                and redis.hget(key, "status") == b"started"
                and b"articles" in (redis.hget(key, "origin") or b"")
            ):
                pid = redis.hget(b"rq:worker:" + name, "pid")
                if pid:
                    return int(pid)
        time.sleep(0.05)
    raise SystemExit("no worker is running the article job")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    figures: dict[str, object] = {"bench": "recovery", "rounds": args.rounds}
    for name, workers in (("survivor_s", 2), ("restarted_s", 1)):
        times = [round(one_round(workers), 1) for _ in range(args.rounds)]
        figures[name] = {"median": statistics.median(times), "max": max(times), "each": times}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
