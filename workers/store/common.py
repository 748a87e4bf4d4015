"""What every store module shares: the key prefix and the reading of Redis's replies."""

from __future__ import annotations

from typing import Any

PREFIX = "ww:"


def to_float(value: Any) -> float | None:
    """A reply as a number (None: missing, empty or not a number)."""
    text = to_str(value)
    try:
        return float(text) if text else None
    except ValueError:
        return None


def to_str(value: Any) -> str | None:
    """A reply as text (None: missing)."""
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
