"""Reads at scale: a /metrics scrape and the status page at N feeds, over HTTP from the real web
app. One JSON line.

    python bench/reads.py [--feeds 100000] [--rules 1000] [--runs 5] [--redis-url URL] [--all-failing]

Redis is an embedded one of the bench's own (a unix socket), or the database --redis-url names
(it is flushed, before and after). It is filled as the code writes it: every feed's poll is
decided by `pipeline.polling.decide_poll` and saved by the store (`feeds.save_decision`, and
`schedule.set_due` or `retire_feed`), as the poll job does, after the scheduler's
`sync_schedule` put every feed in the schedule. Of every 1,000 feeds, 2 were never polled, 2 are
retired (410), 5 unhealthy (5 to 9 failures in a row), 10 backing off (1 to 4) and the rest ok
(304); --all-failing: every polled feed failed once (backing off), the worst case for the
health index, which reads the feeds that are not ok. A tenth of the rules matched today
(`alerts.count_matches`).

    scrape_s           GET /metrics: the median of --runs scrapes, in seconds
    status_page_s      GET /: the status page, the same way
    scrape_bytes       the size of a scrape
    status_page_bytes  the size of the page
    sync_s             the scheduler's sync of the schedule with the config, once filled (at
                       its start and at each reload; not a target)
    fill_s             how long filling took (not a target)
    redis_bytes_per_feed  Redis used_memory / feeds after the fill
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipeline.config import Config, FeedConfig, load_config  # noqa: E402
from pipeline.polling import NotModified, PollFailed, PollOutcome, PollPolicy, PollState, decide_poll  # noqa: E402
from workers.metrics import Metrics  # noqa: E402
from workers.redis_embedded import EmbeddedRedis  # noqa: E402
from workers.store import alerts, feeds, schedule  # noqa: E402
from workers.web import registry_for, serve  # noqa: E402

CHUNK = 1_000  # feeds written per pipeline, as a poll job writes a batch


def health_of(n: int, all_failing: bool) -> tuple[str, int]:
    """What feed n's polls left: (kind, failures in a row)."""
    k = n % 1_000
    if all_failing:
        return ("not polled", 0) if k < 2 else ("backing off", 1)
    if k < 2:
        return "not polled", 0
    if k < 4:
        return "retired", 1
    if k < 9:
        return "unhealthy", 5 + k % 5
    if k < 19:
        return "backing off", 1 + k % 4
    return "ok", 0


def outcome_for(kind: str) -> PollOutcome:
    if kind == "retired":
        return PollFailed("HTTP 410 Gone", retriable=False, gone=True, http_status=410)
    if kind in ("unhealthy", "backing off"):
        return PollFailed("HTTP 500 Internal Server Error", retriable=True, http_status=500)
    return NotModified()


def sync(cfg: Config, redis: Redis) -> None:
    """The scheduler's sync, as `FeedScheduler` makes it (every feed's interval, nothing to
    bring forward)."""
    intervals = {f.id: cfg.interval_for(f) for f in cfg.feeds}
    schedule.sync_schedule(
        redis, list(intervals), lambda fid, why: (intervals[fid], None), time.time(), cfg.defaults.poll_jitter
    )


def fill(cfg: Config, redis: Redis, rng: random.Random, all_failing: bool) -> None:
    now = time.time()
    sync(cfg, redis)
    for start in range(0, len(cfg.feeds), CHUNK):
        with redis.pipeline(transaction=False) as pipe:
            for n, feed in enumerate(cfg.feeds[start : start + CHUNK], start):
                kind, failures = health_of(n, all_failing)
                if kind != "not polled":
                    save(pipe, cfg, feed, kind, failures, now, rng)
            pipe.execute()
    matched = [r.id for i, r in enumerate(cfg.rules) if i % 10 == 0]
    for i in range(len(matched)):  # rule k of them matched k + 1 times today
        alerts.count_matches(redis, matched[i:], now)


def save(pipe: object, cfg: Config, feed: FeedConfig, kind: str, failures: int, now: float,
         rng: random.Random) -> None:  # fmt: skip
    past = PollState(errors=max(0, failures - 1))
    decision = decide_poll(
        feed, past, outcome_for(kind), [], policy=PollPolicy.of(cfg, feed), due_at=now, now=now, rng=rng,
        max_entry_age=cfg.max_entry_age_for(feed), unhealthy_after=cfg.defaults.unhealthy_after,
    )  # fmt: skip
    feeds.save_decision(pipe, feed.id, decision)  # type: ignore[arg-type]
    if decision.plan.due is None:
        schedule.retire_feed(pipe, feed.id)  # type: ignore[arg-type]
    else:
        schedule.set_due(pipe, feed.id, decision.plan.due)  # type: ignore[arg-type]


def timed_get(url: str, runs: int) -> tuple[float, int]:
    """The median seconds of `runs` GETs of url (after one to warm up), and the body's size."""
    times, size = [], 0
    for i in range(runs + 1):
        t = time.perf_counter()
        with urllib.request.urlopen(url, timeout=600) as resp:
            body = resp.read()
            if resp.status != 200:
                raise SystemExit(f"{url}: HTTP {resp.status}")
        if i:
            times.append(time.perf_counter() - t)
        size = len(body)
    return statistics.median(times), size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=100_000)
    ap.add_argument("--rules", type=int, default=1_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--redis-url", help="a database of its own: it is flushed (default: an embedded Redis)")
    ap.add_argument("--all-failing", action="store_true", help="every polled feed backing off")
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="ww-bench-", dir="/tmp") as tmp:
        path = Path(tmp) / "wirewatch.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "data_dir": str(Path(tmp) / "var"),
                    "feeds": [
                        {"url": f"https://site{n % 5000}.example/feed/{n}.xml"} for n in range(args.feeds)
                    ],
                    "rules": [
                        {"id": f"rule-{n}", "query": f"word{n} OR thing{n}"} for n in range(args.rules)
                    ],
                    "sinks": [],
                }
            ),
            "utf-8",
        )
        cfg = load_config(path)
        embedded = None if args.redis_url else EmbeddedRedis(Path(tmp) / "redis")
        redis = Redis.from_url(args.redis_url or embedded.start())  # type: ignore[union-attr]
        server = None
        try:
            redis.flushdb()
            t = time.perf_counter()
            fill(cfg, redis, rng, args.all_failing)
            fill_s = time.perf_counter() - t
            t = time.perf_counter()
            sync(cfg, redis)
            sync_s = time.perf_counter() - t
            used = int(redis.info("memory")["used_memory"])
            server = serve("127.0.0.1:0", registry_for(Metrics.create(), lambda: cfg, redis), redis,
                           lambda: cfg, token=None, need_scheduler=False, need_workers=False)  # fmt: skip
            base = f"http://127.0.0.1:{server.server_port}"
            scrape_s, scrape_bytes = timed_get(f"{base}/metrics", args.runs)
            page_s, page_bytes = timed_get(f"{base}/", args.runs)
        finally:
            if server is not None:
                server.shutdown()
                server.server_close()
            redis.flushdb()
            if embedded:
                embedded.stop()
    print(
        json.dumps(
            {
                "bench": "reads",
                "feeds": args.feeds,
                "rules": args.rules,
                "runs": args.runs,
                "redis": "--redis-url" if args.redis_url else "embedded (unix socket)",
                "all_failing": args.all_failing,
                "scrape_s": round(scrape_s, 3),
                "status_page_s": round(page_s, 3),
                "scrape_bytes": scrape_bytes,
                "status_page_bytes": page_bytes,
                "sync_s": round(sync_s, 2),
                "fill_s": round(fill_s, 1),
                "redis_bytes_per_feed": round(used / args.feeds),
            }
        )
    )


if __name__ == "__main__":
    main()
