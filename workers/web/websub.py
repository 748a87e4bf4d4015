"""The WebSub callback (pipeline.websub) on the web listener: `<callback path>/<feed id>`, open to
hubs without the metrics token (a hub cannot send it): a GET is a hub checking our intent,
answered from the subscription record; a POST is new content, read only when its
X-Hub-Signature verifies with that feed's secret (else refused and logged, and answered 202 as
the spec allows, so that nothing tells a forger why), capped at `websub.max_push_bytes`, and
handed to a job: the hub is answered at once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from redis import Redis
from rq import Queue

from pipeline.config import Config
from pipeline.models import iso_time
from pipeline.websub import signature_ok, verify_intent

from ..queueing import enqueue_push
from ..store import websub as websub_store

log = logging.getLogger("wirewatch.websub")

StartResponse = Callable[..., Any]


def callback_path(config: Config) -> str | None:
    """The path prefix the callbacks are under (None: WebSub is off)."""
    if config.websub is None:
        return None
    return urlsplit(config.websub.callback_url).path.rstrip("/") or ""


def answer(
    environ: dict[str, Any],
    start_response: StartResponse,
    config: Config,
    redis: Redis,
    queue: Queue,
    feed_id: str,
) -> Iterable[bytes]:
    assert config.websub is not None
    method = environ.get("REQUEST_METHOD", "GET")
    sub = websub_store.get(redis, feed_id) if feed_id else None
    if method == "GET":
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        got = verify_intent(query, sub, time.time(), int(config.websub.lease))
        if got.record is not None:
            websub_store.put(redis, feed_id, got.record)
            until = iso_time(got.record.expires or 0)
            log.info(
                "feed %s: WebSub subscription of %s verified, lease until %s",
                feed_id,
                got.record.topic,
                until,
            )
        elif got.forget:
            websub_store.forget(redis, feed_id)
            log.info(
                "feed %s: WebSub %s",
                feed_id,
                "unsubscription verified"
                if query.get("hub.mode") == "unsubscribe"
                else "subscription denied by the hub",
            )
        return _reply(start_response, got.status, got.body)
    if method != "POST":
        return _reply(start_response, 405, "GET or POST")
    length = environ.get("CONTENT_LENGTH") or ""
    cap = config.websub.max_push_bytes
    if not length.isdigit():
        return _reply(start_response, 411, "Content-Length is required")
    if int(length) > cap:
        log.warning(
            "feed %s: a WebSub push of %s bytes refused (websub.max_push_bytes %d)", feed_id, length, cap
        )
        return _reply(start_response, 413, "too large")
    body = environ["wsgi.input"].read(int(length))
    if sub is None or sub.mode != "subscribe":
        return _reply(start_response, 410, "not subscribed")
    if not signature_ok(sub.secret, body, environ.get("HTTP_X_HUB_SIGNATURE")):
        log.warning("feed %s: a WebSub push with a missing or wrong X-Hub-Signature: refused, nothing read",
                    feed_id)  # fmt: skip
        return _reply(start_response, 202, "")
    enqueue_push(queue, feed_id, body, environ.get("CONTENT_TYPE", ""))
    return _reply(start_response, 202, "")


def _reply(start_response: StartResponse, status: int, body: str) -> list[bytes]:
    reason = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
              410: "Gone", 411: "Length Required", 413: "Content Too Large"}[status]  # fmt: skip
    start_response(f"{status} {reason}", [("Content-Type", "text/plain; charset=utf-8")])
    return [body.encode("utf-8")]
