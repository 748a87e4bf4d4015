"""A rule whose NEARs could make millions of ranges, run by a real worker process: it matches,
is named in a warning, and the worker's peak memory stays near that of a plain rule."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from pipeline.config import load_config
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.queueing import enqueue_poll
from workers.services import Services

from .helpers import ROOT, RSS, webhook_sink, write_config

COMMON = "(the OR a OR of OR and OR to OR in)"
TEXT = " ".join(("the a of and to in is was for on " * 300).split())  # 3,000 words


def run_worker(
    tmp: Path, redis: Redis, redis_url: str, site: LoopbackSite, whsec: str, rules: list[dict[str, Any]]
) -> tuple[int, str, list[dict[str, Any]]]:
    """Poll the feed with a `wirewatch worker --burst` process: its peak RSS in kB, its log, the
    alerts. Each run on a fresh installation: an empty Redis and a history store of its own."""
    redis.flushdb()
    receiver = WebhookReceiver(whsec).start()
    tmp = tmp / rules[0]["id"]
    tmp.mkdir()
    try:
        cfg = write_config(
            tmp, [f"{site.base_url}/words.xml"], [webhook_sink(receiver.url, whsec)], rules=rules
        )
        services = Services(load_config(cfg), redis)
        assert enqueue_poll(services, services.config.feeds) == 1
        env = {k: v for k, v in os.environ.items() if k not in ("WIREWATCH_CONFIG", "WIREWATCH_LOG_FORMAT")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "worker", "--burst", "-c", str(cfg)],
            cwd=ROOT, env={**env, "REDIS_URL": redis_url}, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert proc.stderr is not None
        log = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not the test run's
        proc.returncode = os.waitstatus_to_exitcode(status)
        assert proc.returncode == 0, log
        return usage.ru_maxrss, log, receiver.payloads
    finally:
        receiver.stop()


@pytest.mark.timeout(120)  # a guard only: before the bound, this rule ran out of memory
def test_a_rule_of_64_nested_nears_is_matched_in_bounded_memory_by_a_worker(
    tmp_path: Path, redis: Redis, redis_url: str, site: LoopbackSite, whsec: str
) -> None:
    link = f"{site.base_url}/gone/1"  # a 404: the feed's text is matched
    item = (
        f"<item><title>Words</title><link>{link}</link><guid>w</guid><description>{TEXT}</description></item>"
    )
    site.routes["/words.xml"] = (
        200,
        RSS,
        f'<rss version="2.0"><channel><title>W</title>{item}</channel></rss>'.encode(),
    )
    plain_rss, _, plain_alerts = run_worker(
        tmp_path, redis, redis_url, site, whsec, [{"id": "plain", "query": "the NEAR/5 was"}]
    )
    chain = " NEAR/1000 ".join([COMMON] * 65)
    chain_rss, log, alerts = run_worker(
        tmp_path, redis, redis_url, site, whsec, [{"id": "stopwords", "query": chain}]
    )
    assert [a["rule"]["id"] for a in plain_alerts] == ["plain"]
    assert [a["rule"]["id"] for a in alerts] == ["stopwords"]
    assert alerts[0]["matches"][0]["hits"]
    assert "Rule stopwords: its NEARs make more than 200,000 word ranges" in log
    assert link in log.split("Rule stopwords:")[1].splitlines()[0]
    assert chain_rss - plain_rss < 100_000, f"peak RSS {chain_rss} kB against {plain_rss} kB for a plain rule"
