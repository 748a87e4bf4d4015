"""Who may see the status page and /metrics off loopback: the holder of `metrics_token`."""

from __future__ import annotations

import base64
import hmac


def authorized(header: str, token: str | None) -> bool:
    """Whether an Authorization header carries the token: as a Bearer token (Prometheus, curl)
    or as the password of basic auth, any user name (a browser's prompt, for the status page)."""
    if token is None:
        return True
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.encode(), token.encode())
