"""A reload never holds a job: the worker's reloader builds the new context (config, compiled
rules) beside the one in use while jobs go on with it, and the worker swaps it in between two
jobs; a config that does not load leaves the one in use serving."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path

import pytest
from redis import Redis
from rq.command import send_shutdown_command

from pipeline.rules import Document
from workers.context import WorkerContext
from workers.store import generation
from workers.worker import WirewatchWorker

from .helpers import ICC_ONLY, runtime, write_config

NOTES = "test:notes"  # what each job of the stream saw, in the order they ran
DOC = Document(title="Bulletin", text="The zebrafinch and the International Criminal Court")
STREAM_GAP = 0.02  # seconds between two jobs of the stream: a steady stream, not a flood


def note(ctx: WorkerContext, n: int) -> None:
    """A job of the stream: what the worker's rules make of the document, as an article job
    matches an article."""
    ctx.redis.rpush(NOTES, json.dumps([n, [hit.rule_id for hit in ctx.matcher.match(DOC)]]))


def notes(redis: Redis) -> list[tuple[int, list[str]]]:
    return [(n, ids) for n, ids in (json.loads(raw) for raw in redis.lrange(NOTES, 0, -1))]


def many_rules(tmp_path: Path, count: int) -> str:
    """A rules file of `count` rules, none of which matches DOC, and the marker rule, which does."""
    lines = ["rules:"]
    for n in range(count):
        lines += [f"  - id: r{n}", f'    query: "word{n} AND (other{n % 97} OR \\"some thing{n % 89}\\")"']
    lines += ["  - id: marker", "    query: zebrafinch"]
    (tmp_path / "rules.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    return "rules.yaml"


def stream(worker: WirewatchWorker, redis: Redis, tmp_path: Path, requested: list[int]) -> None:
    """Jobs at a steady pace. After the fifth, the reload to 100,000 rules is asked for
    (`requested` says after how many jobs); the stream ends five jobs after one ran with the new
    rules, and the worker once they have all run."""
    n = after_new = 0
    while after_new < 5:
        worker.context.queues.articles.enqueue(note, n)
        n += 1
        if n == 5:
            write_config(tmp_path, [], [], rules=many_rules(tmp_path, 100_000))
            redis.incr(generation.GENERATION_KEY)  # as `wirewatch reload` does
            requested.append(n)
        if any("marker" in ids for _, ids in notes(redis)):
            after_new += 1
        threading.Event().wait(STREAM_GAP)
    while len(notes(redis)) < n:
        threading.Event().wait(STREAM_GAP)
    send_shutdown_command(redis, worker.name)


@pytest.mark.timeout(900)
def test_a_reload_to_100000_rules_holds_no_job(tmp_path: Path, redis: Redis) -> None:
    worker = WirewatchWorker(runtime(write_config(tmp_path, [], [], rules=ICC_ONLY), redis))
    requested: list[int] = []
    feeder = threading.Thread(target=stream, args=(worker, redis, tmp_path, requested), daemon=True)
    interrupt = signal.getsignal(signal.SIGINT)
    feeder.start()
    try:
        worker.work(burst=False, logging_level="WARNING")  # until the stream's shutdown command
    finally:
        signal.signal(signal.SIGINT, interrupt)
    feeder.join()
    seen = notes(redis)
    assert [n for n, _ in seen] == list(range(len(seen)))  # every job ran, in order: none lost
    assert worker.context.queues.articles.failed_job_registry.count == 0
    old = [n for n, ids in seen if ids == ["icc"]]
    new = [n for n, ids in seen if ids == ["marker"]]
    assert old + new == [n for n, _ in seen]  # the old rules, then the new ones, never mixed
    assert len(new) >= 5 and len(worker.context.matcher) == 100_001
    # Jobs asked for after the reload ran on the old rules while the new ones were built: not
    # one waited for the build.
    assert len([n for n in old if n >= requested[0]]) >= 3
    worker.context.close()


def test_a_config_that_does_not_load_keeps_the_old_rules_serving(
    tmp_path: Path, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = write_config(tmp_path, [], [], rules=ICC_ONLY)
    worker = WirewatchWorker(runtime(cfg, redis))
    before = worker.context
    write_config(tmp_path, [], [], rules=[{"id": "marker", "query": "zebrafinch AND ("}])
    redis.incr(generation.GENERATION_KEY)
    assert not worker.reloader.poll()
    assert any(r.levelno == logging.ERROR and "does not load" in r.getMessage() for r in caplog.records)
    for n in range(3):
        worker.context.queues.articles.enqueue(note, n)
    worker.work(burst=True, logging_level="WARNING")
    assert worker.context is before
    assert notes(redis) == [(0, ["icc"]), (1, ["icc"]), (2, ["icc"])]
    worker.context.close()
