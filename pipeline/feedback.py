"""Feedback links: a token per alert that lets whoever holds it (the reader of a message) say
whether the alert was relevant, for that alert only and until it expires, without a login.

    token = base64url("<alert id>:<rule id>:<expires>") "." base64url(HMAC-SHA256(secret, that)[:16])

Signed with a secret of the system's own (`feedback_secret`, else one kept in Redis); nothing
else is reachable with it. `read_token` checks the signature before anything in it is believed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

_PART = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


class BadToken(ValueError):
    """A token that is malformed, forged or expired (the message says which)."""


@dataclass(frozen=True)
class Granted:
    """What a valid token allows: feedback on this alert (of this rule)."""

    alert_id: str
    rule_id: str
    expires: float


def make_token(secret: bytes, alert_id: str, rule_id: str, expires: float) -> str:
    body = f"{alert_id}:{rule_id}:{int(expires)}".encode()
    return f"{_b64(body)}.{_b64(_mac(secret, body))}"


def read_token(secret: bytes, token: str, now: float) -> Granted:
    body_text, _, mac_text = token.partition(".")
    if not (_PART.match(body_text) and _PART.match(mac_text)):
        raise BadToken("not a feedback token")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except ValueError as exc:
        raise BadToken("not a feedback token") from exc
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise BadToken("a feedback token not signed by this system")
    parts = body.decode("ascii", "replace").split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        raise BadToken("not a feedback token")
    alert_id, rule_id, expires = parts
    if float(expires) < now:
        raise BadToken("this feedback link has expired")
    return Granted(alert_id, rule_id, float(expires))


def _mac(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, body, hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
