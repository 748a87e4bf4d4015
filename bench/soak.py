"""An hour of steady load on `wirewatch run` (embedded Redis, two workers), to see that nothing
grows with time: each process's RSS and Redis's used_memory, every minute. One JSON line.

    python bench/soak.py [--minutes 60] [--warmup 10] [--feeds 20] [--per-minute 30] [--default-windows]
                         [--fast-minutes 15 --fast-per-minute 300] [--window 10m]

A loopback site publishes --per-minute new stories a minute over --feeds feeds (each polled every
30 s), each with a text of its own; about a third of them name the International Criminal Court
and alert the shipped `icc` rule to a loopback webhook receiver. Every ten minutes the rules file
changes and `wirewatch reload` runs. Each minute the bench notes every process's RSS (from /proc:
the supervisor, the scheduler, each worker and its RQ scheduler, the embedded redis-server),
Redis's used_memory and its keys by kind, the stories published and the alerts received; at the
end, each series' slope after the warm-up (least squares), as % of its mean an hour, and the
ERROR lines the processes logged.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import yaml
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loopback import children_by_parent, serve  # noqa: E402
from workers.demo.site import WebhookReceiver  # noqa: E402
from workers.services import embedded_running_at  # noqa: E402

WORDS = [f"{a}{b}{c}" for a in "bcdfgklmnprstv" for b in "aeiou" for c in ("n", "r", "s", "t", "l", "")]


class Newsroom:
    """Stories published at a steady rate over the feeds; each feed lists its latest 30."""

    def __init__(self, feeds: int, per_minute: float) -> None:
        self.feeds, self.every = feeds, 60.0 / per_minute
        self.stories: dict[int, list[tuple[int, str, float]]] = {
            i: [] for i in range(feeds)
        }  # n, title, when
        self.pages: dict[str, bytes] = {}
        self.published = 0
        self.rng = random.Random(11)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.base = ""  # the site's address, once it listens

    def run(self) -> None:
        while not self.stop.wait(self.every):
            n = self.published
            words = " ".join(self.rng.choice(WORDS) for _ in range(300))
            icc = self.rng.random() < 0.33
            lead = "The International Criminal Court said on Monday that" if icc else "The city council said"
            title = f"Story {n}: {' '.join(self.rng.choice(WORDS) for _ in range(5))}"
            text = f"{lead} case {n} goes ahead. {words}."
            head = f"<html><head><title>{html.escape(title)}</title></head>"
            body = f"<article><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></article>"
            page = f"{head}<body>{body}</body></html>"
            feed = self.rng.randrange(self.feeds)
            with self.lock:
                self.pages[f"/a/{n}.html"] = page.encode()
                self.stories[feed] = [*self.stories[feed], (n, title, time.time())][-30:]
                self.published += 1

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            if path.startswith("/feed/"):
                feed = int(path.removeprefix("/feed/").removesuffix(".xml"))
                items = "".join(
                    f"<item><title>{html.escape(title)}</title><link>{self.base}/a/{n}.html</link>"
                    f"<guid>{self.base}/a/{n}.html</guid>"
                    f"<pubDate>{format_datetime(datetime.fromtimestamp(when, UTC))}</pubDate></item>"
                    for n, title, when in reversed(self.stories[feed])
                )
                channel = f"<channel><title>Feed {feed}</title>{items}</channel>"
                body = f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'
                return 200, {"Content-Type": "application/rss+xml"}, body.encode()
            page = self.pages.get(path)
        if page is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page


def processes(root: int) -> dict[str, int]:
    """The process tree under `root` by role -> RSS in bytes."""
    children = children_by_parent()
    out: dict[str, int] = {}
    todo = [(root, "run")]
    while todo:
        pid, parent_role = todo.pop()
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        words = [c.decode(errors="replace") for c in cmd if c]
        if pid == root:
            name = "run"
        elif words and "redis-server" in words[0]:
            name = "redis-server"
        elif parent_role.startswith("worker-"):
            name = f"rq-scheduler-of-{parent_role}"  # the RQ scheduler a worker forks
        elif "worker" in words:
            name = f"worker-{sum(1 for k in out if k.startswith('worker-')) + 1}"
        elif "scheduler" in words:
            name = "scheduler"
        else:
            name = f"other-{pid}"
        vm_rss = [line for line in status.splitlines() if line.startswith("VmRSS:")]
        rss = int(vm_rss[0].split()[1]) * 1024 if vm_rss else 0
        out[name] = rss
        todo += [(c, name) for c in children.get(pid, [])]
    return out


def slope_pct_per_hour(points: list[tuple[float, float]]) -> float | None:
    """The least-squares slope of (minute, value), as % of the mean value an hour."""
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0 or my == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var  # per minute
    return round(slope * 60 / my * 100, 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--warmup", type=float, default=10)
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--per-minute", type=float, default=30)
    ap.add_argument("--fast-minutes", type=float, default=0, help="publish at --fast-per-minute first, "
                    "for this long, so that the workers' caches fill within the warm-up")  # fmt: skip
    ap.add_argument("--fast-per-minute", type=float, default=300)
    ap.add_argument("--window", default="10m", help="story_window and redis_margin (short: Redis settles)")
    ap.add_argument("--default-windows", action="store_true", help="the shipped story_window, redis_margin "
                    "and retry_schedule, under which Redis fills for days")  # fmt: skip
    args = ap.parse_args()

    room = Newsroom(args.feeds, args.fast_per_minute if args.fast_minutes else args.per_minute)
    server = serve(room.answer)
    room.base = f"http://127.0.0.1:{server.server_address[1]}"
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    receiver = WebhookReceiver(secret).start()
    tmp = Path(tempfile.mkdtemp(prefix="ww-soak-", dir="/tmp"))
    rules_text = (ROOT / "config" / "rules.yaml").read_text()
    (tmp / "rules.yaml").write_text(rules_text)
    config = {
        "data_dir": str(tmp / "var"), "allow_private_networks": True, "rules": "rules.yaml",
        "metrics_listen": "",
        # Redis holds what its windows bound: story_window (the story index, an alert's dedup),
        # redis_margin beyond it, and a delivery's whole retry schedule. Short ones here, so that
        # Redis reaches its steady size within the warm-up (at the defaults, after 3 days + a day,
        # and a delivery after its 3.5 days of retries); --default-windows keeps the defaults.
        "defaults": {
            "min_interval": "30s", "poll_interval": "30s", "poll_jitter": "5s",
            **({} if args.default_windows else {
                "story_window": args.window, "redis_margin": args.window,
                "retry_schedule": ["5s", "30s", "1m"],
            }),
        },
        "hosts": {"127.0.0.1": {"delay": "0s"}},
        "feeds": [{"url": f"{room.base}/feed/{i}.xml", "interval": "30s"} for i in range(args.feeds)],
        "sinks": [{"id": "hook", "type": "webhook", "url": receiver.url, "secret": secret}],
    }  # fmt: skip
    path = tmp / "wirewatch.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WIREWATCH_CONFIG")}
    log = (tmp / "run.log").open("wb")
    cmd = [
        sys.executable,
        "-m",
        "workers.cli",
        "-c",
        str(path),
        "--log-format",
        "json",
        "run",
        "--workers",
        "2",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    threading.Thread(target=room.run, daemon=True).start()
    samples: list[dict[str, Any]] = []
    reloads = 0
    started = time.monotonic()
    try:
        deadline = time.time() + 60
        while embedded_running_at(tmp / "var") is None:
            if time.time() > deadline:
                raise SystemExit("the embedded Redis never came up")
            time.sleep(0.5)
        redis = Redis.from_url(str(embedded_running_at(tmp / "var")))
        minute = 0
        while minute <= args.minutes:
            time.sleep(max(0.0, started + minute * 60 - time.monotonic()))
            if args.fast_minutes and minute == int(args.fast_minutes):
                room.every = 60.0 / args.per_minute  # the steady rate from now on
            if minute and minute % 10 == 0:  # a reload every ten minutes: the rules file changes
                reloads += 1
                extra = f"\n  - id: soak-{reloads}\n    title: Soak {reloads}\n    query: soak{reloads}\n"
                (tmp / "rules.yaml").write_text(rules_text.rstrip() + extra)
                subprocess.run([sys.executable, "-m", "workers.cli", "-c", str(path), "reload"], cwd=ROOT,
                               env=env, capture_output=True, timeout=120, check=True)  # fmt: skip
            info = redis.info("memory")
            kinds = Counter(":".join(k.decode().split(":")[:2]) for k in redis.scan_iter(count=1000))
            samples.append({
                "minute": minute, "rss": processes(proc.pid), "redis_used": int(info["used_memory"]),
                "keys": dict(kinds.most_common(8)), "published": room.published,
                "alerts": len(receiver.payloads),
            })  # fmt: skip
            print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
            minute += 1
    finally:
        room.stop.set()
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
        receiver.stop()
        server.shutdown()
    lines = (tmp / "run.log").read_text(errors="replace").splitlines()
    errors = [json.loads(line)["message"][:300] for line in lines
              if line.startswith("{") and '"level": "ERROR"' in line]  # fmt: skip
    after = [s for s in samples if s["minute"] >= args.warmup]
    names = sorted({n for s in after for n in s["rss"]})

    def series(name: str) -> list[tuple[float, float]]:
        return [(s["minute"], s["rss"][name]) for s in after if name in s["rss"]]

    rss = {
        n: {
            "start_mb": round(after[0]["rss"].get(n, 0) / 1e6, 1),
            "end_mb": round(after[-1]["rss"].get(n, 0) / 1e6, 1),
            "slope_pct_per_hour": slope_pct_per_hour(
                [(s["minute"], s["rss"][n]) for s in after if n in s["rss"]]
            ),
        }
        for n in names
    }
    redis_series = [(s["minute"], s["redis_used"]) for s in after]
    print(json.dumps({
        "bench": "soak", "minutes": args.minutes, "warmup": args.warmup, "feeds": args.feeds,
        "per_minute": args.per_minute, "default_windows": args.default_windows,
        "fast_minutes": args.fast_minutes, "fast_per_minute": args.fast_per_minute, "window": args.window,
        "published": samples[-1]["published"], "alerts": samples[-1]["alerts"], "reloads": reloads,
        "rss": rss,
        "redis_used_mb": {"start": round(after[0]["redis_used"] / 1e6, 2),
                          "end": round(after[-1]["redis_used"] / 1e6, 2),
                          "slope_pct_per_hour": slope_pct_per_hour(redis_series)},
        "redis_keys_end": samples[-1]["keys"], "errors": len(errors), "first_errors": errors[:5],
        "dir": str(tmp),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
