"""Building configs and driving the real pipeline (WorkerContext, WirewatchWorker) in tests."""

from __future__ import annotations

import contextlib
import random
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller
from redis import Redis

from pipeline.config import Config, FeedConfig, load_config
from pipeline.polling import PollOutcome, PollPolicy, PollState, decide_poll
from workers.context import WorkerContext
from workers.queueing import enqueue_poll
from workers.services import Services
from workers.store import feeds as feeds_store
from workers.store import schedule as schedule_store
from workers.worker import WirewatchWorker

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "config" / "rules.yaml"
ICC_ONLY = [{"id": "icc", "title": "ICC", "query": '"International Criminal Court"'}]
RSS = {"Content-Type": "application/rss+xml"}


def write_config(
    tmp: Path,
    feeds: Sequence[str | dict[str, Any]],
    sinks: list[dict[str, Any]],
    rules: str | list[dict[str, Any]] = str(RULES),
    history_url: str | None = None,  # None: the history store is a SQLite file under data_dir
    **defaults: Any,
) -> Path:
    cfg: dict[str, Any] = {
        "data_dir": str(tmp / "var"),
        "allow_private_networks": True,
        "metrics_listen": defaults.pop("metrics_listen", ""),  # off, but for the tests of metrics
        # host_delay 0: every loopback server is 127.0.0.1; the delay's own test sets one
        # retry_schedule of zero waits: a test that means a wait moves the clock
        "defaults": {  # a default given as None is left out: the shipped one applies
            k: v
            for k, v in {
                "poll_jitter": "0s",
                "retry_backoff": "0s",
                "host_delay": "0s",
                "retry_schedule": ["0s", "0s", "0s"],
                **defaults,
            }.items()
            if v is not None
        },
        "feeds": [{"url": f} if isinstance(f, str) else f for f in feeds],
        "rules": rules,
        "sinks": sinks,
    }
    if history_url is not None:
        cfg["history_url"] = history_url
    path = tmp / "wirewatch.yaml"
    path.write_text(yaml.safe_dump(cfg), "utf-8")
    return path


def webhook_sink(url: str, secret: str, sink_id: str = "hooks") -> dict[str, Any]:
    return {"id": sink_id, "type": "webhook", "url": url, "secret": secret}


def email_sink(port: int, sink_id: str = "desk") -> dict[str, Any]:
    return {
        "id": sink_id,
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "from": "wirewatch@test.invalid",
        "to": ["desk@test.invalid"],
        "timeout": "5s",
    }


def runtime(config_path: Path, redis: Redis) -> WorkerContext:
    """A worker's context for this config (its HTTP client and threads end with the test run)."""
    return WorkerContext.build(Services(load_config(config_path), redis))


def run_pass(
    ctx: WorkerContext, with_scheduler: bool = False, feeds: Sequence[FeedConfig] | None = None
) -> None:
    """Make every feed (or these) due now, poll them and work the queues empty, as the real
    workers do."""
    feeds = ctx.config.feeds if feeds is None else feeds
    with ctx.redis.pipeline() as pipe:
        for feed in feeds:
            pipe.zadd(schedule_store.DUE_KEY, {feed.id: 0})
        pipe.execute()
    enqueue_poll(ctx.services, feeds)
    drain(ctx, with_scheduler)


def save_polls(redis: Redis, cfg: Config, outcomes: Sequence[tuple[FeedConfig, PollOutcome, int]]) -> None:
    """Save what these polls (feed, what it answered, failures in a row before) decided, as the
    poll job saves it, without fetching: for many feeds at once."""
    now = time.time()
    with redis.pipeline(transaction=False) as pipe:
        for feed, outcome, errors in outcomes:
            decision = decide_poll(
                feed, PollState(errors=errors), outcome, [], policy=PollPolicy.of(cfg, feed), due_at=now,
                now=now, rng=random.Random(1), max_entry_age=cfg.max_entry_age_for(feed),
                unhealthy_after=cfg.defaults.unhealthy_after,
            )  # fmt: skip
            feeds_store.save_decision(pipe, feed.id, decision)
            if decision.plan.due is None:
                schedule_store.retire_feed(pipe, feed.id)
            else:
                schedule_store.set_due(pipe, feed.id, decision.plan.due)
        pipe.execute()


def drain(ctx: WorkerContext, with_scheduler: bool = False) -> None:
    worker = WirewatchWorker(ctx)
    worker.work(burst=True, logging_level="WARNING", with_scheduler=with_scheduler)


class Arrivals:
    """A route of LoopbackSite answering 200 with an RSS `body`, noting when each request came
    (`times`, time.time())."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.times: list[float] = []

    def __call__(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        self.times.append(time.time())
        return 200, RSS, self.body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"


@contextmanager
def smtp_server(port: int = 0) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def alert_keys(payloads: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((Path(str(p["article"]["url"])).stem, str(p["rule"]["id"])) for p in payloads)


def expected_keys() -> list[tuple[str, str]]:
    data = yaml.safe_load((ROOT / "seeds" / "expected.yaml").read_text("utf-8"))
    return sorted((Path(name).stem, rule) for name, rules in data["alerts"].items() for rule in rules)


def wait_for(cond: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until cond() holds; a time-out fails the test naming what never happened."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """SIGTERM, as a service manager stops it; SIGKILL when it has not ended within `timeout`."""
    proc.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
