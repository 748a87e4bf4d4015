"""WebSub (W3C Recommendation, https://www.w3.org/TR/websub/) as a subscriber: the decisions, no
HTTP and no Redis. A feed that names a hub (`<link rel="hub">`, with `rel="self"` its topic) is
subscribed with a secret and a lease when `websub.callback_url` is set; the hub checks our intent
with a GET to the callback (`verify_intent`: echo its challenge only for what we asked); it then
POSTs new content, which counts only when its X-Hub-Signature verifies (`signature_ok`).

The callback of a feed is `callback_url` + "/" + the feed's id, so a request names its feed and
nothing else: its secret, kept in Redis per subscription, is the only key to it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Mode = Literal["subscribe", "unsubscribe"]
# The signature methods of WebSub 1.0 (section 8): sha1 for older hubs, and the SHA-2 family.
_METHODS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
SECRET_BYTES = 32  # the spec caps a secret at 200 bytes


@dataclass(frozen=True)
class Subscription:
    """What we asked of a hub for one feed, and what it granted: the record kept per feed."""

    hub: str
    topic: str
    secret: str
    mode: Mode  # the last request: subscribe (or renew), or unsubscribe
    verified: bool = False  # the hub checked our intent for `mode`
    expires: float | None = None  # when the lease ends (Unix time), once verified
    requested: float = 0.0  # when `mode` was asked


def callback_for(callback_url: str, feed_id: str) -> str:
    return f"{callback_url.rstrip('/')}/{feed_id}"


def new_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


def request_form(mode: Mode, sub: Subscription, callback: str, lease_seconds: int) -> dict[str, str]:
    """The form a subscriber POSTs to the hub (section 5.1)."""
    form = {"hub.mode": mode, "hub.topic": sub.topic, "hub.callback": callback}
    if mode == "subscribe":
        form |= {"hub.secret": sub.secret, "hub.lease_seconds": str(lease_seconds)}
    return form


@dataclass(frozen=True)
class Answer:
    """The callback's answer to a hub's GET, and the record after it (None: unchanged)."""

    status: int
    body: str
    record: Subscription | None = None
    forget: bool = False  # an unsubscription verified: the record goes


def verify_intent(
    query: Mapping[str, str], sub: Subscription | None, now: float, lease_default: int
) -> Answer:
    """A hub's verification of intent (section 5.3), or its report that it denied us (5.2):
    the challenge echoed only when the mode and topic are what we last asked for this feed."""
    mode, topic = query.get("hub.mode", ""), query.get("hub.topic", "")
    if mode == "denied":
        if sub is not None and topic == sub.topic:
            return Answer(200, "", forget=True)
        return Answer(404, "no such subscription")
    challenge = query.get("hub.challenge")
    if mode not in ("subscribe", "unsubscribe") or not challenge:
        return Answer(400, "hub.mode and hub.challenge are required")
    if sub is None or sub.mode != mode or sub.topic != topic:
        return Answer(404, f"not asked: {mode} of {topic}")
    if mode == "unsubscribe":
        return Answer(200, challenge, forget=True)
    lease = query.get("hub.lease_seconds", "")
    seconds = int(lease) if lease.isdigit() else lease_default
    granted = Subscription(sub.hub, sub.topic, sub.secret, "subscribe", True, now + seconds, sub.requested)
    return Answer(200, challenge, granted)


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature: method=hexdigest` is the HMAC of the body under the secret."""
    if not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    digest = _METHODS.get(method.lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def sign(secret: str, body: bytes, method: str = "sha256") -> str:
    """The X-Hub-Signature a hub sends (for hubs of tests and benches)."""
    return f"{method}={hmac.new(secret.encode(), body, _METHODS[method]).hexdigest()}"


def due_for_renewal(sub: Subscription, now: float, renew_before: float, retry_after: float) -> bool:
    """Whether to ask the hub again: a lease ending within `renew_before`, or a request the hub
    never verified, `retry_after` after it was made."""
    if sub.mode != "subscribe":
        return not sub.verified and now - sub.requested >= retry_after
    if not sub.verified:
        return now - sub.requested >= retry_after
    return sub.expires is not None and sub.expires - now <= renew_before
