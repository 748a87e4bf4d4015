"""What the jobs share."""

from __future__ import annotations


def without_url(url: str, reason: object) -> str:
    """An error's text without the URL it starts with (the log line names it already)."""
    return str(reason).removeprefix(f"{url}: ")
