"""Secrets kept out of what we print and log: one place that turns a URL into its display form.

A webhook URL may carry a token in its query or credentials in its authority, and a Redis URL
a password; neither may reach a terminal, a log line or an error message.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_KEYS = frozenset(
    {"secret", "password", "sentinel_password", "username", "token", "api_key", "feedback_secret"}
)  # config keys never echoed


def display_url(url: str) -> str:
    """The URL for messages and logs: no credentials and no query (either may hold a token)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = parts.port
    except ValueError:
        return "<unparseable url>"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "…" if parts.query else "", ""))


def display_redis_url(url: str) -> str:
    """A Redis URL with its password (and user) replaced by ***, and so is a password in its
    query (a sentinel's); the rest (hosts, service, db, socket path) stays, because that is what
    a person needs to see."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    netloc = f"***@{parts.netloc.rsplit('@', 1)[1]}" if "@" in parts.netloc else parts.netloc
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, "***" if "password" in k.lower() else v) for k, v in pairs], safe="*")
    # Written out, not urlunsplit: that drops the "//" of a URL with no host (unix:///path)
    return f"{parts.scheme}://{netloc}{parts.path}{'?' + query if query else ''}"
