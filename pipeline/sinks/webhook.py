"""Webhook sink: a versioned JSON body POSTed and signed per the Standard Webhooks spec.

Headers: `webhook-id` (the delivery id, the same on every retry, so receivers can drop repeats),
`webhook-timestamp` (fresh per try, Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of id.timestamp.body>`). Redirects are never followed.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Literal

import httpx
from pydantic import Field, ValidationInfo, field_validator
from standardwebhooks.webhooks import Webhook

from ..errors import (
    BlockedAddressError,
    DeliveryPermanent,
    DeliveryRetriable,
    FetchPermanent,
    FetchRetriable,
    SinkGone,
)
from ..fetch import PRIVATE_REFUSED, Fetcher, names_private_host, retry_after_seconds
from ..models import Alert, Digest, Notice
from ..plaintext import one_line
from ..redact import display_url
from ..values import Duration, HttpUrl
from ..yamlsource import KeyPath
from .kind import SinkBase, SinkKind
from .payload import encode_body, encode_notice
from .templates import SinkTemplates, TemplateProblem

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "wirewatch-webhook/1"
# 4xx that may pass by themselves; every other 4xx (and any 3xx: we never follow) is permanent.
RETRIABLE_4XX = frozenset({408, 409, 425, 429})
TARGET = "url"  # a webhook sink's one target


def check_webhook_secret(value: str) -> str:
    """A Standard Webhooks signing secret: `whsec_` and at least 16 bytes in base64."""
    if not value.startswith("whsec_"):
        raise ValueError("webhook secret must look like whsec_<base64> (Standard Webhooks)")
    try:
        raw = base64.b64decode(value[len("whsec_") :], validate=True)
    except ValueError as exc:
        raise ValueError("webhook secret: the part after whsec_ is not valid base64") from exc
    if len(raw) < 16:
        raise ValueError("webhook secret is too short: use at least 16 random bytes (24 recommended)")
    return value


class WebhookSinkConfig(SinkBase):
    type: Literal["webhook"]
    url: HttpUrl
    secret: str = Field(default="", validate_default=True)
    timeout: Duration = 15.0

    @field_validator("secret")
    @classmethod
    def _secret_when_enabled(cls, value: str, info: ValidationInfo) -> str:
        # A field validator (not a model validator) so the error is located at `secret`.
        # `enabled` is declared first; it is absent from info.data when it failed validation.
        if info.data.get("enabled", False):
            check_webhook_secret(value)
        return value


class WebhookSink:
    """POST an alert to one receiver; raise DeliveryRetriable or DeliveryPermanent on failure."""

    def __init__(
        self,
        cfg: WebhookSinkConfig,
        fetcher: Fetcher,
        *,
        clock: Callable[[], float] = time.time,
        templates: SinkTemplates | None = None,
    ) -> None:
        self.cfg = cfg
        self.templates = templates or SinkTemplates()
        self.id = cfg.id
        self.fetcher = fetcher
        self._clock = clock
        # A disabled sink may have no secret; it is only an error when we are asked to send.
        self._signer = Webhook(cfg.secret) if cfg.secret else None
        self._user_agent = fetcher.client.headers.get("user-agent") or DEFAULT_USER_AGENT
        self._where = f"webhook sink {cfg.id!r} ({display_url(cfg.url)})"

    def headers(self, delivery_id: str, body: bytes) -> dict[str, str]:
        """The headers of one try: a fresh timestamp, the same id on every try."""
        if self._signer is None:
            raise DeliveryPermanent(f"{self._where}: no signing secret configured")
        ts = int(self._clock())
        signature = self._signer.sign(delivery_id, datetime.fromtimestamp(ts, tz=UTC), body.decode("utf-8"))
        return {
            "content-type": "application/json",
            "user-agent": self._user_agent,
            "webhook-id": delivery_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": signature,
        }

    @property
    def targets(self) -> tuple[str, ...]:
        return (TARGET,)

    def send(
        self, item: Alert | Digest | Notice, delivery_id: str, targets: Sequence[str] = (TARGET,)
    ) -> str:
        if not targets:
            return "nothing to send"
        if isinstance(item, Notice):
            return self._post(encode_notice(item), delivery_id)
        own = self.templates.for_item(item)
        if isinstance(item, Alert) and not own.has_body(item):
            return self._post(encode_body(item), delivery_id)  # the default, as bytes: see encode_body
        try:
            body = own.body_of(item).encode("utf-8", "replace")
        except TemplateProblem as exc:
            raise DeliveryPermanent(f"{self._where}: {exc}") from exc
        return self._post(body, delivery_id)

    def _post(self, body: bytes, delivery_id: str) -> str:
        headers = self.headers(delivery_id, body)
        try:
            resp = self.fetcher.post(self.cfg.url, content=body, headers=headers, timeout=self.cfg.timeout)
        except BlockedAddressError as exc:
            raise DeliveryPermanent(f"{self._where}: address refused: {self._redact(exc)}") from exc
        except FetchPermanent as exc:
            raise DeliveryPermanent(f"{self._where}: {self._redact(exc)}") from exc
        except FetchRetriable as exc:  # e.g. the host does not resolve (yet)
            raise DeliveryRetriable(f"{self._where}: {self._redact(exc)}") from exc
        except httpx.UnsupportedProtocol as exc:
            raise DeliveryPermanent(f"{self._where}: {type(exc).__name__}: {self._redact(exc)}") from exc
        except httpx.HTTPError as exc:  # connect/read/write timeouts, refused, reset, bad response
            raise DeliveryRetriable(f"{self._where}: {type(exc).__name__}: {self._redact(exc)}") from exc
        _check_status(self._where, resp)
        log.debug("%s: delivered %s (HTTP %d)", self._where, delivery_id, resp.status_code)
        return f"HTTP {resp.status_code}"

    def _redact(self, exc: Exception) -> str:
        """The error's text without the configured URL's credentials or query."""
        return str(exc).replace(self.cfg.url, display_url(self.cfg.url))


def _check_status(where: str, resp: httpx.Response) -> None:
    code = resp.status_code
    if 200 <= code < 300:
        return
    reason = f"{where}: HTTP {code} {one_line(resp.reason_phrase)[:100]}".rstrip()
    if code >= 500 or code in RETRIABLE_4XX:
        header = resp.headers.get("retry-after")
        wait = retry_after_seconds(header, time.time())
        if header:
            reason += f" (Retry-After: {header[:64]!r})"
        raise DeliveryRetriable(reason, retry_after=wait)
    if code == 410:
        raise SinkGone(f"{reason}: the receiver is gone; the sink is disabled (wirewatch sinks enable)")
    if 300 <= code < 400:
        raise DeliveryPermanent(f"{reason}: redirects are not followed; configure the final URL")
    raise DeliveryPermanent(reason)


def _make(cfg: WebhookSinkConfig, fetcher: Fetcher, templates: SinkTemplates) -> WebhookSink:
    return WebhookSink(cfg, fetcher, templates=templates)


def _where(cfg: WebhookSinkConfig) -> str:
    return display_url(cfg.url)


def _warnings(cfg: WebhookSinkConfig, allow_private_networks: bool) -> Iterator[tuple[KeyPath, str]]:
    """The URL on a loopback or private address, which the fetcher's guard will refuse."""
    if not allow_private_networks and names_private_host(cfg.url):
        yield ("url",), f"{display_url(cfg.url)} {PRIVATE_REFUSED}"


KIND = SinkKind(WebhookSinkConfig, make=_make, where=_where, warnings=_warnings)
