"""Polling at scale: N feeds on 127.0.0.1, all due every minute, under `wirewatch run`. One JSON line.

    python bench/poll.py [--feeds 10000] [--window 300] [--workers 2]
                         [--share-200 0.0] [--share-slow 0.0] [--share-429 0.0] [--share-500 0.0]

The feeds answer 304 to a matching ETag (a share answers 200 with a fresh item, 429 or 500, or
takes 3 s). The run gets an embedded Redis (REDIS_URL unset) and no rules or sinks, so the figure
is polling itself. After the first round has reached every feed, a window of at least five
minutes is measured:

    polls_per_minute            requests the feeds received, per minute of the window
    share_304                   of those, answered 304 (window_statuses: all the answers)
    feeds_polled_every_round    share of feeds polled at least floor(window / interval) times
    max_gap_s                   the longest time between two polls of one feed
    cpu_per_wall_s              CPU seconds of every wirewatch process (Redis included) per second
    redis_bytes_per_feed        Redis used_memory / feeds
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import signal
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loopback import run_wirewatch, serve, tree_cpu  # noqa: E402
from workers.redis_embedded import running_at  # noqa: E402


class FeedSite:
    """Feeds /f/<n>.xml; each request's time is kept per feed."""

    def __init__(self, shares: dict[str, float], seed: int = 7) -> None:
        self.polls: dict[int, list[float]] = defaultdict(list)
        self.answers: list[tuple[float, int]] = []  # (when, status) of every request
        self.lock = threading.Lock()
        self.shares = shares
        self.random = random.Random(seed)
        self.server = serve(lambda path, headers: self.answer(path, headers.get("if-none-match")))
        self.port = self.server.server_address[1]

    def answer(self, path: str, etag: str | None) -> tuple[int, dict[str, str], bytes]:
        n = int(path.rsplit("/", 1)[1].split(".")[0])
        with self.lock:
            self.polls[n].append(time.time())
            roll = self.random.random()
        s = self.shares
        if roll < s["slow"]:
            time.sleep(3)
        elif roll < s["slow"] + s["429"]:
            return self._count(429, {"Retry-After": "60"})
        elif roll < s["slow"] + s["429"] + s["500"]:
            return self._count(500, {})
        fresh = roll > 1 - s["200"]
        tag = f'"v-{n}"'
        if etag == tag and not fresh:
            return self._count(304, {"ETag": tag})
        item = f"<item><title>Story {n}</title><guid>s-{n}-{time.time_ns()}</guid></item>" if fresh else ""
        body = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<link>http://127.0.0.1/</link><description>bench</description>{item}</channel></rss>"
        ).encode()
        return self._count(200, {"ETag": tag, "Content-Type": "application/rss+xml"}, body)

    def _count(
        self, status: int, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.answers.append((time.time(), status))
        return status, headers, body


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=10_000)
    ap.add_argument("--window", type=float, default=300.0, help="seconds measured after the first round")
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    for share in ("200", "slow", "429", "500"):
        ap.add_argument(f"--share-{share}", type=float, default=0.0)
    args = ap.parse_args()
    shares = {k: getattr(args, f"share_{k}") for k in ("200", "slow", "429", "500")}
    site = FeedSite(shares)
    with tempfile.TemporaryDirectory(prefix="ww-bench-", dir="/tmp") as tmp:
        cfg = {
            "defaults": {"poll_jitter": "0s"},
            # every feed is on 127.0.0.1, standing in for many publishers: no per-host delay
            "hosts": {"127.0.0.1": {"delay": "0s", "max_requests": 4}},
            # pinned: every feed due every interval, the load the ingest issue set
            "feeds": [
                {"url": f"http://127.0.0.1:{site.port}/f/{n}.xml", "interval": f"{args.interval}s"}
                for n in range(args.feeds)
            ],
            "rules": [],
            "sinks": [],
        }
        proc = run_wirewatch(tmp, cfg, args.workers)
        try:
            started = time.time()
            while len(site.polls) < args.feeds:  # the first round
                if time.time() - started > 600 or proc.poll() is not None:
                    raise SystemExit(
                        f"first round incomplete: {len(site.polls)} of {args.feeds} feeds polled"
                    )
                time.sleep(0.5)
            first_round = time.time() - started
            t0, cpu0 = time.time(), tree_cpu(proc.pid)
            time.sleep(args.window)
            t1, cpu1 = time.time(), tree_cpu(proc.pid)
            url = running_at(Path(tmp) / "var")
            used = int(Redis.from_url(url).info("memory")["used_memory"]) if url else 0
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    with site.lock:
        in_window = {n: [t for t in ts if t0 <= t < t1] for n, ts in site.polls.items()}
        gaps = [
            b - a for ts in site.polls.values() for a, b in itertools.pairwise(ts) if a >= t0 - args.interval
        ]
        statuses: dict[int, int] = defaultdict(int)
        for when, status in site.answers:
            if t0 <= when < t1:
                statuses[status] += 1
    polls = sum(len(v) for v in in_window.values())
    rounds = int(args.window // args.interval)
    every = sum(1 for n in range(args.feeds) if len(in_window.get(n, [])) >= rounds)
    total = sum(statuses.values()) or 1
    print(
        json.dumps(
            {
                "bench": "poll",
                "feeds": args.feeds,
                "interval_s": args.interval,
                "workers": args.workers,
                "shares": shares,
                "first_round_s": round(first_round, 1),
                "window_s": round(t1 - t0, 1),
                "polls_per_minute": round(polls / (t1 - t0) * 60),
                "share_304": round(statuses.get(304, 0) / total, 3),
                "window_statuses": dict(statuses),
                "feeds_polled_every_round": round(every / args.feeds, 4),
                "max_gap_s": round(max(gaps), 1) if gaps else None,
                "cpu_per_wall_s": round((cpu1 - cpu0) / (t1 - t0), 3),
                "redis_bytes_per_feed": round(used / args.feeds),
            }
        )
    )


if __name__ == "__main__":
    main()
