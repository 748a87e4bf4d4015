"""The scheduler at a million feeds: its start, its sync and its ticks, on a Redis filled with the
schedule of N feeds (no HTTP: nothing polls, the poll jobs pile up in the feeds queue). One JSON line.

    python bench/scheduler.py [--feeds 1000000] [--hosts 5000] [--rules 0] [--ticks 15] [--ticks-only]
                               [--redis-url URL]

The config is written as a user would write it: a feeds file of N feeds (`- url: ...`, spread
over --hosts hosts, default 5,000, all due every minute: `poll_interval: 1m`), and a rules file
of --rules rules. At the default `host_delay` (1 s) a host has 60 slots a minute: with 200 feeds
a host (the default), most feeds claimed are put back until their host's slot nears and
claimed again; `--hosts 50000` (20 a host) leaves every host room.
Redis is an embedded one of the bench's own (a unix socket), so that SLOWLOG and used_memory are
the bench's alone, or the database --redis-url names (flushed before and after; SLOWLOG is then
the server's, shared with whatever else uses it).

With --rules, `wirewatch check` loads the config first, as `wirewatch run` does before it
starts the scheduler (check_s: how long it took). The start is `wirewatch scheduler` itself (its
click command, in a process of its own), timed from the moment the bench spawns it to the end of
its first tick, twice:

    cold_*   on an empty Redis: every feed is new to the schedule
    warm_*   a restart: Redis holds the schedule and every feed's hash as its polls left them
             (2 of every 1,000 feeds never polled, 2 retired, the rest answered), every feed due
             in the minute from the spawn on, as if the scheduler had been away a moment

    *_leading_s    spawn to first tick done (the target: at most 60 s at 1,000,000 feeds)
    *_leading_cpu_s  the CPU seconds of the scheduler process until then (*_sync_cpu_s: of its
                   sync), and *_redis_cpu_s Redis's meanwhile: on a shared machine the wall
                   times grow with what the other processes take, these do not
    *_sync_s       the sync of the schedule with the config
    *_first_tick_s the first tick (it claims whatever fell due during the start)
    *_first_claimed  feeds that first tick handed to poll jobs
    *_rss_mb       the scheduler's resident memory once leading; *_peak_rss_mb its peak
    *_parsed_queries  rule queries the scheduler process parsed; *_matchers  Matchers it built

Then --ticks seconds of ticks, in this process (`FeedScheduler.tick`, every `scheduler.TICK`
as APScheduler runs it: tick_s):

    busy_*   every feed due in the minute from the first tick on: N/60 feeds fall due a second
    idle_*   every feed due in the 6 hours from the first tick on: a few dozen a second
    (--ticks-only: these alone, Redis filled by the scheduler's sync instead of its starts)

    *_claim_ms     per tick, the time spent claiming due feeds (`schedule.claim_due`, every call
                   of the tick): median, p95, max
    *_claim_cpu_ms the scheduler's CPU in those claims, *_claim_redis_ms Redis's time in their
                   scripts (INFO commandstats): what the claims cost on an idle machine
    *_enqueue_ms   per tick, the time spent making poll jobs of them (`enqueue_poll_batches`),
                   and *_enqueue_cpu_ms the scheduler's CPU in it
    *_tick_ms      per tick, the whole tick (median, max)
    *_claimed      feeds claimed per tick (median)

    slowest_command_ms  the longest single Redis command the scheduler ran (SLOWLOG; a Lua
                        script is one command), per phase: nothing else runs on Redis meanwhile
    redis_bytes_per_feed  used_memory / N once the schedule, the hashes and the index are in
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 1_000  # feeds the bench writes per pipeline
SLOW_US = 1_000  # SLOWLOG keeps every command of 1 ms or more


def feed_url(n: int, hosts: int) -> str:
    return f"https://site{n % hosts}.example/feed/{n}.xml"


def write_config(directory: Path, feeds: int, rules: int, hosts: int) -> Path:
    with open(directory / "feeds.yaml", "w", encoding="utf-8") as out:
        for n in range(feeds):
            out.write(f"- url: {feed_url(n, hosts)}\n")
    with open(directory / "rules.yaml", "w", encoding="utf-8") as out:
        out.write("rules:\n" if rules else "rules: []\n")
        for n in range(rules):
            out.write(f"  - id: rule-{n}\n    query: '\"word{n} thing\" OR (a{n} AND b{n}) NOT c{n}'\n")
    (directory / "var").mkdir()  # data_dir, as a deployment that ran before has it
    path = directory / "wirewatch.yaml"
    path.write_text(
        f"data_dir: {directory / 'var'}\nfeeds: feeds.yaml\nrules: rules.yaml\nsinks: []\n"
        "metrics_listen: ''\ndefaults:\n  poll_interval: 1m\n  min_interval: 1m\n",
        "utf-8",
    )
    return path


# --- the scheduler process ------------------------------------------------------------------


def child(config: str, spawned: float) -> None:
    """`wirewatch -c CONFIG scheduler`, stopped after its first tick; prints its figures."""
    from pipeline.rules import matcher
    from workers import scheduler
    from workers.cli import cli
    from workers.store import schedule

    imported = time.time()
    marks: dict[str, Any] = {"parsed_queries": 0, "matchers": 0}

    def count(name: str, module: Any) -> None:
        original = getattr(module, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            marks[name] = marks.get(name, 0) + 1
            return original(*args, **kwargs)

        setattr(module, name, counted)

    import pipeline.config.validation as validation

    if hasattr(validation, "parse_query"):
        original_parse = validation.parse_query

        def parse(*args: Any, **kwargs: Any) -> Any:
            marks["parsed_queries"] += 1
            return original_parse(*args, **kwargs)

        validation.parse_query = parse  # type: ignore[assignment]
    original_init = matcher.Matcher.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        marks["matchers"] += 1
        original_init(self, *args, **kwargs)

    matcher.Matcher.__init__ = init  # type: ignore[method-assign]
    original_sync, original_tick = scheduler.FeedScheduler.sync, scheduler.FeedScheduler.tick
    original_claim = schedule.claim_due

    def sync(self: scheduler.FeedScheduler) -> None:
        marks.setdefault("sync_start", time.time())
        marks.setdefault("sync_start_cpu", time.process_time())
        original_sync(self)
        marks.setdefault("sync_end", time.time())
        marks.setdefault("sync_end_cpu", time.process_time())

    def tick(self: scheduler.FeedScheduler) -> int:
        start = time.time()
        claimed = original_tick(self)
        marks.update(tick_start=start, tick_end=time.time(), first_claimed=claimed, cpu=time.process_time())
        marks["rss_mb"] = _rss_mb()
        self.stop()
        return claimed

    def claim(*args: Any, **kwargs: Any) -> Any:
        marks.setdefault("first_claim", time.time())
        return original_claim(*args, **kwargs)

    scheduler.FeedScheduler.sync = sync  # type: ignore[method-assign]
    scheduler.FeedScheduler.tick = tick  # type: ignore[method-assign]
    schedule.claim_due = claim
    try:
        cli.main(["-c", config, "scheduler"], standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
    marks["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    marks.update(spawned=spawned, imported=imported)
    print(json.dumps(marks))


def _rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def redis_cpu(redis: Redis) -> float:
    info = redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def start_scheduler(config: Path, url: str) -> dict[str, Any]:
    env = {**os.environ, "REDIS_URL": url, "PYTHONPATH": str(ROOT)}
    redis_before = redis_cpu(Redis.from_url(url))
    spawned = time.time()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(config), "--spawned", repr(spawned)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"the scheduler failed:\n{done.stderr[-4000:]}")
    marks: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        # CPU seconds (the scheduler's and Redis's): what the start costs on an idle machine,
        # whatever the other processes of a shared one take meanwhile
        "leading_cpu_s": round(marks["cpu"], 1),
        "sync_cpu_s": round(marks["sync_end_cpu"] - marks["sync_start_cpu"], 1),
        "redis_cpu_s": round(redis_cpu(Redis.from_url(url)) - redis_before, 1),
        "leading_s": round(marks["tick_end"] - spawned, 1),
        "import_s": round(marks["imported"] - spawned, 1),
        "until_sync_s": round(marks["sync_start"] - spawned, 1),
        "sync_s": round(marks["sync_end"] - marks["sync_start"], 1),
        "first_tick_s": round(marks["tick_end"] - marks["tick_start"], 2),
        "first_claimed": marks["first_claimed"],
        "rss_mb": marks["rss_mb"],
        "peak_rss_mb": marks["peak_rss_mb"],
        "parsed_queries": marks["parsed_queries"],
        "matchers": marks["matchers"],
    }


# --- filling Redis as polls leave it -----------------------------------------------------------


def fill_states(cfg: Any, redis: Redis) -> None:
    """Every feed's hash and place in the health index as its last poll left them (the hash of a
    poll decided by `decide_poll`, written by `save_decision`): 2 of every 1,000 never polled,
    2 retired (410, out of the schedule), the rest answered 304."""
    from pipeline.polling import NotModified, PollFailed, PollPolicy, PollState, decide_poll
    from workers.store import feeds, schedule

    now, rng = time.time(), random.Random(7)

    def decided(outcome: Any) -> Any:
        feed = cfg.feeds[0]
        return decide_poll(
            feed, PollState(), outcome, [], policy=PollPolicy.of(cfg, feed), due_at=now, now=now, rng=rng,
            max_entry_age=cfg.max_entry_age_for(feed), unhealthy_after=cfg.defaults.unhealthy_after,
        )  # fmt: skip

    ok, gone = decided(NotModified()), decided(PollFailed("HTTP 410 Gone", retriable=False, gone=True))
    for start in range(0, len(cfg.feeds), CHUNK):
        with redis.pipeline(transaction=False) as pipe:
            for n, feed in enumerate(cfg.feeds[start : start + CHUNK], start):
                k = n % 1000
                if k < 2:
                    continue
                decision = ok if k >= 4 else gone
                feeds.save_decision(pipe, feed.id, decision)
                if k < 4:
                    schedule.retire_feed(pipe, feed.id)
            pipe.execute()


def spread_due(redis: Redis, ids: list[str], start: float, over: float) -> None:
    """Every one of these feeds due at a random time in [start, start + over)."""
    from workers.store.schedule import DUE_KEY

    rng = random.Random(11)
    for first in range(0, len(ids), CHUNK):
        part = ids[first : first + CHUNK]
        redis.zadd(DUE_KEY, {fid: start + rng.uniform(0, over) for fid in part}, xx=True)


def due_from_now_on(redis: Redis, ids: list[str], over: float) -> None:
    """Every feed due at a random time in the `over` seconds from the return on: written once
    far ahead to time the writing, then again to start when this returns (none overdue)."""
    t = time.perf_counter()
    spread_due(redis, ids, time.time() + 86400, over)
    start = time.time() + 1.5 * (time.perf_counter() - t) + 2
    spread_due(redis, ids, start, over)
    time.sleep(max(0.0, start - time.time()))


# --- the ticks -------------------------------------------------------------------------------


class Timed:
    """Wraps a function, adding up the time of its calls."""

    def __init__(self, module: Any, name: str) -> None:
        self.module, self.name = module, name
        self.original: Callable[..., Any] = getattr(module, name)
        self.seconds, self.longest, self.calls, self.cpu = 0.0, 0.0, 0, 0.0

        def timed(*args: Any, **kwargs: Any) -> Any:
            t, c = time.perf_counter(), time.process_time()
            try:
                return self.original(*args, **kwargs)
            finally:
                took = time.perf_counter() - t
                self.cpu += time.process_time() - c
                self.seconds += took
                self.longest = max(self.longest, took)
                self.calls += 1

        setattr(module, name, timed)

    def take(self) -> tuple[float, float, int, float]:
        out = (self.seconds, self.longest, self.calls, self.cpu)
        self.seconds, self.longest, self.calls, self.cpu = 0.0, 0.0, 0, 0.0
        return out


def eval_usec(redis: Redis) -> int:
    """Redis's own time in EVAL so far (the claims' script; RQ's scripts go by EVALSHA)."""
    return int(redis.info("commandstats").get("cmdstat_eval", {}).get("usec", 0))


def ticks(scheduler: Any, claim: Timed, enqueue: Timed, seconds: float, every: float) -> dict[str, float]:
    claim_ms, claim_cpu_ms, claim_redis_ms, tick_ms, claimed = [], [], [], [], []
    enqueue_ms, enqueue_cpu_ms = [], []
    longest_claim = 0.0
    redis = scheduler.services.redis
    next_at = time.time()
    for _ in range(max(1, round(seconds / every))):
        time.sleep(max(0.0, next_at - time.time()))
        next_at += every
        claim.take(), enqueue.take()
        in_redis = eval_usec(redis)
        t = time.perf_counter()
        claimed.append(scheduler.tick())
        tick_ms.append((time.perf_counter() - t) * 1000)
        claim_redis_ms.append((eval_usec(redis) - in_redis) / 1000)
        seconds, longest, _calls, cpu = claim.take()
        claim_ms.append(seconds * 1000)
        claim_cpu_ms.append(cpu * 1000)
        longest_claim = max(longest_claim, longest * 1000)
        seconds, _longest, _calls, cpu = enqueue.take()
        enqueue_ms.append(seconds * 1000)
        enqueue_cpu_ms.append(cpu * 1000)
    return {
        "claim_ms": _spread(claim_ms),
        "claim_cpu_ms": _spread(claim_cpu_ms),
        "claim_redis_ms": _spread(claim_redis_ms),
        "longest_claim_call_ms": round(longest_claim, 1),
        "enqueue_ms": _spread(enqueue_ms),
        "enqueue_cpu_ms": _spread(enqueue_cpu_ms),
        "tick_ms": _spread(tick_ms),
        "claimed": statistics.median(claimed),
    }


def _spread(values: list[float]) -> Any:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return [round(statistics.median(ordered), 1), round(p95, 1), round(ordered[-1], 1)]


def slowest(redis: Redis) -> list[Any]:
    """The longest command SLOWLOG holds (ms, its name), and SLOWLOG emptied for the next phase."""
    entries = redis.slowlog_get(10_000)
    redis.slowlog_reset()
    if not entries:
        return [0, None]
    worst = max(entries, key=lambda e: e["duration"])
    command = worst["command"]
    name = (command.decode() if isinstance(command, bytes) else str(command)).split(" ")[0]
    return [round(worst["duration"] / 1000, 1), name]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=1_000_000)
    ap.add_argument("--rules", type=int, default=0)
    ap.add_argument("--hosts", type=int, default=5000, help="hosts the feeds are spread over")
    ap.add_argument("--ticks", type=float, default=15, help="seconds of ticks per phase (0: the start only)")
    ap.add_argument(
        "--ticks-only", action="store_true", help="no start: Redis filled by the sync, then ticks"
    )
    ap.add_argument("--redis-url", help="a database of its own: it is flushed (default: an embedded Redis)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--spawned", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.spawned)
        return

    from pipeline.config import Config, FeedConfig
    from workers import scheduler as scheduler_module
    from workers.redis_embedded import EmbeddedRedis
    from workers.services import Services
    from workers.store import schedule

    out: dict[str, Any] = {
        "bench": "scheduler",
        "feeds": args.feeds,
        "hosts": args.hosts,
        "rules": args.rules,
    }
    with tempfile.TemporaryDirectory(prefix="ww-bench-", dir="/tmp") as tmp:
        config = write_config(Path(tmp), args.feeds, args.rules, args.hosts)
        embedded = None if args.redis_url else EmbeddedRedis(Path(tmp) / "redis")
        url = args.redis_url or embedded.start()  # type: ignore[union-attr]
        redis = Redis.from_url(url)
        out["redis"] = "--redis-url" if args.redis_url else "embedded (unix socket)"
        try:
            redis.flushdb()
            if embedded:
                redis.config_set("slowlog-log-slower-than", SLOW_US)
                redis.config_set("slowlog-max-len", 10_000)
            redis.slowlog_reset()
            if args.rules:  # as `wirewatch run` does before it starts the scheduler
                t = time.perf_counter()
                wirewatch = [sys.executable, "-m", "workers.cli", "-c", str(config), "check"]
                subprocess.run(
                    wirewatch, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True
                )
                out["check_s"] = round(time.perf_counter() - t, 1)
            if not args.ticks_only:
                for key, value in start_scheduler(config, url).items():
                    out[f"cold_{key}"] = value
                out["cold_slowest_command_ms"] = slowest(redis)
                print(json.dumps(out), file=sys.stderr, flush=True)  # so far

            urls = [feed_url(n, args.hosts) for n in range(args.feeds)]
            cfg = Config(
                feeds=[FeedConfig(url=u) for u in urls], defaults={"poll_interval": 60, "min_interval": 60}
            )
            ids = [f.id for f in cfg.feeds]
            services = Services(cfg, redis)
            if args.ticks_only:  # the schedule as the scheduler's start syncs it
                scheduler_module.FeedScheduler(services).sync()
            fill_states(cfg, redis)
            services.queues.feeds.empty()
            out["redis_bytes_per_feed"] = round(int(redis.info("memory")["used_memory"]) / args.feeds)
            if not args.ticks_only:
                redis.slowlog_reset()
                spread_due(redis, ids, time.time(), 60.0)
                for key, value in start_scheduler(config, url).items():
                    out[f"warm_{key}"] = value
                out["warm_slowest_command_ms"] = slowest(redis)
                print(json.dumps(out), file=sys.stderr, flush=True)

            if args.ticks:
                sched = scheduler_module.FeedScheduler(services)
                sched.lock.acquire()  # its claims are fenced by the leader's lock
                claim = Timed(schedule, "claim_due")
                enqueue = Timed(scheduler_module, "enqueue_poll_batches")
                for phase, over in (("busy", 60.0), ("idle", 6 * 3600.0)):
                    services.queues.feeds.empty()
                    due_from_now_on(redis, ids, over)
                    redis.slowlog_reset()
                    every = getattr(scheduler_module, "TICK", 1.0)
                    out["tick_s"] = every
                    for key, value in ticks(sched, claim, enqueue, args.ticks, every).items():
                        out[f"{phase}_{key}"] = value
                    out[f"{phase}_slowest_command_ms"] = slowest(redis)
        finally:
            print(json.dumps(out), flush=True)  # before the clean-up: a million keys take a while
            if embedded:
                embedded.stop()
            else:
                redis.flushdb(asynchronous=True)


if __name__ == "__main__":
    main()
