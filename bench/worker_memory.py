"""A worker's memory over many stories, in one process: does it grow with the stories it
handles, and if it does, is it a leak or caches filling up to their bounds? One JSON line.

    python bench/worker_memory.py [--stories 12000] [--warmup 1000] [--profile] [--reload-every N]

bench/soak.py's newsroom publishes (the same texts: a third name the ICC and alert the shipped
`icc` rule) over 20 feeds, in rounds of 60 stories; each round is polled and worked by one
WirewatchWorker of this process (burst) against an embedded Redis of its own, alerting a webhook
receiver. The newsroom keeps its last 300 pages and the receiver forgets each round what it got,
so that only the worker's memory can grow. The soak's hour is 1,800 stories; this goes through
many hours' worth in minutes.

--reload-every N: every N stories the rules file changes (a rule more, as the soak's reloads)
and the worker takes the new config generation between jobs, as `wirewatch reload` makes it.

Plain: the RSS after each round, noted every 1,000 stories, and its slope over the second half
(MB per 1,000 stories). --profile: tracemalloc from the warm-up on (slower); at the end, the
memory allocated since and still held, what of it the functools caches held (each cleared, then
measured again), and the allocation sites of what is left.
"""

from __future__ import annotations

import argparse
import base64
import functools
import gc
import json
import secrets
import sys
import tempfile
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loopback import serve  # noqa: E402
from bench.soak import Newsroom, slope_pct_per_hour  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from workers.context import WorkerContext  # noqa: E402
from workers.demo.site import WebhookReceiver  # noqa: E402
from workers.queueing import enqueue_poll  # noqa: E402
from workers.redis_embedded import EmbeddedRedis  # noqa: E402
from workers.reload import request_reload  # noqa: E402
from workers.services import Services, connect  # noqa: E402
from workers.worker import WirewatchWorker  # noqa: E402

ROUND = 60  # stories published, polled and worked at a time
PAGES_KEPT = 300


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _name(cache: object) -> str:
    return f"{getattr(cache, '__module__', '?')}.{getattr(cache, '__qualname__', '?')}"


def publish(room: Newsroom, count: int) -> None:
    """`count` stories at once: the newsroom's own loop, its wait answered at once."""

    class Now(threading.Event):
        def __init__(self) -> None:
            super().__init__()
            self.left = count

        def wait(self, timeout: float | None = None) -> bool:
            self.left -= 1
            return self.left < 0

    room.stop = Now()
    room.run()
    with room.lock:
        for path in [
            p for p in room.pages if int(p.rsplit("/", 1)[1].split(".")[0]) < room.published - PAGES_KEPT
        ]:
            del room.pages[path]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stories", type=int, default=12_000)
    ap.add_argument("--warmup", type=int, default=1_000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--reload-every", type=int, default=0, help="stories between two reloads (0: none)")
    ap.add_argument(
        "--reload-thread", action="store_true",
        help="the worker's reloader thread builds each new context while it works, as in a running worker",
    )  # fmt: skip
    args = ap.parse_args()

    room = Newsroom(20, 60.0)
    server = serve(room.answer)
    room.base = f"http://127.0.0.1:{server.server_address[1]}"
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    receiver = WebhookReceiver(secret).start()
    tmp = Path(tempfile.mkdtemp(prefix="ww-memory-", dir="/tmp"))
    (tmp / "rules.yaml").write_text((ROOT / "config" / "rules.yaml").read_text())
    config = {
        "data_dir": str(tmp / "var"), "allow_private_networks": True, "rules": "rules.yaml",
        "metrics_listen": "", "hosts": {"127.0.0.1": {"delay": "0s"}},
        "defaults": {"min_interval": "1s", "poll_interval": "1s", "story_window": "10m"},
        "feeds": [{"url": f"{room.base}/feed/{i}.xml", "interval": "1s"} for i in range(20)],
        "sinks": [{"id": "hook", "type": "webhook", "url": receiver.url, "secret": secret}],
    }  # fmt: skip
    (tmp / "wirewatch.yaml").write_text(yaml.safe_dump(config))
    series: list[tuple[int, float]] = []
    profile: dict[str, Any] = {}
    with EmbeddedRedis(tmp / "redis") as url:
        ctx = WorkerContext.build(Services(load_config(tmp / "wirewatch.yaml"), connect(url)))
        worker = WirewatchWorker(ctx)
        alerts = 0
        traced_at = 0
        reloads, reloaded_at = 0, 0
        rules_text = (tmp / "rules.yaml").read_text()
        while room.published < args.stories:
            if args.reload_every and room.published - reloaded_at >= args.reload_every:
                reloads, reloaded_at = reloads + 1, room.published
                extra = f"\n  - id: soak-{reloads}\n    title: Soak {reloads}\n    query: soak{reloads}\n"
                (tmp / "rules.yaml").write_text(rules_text.rstrip() + extra)
                request_reload(ctx.redis, tmp / "wirewatch.yaml", "bench")
                if not args.reload_thread:  # else the worker's reloader takes it up within the round
                    worker.reloader.poll()
                    worker.reload_if_changed()
            publish(room, ROUND)
            enqueue_poll(worker.context.services, worker.context.config.feeds)
            worker.work(burst=True, logging_level="WARNING")
            alerts += len(receiver.payloads)
            receiver.payloads.clear()
            receiver.attempt_ids.clear()
            if args.profile and not tracemalloc.is_tracing() and room.published >= args.warmup:
                gc.collect()
                tracemalloc.start(6)
                traced_at = tracemalloc.get_traced_memory()[0]
                before = tracemalloc.take_snapshot()
            if not series or room.published - series[-1][0] >= 1000:
                series.append((room.published, round(rss_mb(), 1)))
        series.append((room.published, round(rss_mb(), 1)))
        if args.profile:
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - traced_at
            caches = [o for o in gc.get_objects() if isinstance(o, functools._lru_cache_wrapper)]
            biggest = sorted(((c.cache_info().currsize, _name(c)) for c in caches),
                             reverse=True)[:6]  # fmt: skip
            for c in caches:
                c.cache_clear()
            gc.collect()
            left = tracemalloc.get_traced_memory()[0] - traced_at
            sites = tracemalloc.take_snapshot().compare_to(before, "traceback")[:6]
            profile = {
                "held_since_warmup_mb": round(held / 1e6, 2),
                "held_without_functools_caches_mb": round(left / 1e6, 2),
                "biggest_caches": biggest,
                "sites_left": [
                    {"kib": s.size_diff // 1024, "blocks": s.count_diff,
                     "at": [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in s.traceback][-3:]}
                    for s in sites
                ],
            }  # fmt: skip
        worker.context.close()
    receiver.stop()
    server.shutdown()
    half = [(n / 1000, mb) for n, mb in series if n >= args.stories / 2]
    slope_per_1000 = slope_pct_per_hour([(n * 60, mb) for n, mb in half])  # % of the mean per 1,000
    print(json.dumps({
        "bench": "worker_memory", "stories": room.published, "alerts": alerts, "warmup": args.warmup,
        "reload_every": args.reload_every, "reload_thread": args.reload_thread,
        "rss_mb": series, "second_half_slope_pct_per_1000_stories": slope_per_1000,
        **({"profile": profile} if profile else {}),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
