"""WebSub push against a hub of the test's own on loopback (W3C WebSub: subscribe with a secret
and a lease, the hub's verification of intent, signed content, renewal, unsubscription): pushed
entries alert as polled ones do, a wrong signature reads nothing, the feed is polled only at
max_interval while pushed to."""

from __future__ import annotations

import http.client
import logging
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from redis import Redis

from pipeline.config import load_config
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.demo.site import WebSubHub as Hub
from workers.jobs.websub import websub_upkeep
from workers.metrics import Metrics
from workers.store import feeds as feeds_store
from workers.store import websub as websub_store
from workers.web import registry_for, serve

from .helpers import drain, free_port, run_pass, runtime, wait_for, webhook_sink, write_config

ATOM = {"Content-Type": "application/atom+xml"}


def _atom(feed_url: str, hub: str, entries: list[tuple[str, str]]) -> bytes:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    items = "".join(
        f"<entry><id>urn:{key}</id><title>{title}</title><updated>{now}</updated>"
        f'<content type="text">{title}. {title}. The statement came on Monday.</content></entry>'
        for key, title in entries
    )
    return (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Pushed news</title>'
        f'<link rel="hub" href="{hub}"/><link rel="self" href="{feed_url}"/>'
        f"<updated>{now}</updated>{items}</feed>"
    ).encode()


@pytest.fixture
def hub() -> Iterator[Hub]:
    h = Hub()
    yield h
    h.stop()


def test_a_feed_that_names_a_hub_is_pushed_to_verified_by_signature_and_renewed_then_unsubscribed(
    tmp_path: Path, redis: Redis, site: LoopbackSite, hub: Hub, receiver: WebhookReceiver, whsec: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    feed_url = f"{site.base_url}/pushed.xml"
    site.routes["/pushed.xml"] = (200, ATOM, _atom(feed_url, hub.url, [("1", "Weather report")]))
    port = free_port()
    cfg_path = write_config(
        tmp_path, feeds=[feed_url], sinks=[webhook_sink(receiver.url, whsec)],
        rules=[{"id": "peskov", "query": "Peskov"}], metrics_listen=f"127.0.0.1:{port}",
    )  # fmt: skip
    text = cfg_path.read_text() + f"websub:\n  callback_url: http://127.0.0.1:{port}/hooks/websub\n"
    cfg_path.write_text(text)
    rt = runtime(cfg_path, redis)
    config = [rt.config]
    web = serve(f"127.0.0.1:{port}", registry_for(Metrics.create(), lambda: config[0], redis), redis,
                lambda: config[0], token=None, need_scheduler=False, need_workers=False)  # fmt: skip
    try:
        feed = rt.config.feeds[0]
        run_pass(rt)  # the poll finds the hub; the subscription is asked and verified
        wait_for(lambda: feed_url in hub.subscribers, 10, "the hub's verification of intent")
        [form] = hub.requests
        assert form["hub.callback"] == f"http://127.0.0.1:{port}/hooks/websub/{feed.id}"
        assert form["hub.lease_seconds"] == "864000" and len(form["hub.secret"]) == 64
        sub = websub_store.get(redis, feed.id)
        assert sub is not None and sub.verified and sub.expires is not None
        assert receiver.payloads == []

        # New content, pushed and signed: read as a poll's body, alerted within the job.
        pushed = _atom(feed_url, hub.url, [("2", "Peskov comments on the warrant"), ("1", "Weather report")])
        assert hub.publish(feed_url, pushed) == 202
        drain(rt)
        [alert] = receiver.payloads
        assert alert["article"]["title"] == "Peskov comments on the warrant"
        # The feed is now polled at max_interval only, as a safety net.
        run_pass(rt)
        assert redis.hget(feeds_store.feed_key(feed.id), "why") == b"websub"
        assert (
            redis.hget(feeds_store.feed_key(feed.id), "interval")
            == str(round(rt.config.defaults.max_interval)).encode()
        )

        # The same body polled (the site caught up) or pushed again: nothing alerts twice.
        site.routes["/pushed.xml"] = (200, ATOM, pushed)
        run_pass(rt)
        hub.publish(feed_url, pushed)
        drain(rt)
        assert len(receiver.payloads) == 1

        # A push with a wrong signature: refused, logged, nothing read.
        forged = _atom(feed_url, hub.url, [("3", "Peskov forged statement")])
        with caplog.at_level(logging.WARNING, logger="wirewatch.websub"):
            assert hub.publish(feed_url, forged, secret="not the secret") == 202
        drain(rt)
        assert len(receiver.payloads) == 1
        assert any("wrong X-Hub-Signature: refused" in r.getMessage() for r in caplog.records)

        # A lease near its end is renewed with the same secret.
        assert sub.expires is not None
        websub_store.put(redis, feed.id, sub.__class__(**{**sub.__dict__, "expires": time.time() + 60}))
        assert websub_upkeep(rt.services, time.time()) == 1
        drain(rt)
        wait_for(lambda: len(hub.verified) == 2, 10, "the renewal's verification")
        renewed = websub_store.get(redis, feed.id)
        assert renewed is not None and renewed.secret == sub.secret
        assert renewed.expires is not None and renewed.expires > time.time() + 86400

        # The feed leaves the config: unsubscribed, and the hub's check of that answered.
        cfg_path.write_text(text.replace(f"- url: {feed_url}\n", "").replace("feeds:\n", "feeds: []\n"))
        without = runtime(cfg_path, redis)
        config[0] = without.config
        assert websub_upkeep(without.services, time.time()) == 1
        drain(without)
        wait_for(lambda: feed_url not in hub.subscribers, 10, "the unsubscription's verification")
        assert hub.requests[-1]["hub.mode"] == "unsubscribe" and websub_store.get(redis, feed.id) is None
    finally:
        web.shutdown()
        web.server_close()


def test_the_callback_answers_only_what_was_asked(
    tmp_path: Path, redis: Redis, site: LoopbackSite, hub: Hub
) -> None:
    port = free_port()
    cfg_path = write_config(tmp_path, feeds=[], sinks=[], rules=[], metrics_listen=f"127.0.0.1:{port}")
    cfg_path.write_text(cfg_path.read_text() + f"websub:\n  callback_url: http://127.0.0.1:{port}/websub\n")
    config = load_config(cfg_path)
    web = serve(f"127.0.0.1:{port}", registry_for(None, lambda: config, redis), redis, lambda: config,
                token=None, need_scheduler=False, need_workers=False)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/websub/feed123"
        query = urlencode({"hub.mode": "subscribe", "hub.topic": "http://x/feed", "hub.challenge": "c"})
        assert _status(f"{base}?{query}") == 404  # never asked: no challenge echoed
        assert _status(base, data=b"<feed/>") == 410  # no subscription: content refused
        assert _declared(port, "/websub/feed123", 3_000_000) == 413  # over websub.max_push_bytes: unread
        assert _declared(port, "/readyz", 100_000) == 413  # any other path: 64 KB at most
    finally:
        web.shutdown()
        web.server_close()


def _declared(port: int, path: str, length: int) -> int:
    """The status of a POST that declares `length` bytes of body (and sends a few: the server must
    answer from the declaration, before reading)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Length", str(length))
        conn.endheaders(b"x" * 100)
        return conn.getresponse().status
    finally:
        conn.close()


def _status(url: str, data: bytes | None = None) -> int:
    headers: dict[str, Any] = {"Content-Type": "application/atom+xml"} if data is not None else {}
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers), timeout=10
        ) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return exc.code
