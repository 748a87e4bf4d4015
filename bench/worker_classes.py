"""Jobs per second for RQ's forking Worker vs the non-forking SimpleWorker, on a trivial job,
so the figure is RQ's own per-job overhead. One JSON line.

    python bench/worker_classes.py [--jobs 400]      (REDIS_URL, else an embedded Redis)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis
from rq import Queue, SimpleWorker, Worker
from rq.serializers import JSONSerializer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from workers.redis_embedded import EmbeddedRedis


def run(worker_cls: type[Worker] | type[SimpleWorker], redis: Redis, jobs: int) -> float:
    redis.flushdb()
    q = Queue("bench", connection=redis, serializer=JSONSerializer)
    for _ in range(jobs):
        q.enqueue_call("os.getpid", result_ttl=0)
    w = worker_cls([q], connection=redis, serializer=JSONSerializer)
    t = time.perf_counter()
    w.work(burst=True, logging_level="ERROR")
    return (time.perf_counter() - t) / jobs * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    url = os.environ.get("REDIS_URL")
    with tempfile.TemporaryDirectory(prefix="ww-bench-", dir="/tmp") as tmp:
        embedded = None if url else EmbeddedRedis(Path(tmp))
        redis = Redis.from_url(url or embedded.start())  # type: ignore[union-attr]
        try:
            fork = [run(Worker, redis, args.jobs) for _ in range(args.rounds)]
            simple = [run(SimpleWorker, redis, args.jobs) for _ in range(args.rounds)]
        finally:
            redis.flushdb()
            if embedded:
                embedded.stop()
    f, s = statistics.median(fork), statistics.median(simple)
    print(
        json.dumps(
            {
                "bench": "worker_classes",
                "jobs": args.jobs,
                "rounds": args.rounds,
                "redis": "REDIS_URL" if url else "embedded",
                "worker_ms_per_job": round(f, 3),
                "simpleworker_ms_per_job": round(s, 3),
                "worker_jobs_per_s": round(1000 / f, 1),
                "simpleworker_jobs_per_s": round(1000 / s, 1),
                "ratio": round(f / s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
