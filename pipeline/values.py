"""Value types of the configuration, below both the config's models (pipeline.config.schema) and each
sink kind's own (pipeline.sinks): durations and sizes as people write them, http(s) URLs and
sink ids checked, the strict base model that every config block derives from, and the two
blocks that a rule and a sink both carry (`digest:`, `templates:`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from .redact import display_url

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|mb|gb|kib|mib|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}


def parse_duration(value: Any) -> float:
    """'30s', '5m', '1h', '2d', '500ms' or a number of seconds -> seconds (float)."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 5m, 1h, 2d)")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {value!r}")
    return seconds


def parse_size(value: Any) -> int:
    """'10MB', '512KiB', '2000000' -> bytes."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int):
        size = value
    else:
        m = _SIZE.match(str(value))
        if not m:
            raise ValueError(f"not a size: {value!r} (use e.g. 512KB, 10MB)")
        size = int(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()]
    if size <= 0:
        raise ValueError(f"a size must be positive: {value!r}")
    return size


# An http(s) URL written plainly: a lowercase scheme, a host of letters, digits, dots and dashes
# (no user, no brackets, no percent escapes) and a port of digits. Most URLs are, and this reads
# them ten times faster than urlsplit, which reads the others: a feeds file of a million URLs
# reads each twice as it loads (validated here, then checked for a private host).
_PLAIN_URL = re.compile(r"https?://([A-Za-z0-9._~-]+)(?::([0-9]{1,5}))?(?:[/?#]|\Z)")


def plain_http_host(url: str) -> str | None:
    """The host of an http(s) URL written plainly, lowercase, as `urlsplit(url).hostname` gives
    it; None when it is not written plainly (urlsplit must read it)."""
    m = _PLAIN_URL.match(url)
    if m is None or (m.group(2) is not None and int(m.group(2)) > 65535):
        return None
    return m.group(1).lower()


def check_http_url(value: str) -> str:
    """An http(s) URL with a host and a valid port. Errors show it without credentials or query
    (see pipeline.redact): a webhook URL may carry a token."""
    if plain_http_host(value) is not None:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {display_url(value)!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {display_url(value)!r}")
    try:
        _ = parts.port
    except ValueError as exc:
        host = parts.hostname or ""
        raise ValueError(f"bad port in URL {parts.scheme}://{host}…") from exc
    return value


def empty_to_none(value: Any) -> Any:
    """An empty value (`key: ""`, or a ${VAR} set to nothing) as unset."""
    return None if value == "" else value


Duration = Annotated[float, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]
HttpUrl = Annotated[str, AfterValidator(check_http_url)]
SinkId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=64)]


class Strict(BaseModel):
    """Every config block: an unknown key is an error, and a loaded config is never changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def clock_time(value: str) -> str:
    """A time of day as HH:MM ("7:00" -> "07:00"); ValueError naming it otherwise."""
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not m:
        raise ValueError(f"not a time of day: {value!r} (use HH:MM, e.g. 08:00)")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def time_zone(value: str) -> str:
    """A time zone's name, checked; ValueError naming it otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use e.g. UTC, Europe/Berlin)") from None
    return value


ClockTime = Annotated[str, AfterValidator(clock_time)]
TimeZone = Annotated[str, AfterValidator(time_zone)]


class QuietHours(Strict):
    """A sink's quiet hours (see pipeline.digests.quiet_until): `{from: "22:00", to: "07:00",
    timezone: Europe/Berlin}`; the window may cross midnight."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: ClockTime = Field(alias="from")
    end: ClockTime = Field(alias="to")
    timezone: TimeZone = "UTC"

    @field_validator("end")
    @classmethod
    def _not_empty(cls, value: str, info: Any) -> str:
        if info.data.get("start") == value:
            raise ValueError(f"from and to are both {value}: a quiet window needs two times")
        return value


class SpikeConfig(Strict):
    """When a rule's stories come suddenly faster than usual (`spike:`; see pipeline.spikes)."""

    window: Duration = Field(default=3600.0, ge=300)  # the stories of the last window are counted
    baseline: Duration = Field(default=14 * 86400.0, ge=86400)  # against those of this long before
    factor: float = Field(default=3.0, gt=1)  # a spike: at least this many times the baseline
    min_stories: int = Field(default=5, ge=1)  # and at least this many stories
    cooldown: Duration = Field(default=6 * 3600.0, ge=60)  # one notice per rule per this long at most
    top: int = Field(default=5, ge=1, le=20)  # stories the notice lists, those most outlets carried


class DigestConfig(Strict):
    """Alerts grouped into one message, as Prometheus Alertmanager groups (see pipeline.digests)."""

    group_wait: Duration = 30.0  # a group's first message waits this long for a burst to gather
    group_interval: Duration = 300.0  # then at most one message per group per this long
    at: str | None = None  # or once a day at this time ("08:00"), in `timezone`
    timezone: str = "UTC"
    group_by: Literal["rule", "sink"] = "rule"  # a sink's digest: one group per rule, or one for all
    max_alerts: int = Field(default=50, ge=1, le=50)  # listed in one message; more wait for the next

    @field_validator("at")
    @classmethod
    def _clock_time(cls, value: str | None) -> str | None:
        return None if value is None else clock_time(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return time_zone(value)


class TemplatesConfig(Strict):
    """Message templates (see pipeline.sinks.templates): each inline Jinja2 text, or the path of
    a file relative to the config file; unset ones are the shipped defaults."""

    subject: str | None = None
    text: str | None = None
    html: str | None = None
    body: str | None = None
    digest_subject: str | None = None  # the same four for a digest
    digest_text: str | None = None
    digest_html: str | None = None
    digest_body: str | None = None

    def given(self) -> dict[str, str | None]:
        return self.model_dump()
