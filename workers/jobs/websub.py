"""The WebSub jobs (queue feeds; pipeline.websub has the protocol's decisions):

- `websub_request`: ask a feed's hub to subscribe (or renew) or unsubscribe it. The record is
  saved before the request goes out, since a hub may check our intent (a GET to the callback,
  answered by the web app) before it answers. A hub that refuses or cannot be reached is asked
  again by the scheduler's upkeep (`websub_upkeep`) RETRY_AFTER later; polling goes on meanwhile.
- `websub_push`: a body a hub pushed, its signature verified by the web app, read as a poll's
  body: the same kind's parser, seen check, article work and dedup (workers.jobs.polls).
"""

from __future__ import annotations

import base64
import logging
import time
from urllib.parse import urlencode

import httpx

from pipeline.errors import FetchPermanent, FetchRetriable, NotAFeedError
from pipeline.feeds import Body
from pipeline.polling import FeedEntries, Validators
from pipeline.sources import SOURCE_KINDS
from pipeline.websub import Mode, Subscription, callback_for, due_for_renewal, new_secret, request_form

from ..context import WorkerContext
from ..queueing import enqueue_websub_request
from ..services import Services
from ..store import websub as websub_store
from .polls import handle_pushed

log = logging.getLogger("wirewatch.jobs")

RETRY_AFTER = 600.0  # seconds: a request the hub did not verify is asked again after this


def websub_request(ctx: WorkerContext, feed_id: str, mode: str, hub: str = "", topic: str = "") -> str:
    """Ask the hub; returns what was done, for the job's result."""
    cfg = ctx.config.websub
    if cfg is None:
        return "websub is off"
    known = websub_store.get(ctx.redis, feed_id)
    asked: Mode = "unsubscribe" if mode == "unsubscribe" else "subscribe"
    now = time.time()
    if asked == "unsubscribe":
        if known is None:
            return "no subscription"
        sub = Subscription(known.hub, known.topic, known.secret, "unsubscribe", False, known.expires, now)
    else:
        if not hub and known is not None:  # a renewal
            hub, topic = known.hub, known.topic
        if not hub or not topic:
            return "no hub"
        same = known is not None and (known.hub, known.topic) == (hub, topic) and known.mode == "subscribe"
        # A renewal keeps the secret (pushes signed with it still count) and the lease it has.
        secret = known.secret if same and known is not None else new_secret()
        verified, expires = (known.verified, known.expires) if same and known is not None else (False, None)
        sub = Subscription(hub, topic, secret, "subscribe", verified, expires, now)
    websub_store.put(ctx.redis, feed_id, sub)
    callback = callback_for(cfg.callback_url, feed_id)
    form = request_form(asked, sub, callback, int(cfg.lease))
    try:
        reply = ctx.fetcher.post(
            sub.hub, content=urlencode(form).encode(), timeout=ctx.config.defaults.fetch_timeout,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
    except (httpx.HTTPError, FetchRetriable, FetchPermanent) as exc:
        log.warning("feed %s: WebSub %s of %s at hub %s failed, asked again later: %s",
                    feed_id, asked, sub.topic, sub.hub, exc)  # fmt: skip
        return "hub unreachable"
    if reply.status_code not in (202, 204):
        log.warning("feed %s: WebSub hub %s answered %s to the %s of %s: asked again later",
                    feed_id, sub.hub, reply.status_code, asked, sub.topic)  # fmt: skip
        return f"hub answered {reply.status_code}"
    log.info("feed %s: WebSub %s of %s asked of hub %s", feed_id, asked, sub.topic, sub.hub)
    return "asked"


def websub_push(ctx: WorkerContext, feed_id: str, body_b64: str, content_type: str = "") -> dict[str, int]:
    """A pushed body, read as the feed's poll would read it."""
    feed = ctx.services.feeds.get(feed_id)
    if feed is None:
        log.info("feed %s: a WebSub push for a feed no longer configured: dropped", feed_id)
        return {"new": 0}
    content = base64.b64decode(body_b64)
    kind = SOURCE_KINDS[feed.type]
    try:
        parsed = kind.read(Body(content, feed.url, content_type), feed, _NoMore())
    except (NotAFeedError, FetchRetriable, FetchPermanent) as exc:
        log.warning("feed %s %s: a WebSub push that is no feed: %s", feed_id, feed.url, exc)
        return {"new": 0}
    # The feed's validators stay as its last poll left them (handle_pushed): a push has none.
    outcome = FeedEntries(parsed.entries, validators=Validators(), warning=parsed.warning, hub=parsed.hub,
                          topic=parsed.topic)  # fmt: skip
    return handle_pushed(ctx, feed, outcome)


class _NoMore:
    """A pushed body is read alone: nothing more is fetched for it."""

    since = None

    def __call__(self, url: str) -> Body:
        raise FetchPermanent(f"{url}: not fetched for a pushed body")


def websub_upkeep(services: Services, now: float) -> int:
    """The scheduler's care of the subscriptions (each housekeeping round): leases renewed before
    they end, requests the hub never verified asked again, and feeds that left the config
    unsubscribed. Returns how many requests were queued."""
    cfg = services.config.websub
    if cfg is None:
        return 0
    ids = websub_store.feed_ids(services.redis)
    queued = 0
    for feed_id, sub in zip(ids, websub_store.get_many(services.redis, ids), strict=True):
        if sub is None:
            websub_store.forget(services.redis, feed_id)
        elif feed_id not in services.feeds:
            if sub.mode == "subscribe" or due_for_renewal(sub, now, cfg.renew_before, RETRY_AFTER):
                queued += enqueue_websub_request(services, feed_id, "unsubscribe")
        elif sub.mode == "unsubscribe":  # back in the config after it left: subscribed again
            queued += enqueue_websub_request(services, feed_id, "subscribe", sub.hub, sub.topic)
        elif due_for_renewal(sub, now, cfg.renew_before, RETRY_AFTER):
            queued += enqueue_websub_request(services, feed_id, "subscribe")
    return queued
