"""The WebSub callback (pipeline.websub) on the web listener: `<callback path>/<feed id>`, open to
hubs without the metrics token (a hub cannot send it): a GET is a hub checking our intent,
answered from the subscription record; a POST is new content, read only when its
X-Hub-Signature verifies with that feed's secret (else refused and logged, and answered 202 as
the spec allows, so that nothing tells a forger why), capped at `websub.max_push_bytes`, and
handed to a job: the hub is answered at once."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from redis import Redis
from rq import Queue

from pipeline.config import Config
from pipeline.models import iso_time
from pipeline.websub import signature_ok, verify_intent

from ..queueing import enqueue_push
from ..store import websub as websub_store

log = logging.getLogger("wirewatch.websub")


def callback_path(config: Config) -> str | None:
    """The path prefix the callbacks are under (None: WebSub is off)."""
    if config.websub is None:
        return None
    return urlsplit(config.websub.callback_url).path.rstrip("/") or ""


@dataclass(frozen=True)
class Reply:
    status: int
    body: str = ""


def verify(config: Config, redis: Redis, feed_id: str, query: Mapping[str, str]) -> Reply:
    """A hub's GET: its verification of intent (or its report that it denied us)."""
    assert config.websub is not None
    sub = websub_store.get(redis, feed_id) if feed_id else None
    got = verify_intent(query, sub, time.time(), int(config.websub.lease))
    if got.record is not None:
        websub_store.put(redis, feed_id, got.record)
        until = iso_time(got.record.expires or 0)
        log.info(
            "feed %s: WebSub subscription of %s verified, lease until %s", feed_id, got.record.topic, until
        )
    elif got.forget:
        websub_store.forget(redis, feed_id)
        what = (
            "unsubscription verified"
            if query.get("hub.mode") == "unsubscribe"
            else "subscription denied by the hub"
        )
        log.info("feed %s: WebSub %s", feed_id, what)
    return Reply(got.status, got.body)


def receive(
    redis: Redis, queue: Queue, feed_id: str, body: bytes, signature: str | None, content_type: str
) -> Reply:
    """A hub's POST of new content (its size checked already): read only when its signature
    verifies with the feed's secret."""
    sub = websub_store.get(redis, feed_id) if feed_id else None
    if sub is None or sub.mode != "subscribe":
        return Reply(410, "not subscribed")
    if not signature_ok(sub.secret, body, signature):
        log.warning("feed %s: a WebSub push with a missing or wrong X-Hub-Signature: refused, nothing read",
                    feed_id)  # fmt: skip
        return Reply(202)
    enqueue_push(queue, feed_id, body, content_type)
    return Reply(202)


def too_large(feed_id: str, size: int, cap: int) -> Reply:
    log.warning(
        "feed %s: a WebSub push of %d bytes or more refused (websub.max_push_bytes %d)", feed_id, size, cap
    )
    return Reply(413, "too large")
