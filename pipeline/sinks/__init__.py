"""Where alerts go: one small module per sink kind, all behind the `Sink` protocol.

`send` either returns (delivered) or raises:
- DeliveryRetriable: may pass later (connection refused, timeouts, HTTP 5xx/408/409/425/429,
  SMTP 4xx);
- DeliveryPermanent: will not pass by retrying (other HTTP 4xx, redirects, SMTP 5xx, failed
  login, a blocked address).
The caller passes the same `delivery_id` (Alert.delivery_id(sink.id)) on every try, and receivers
see it as the webhook-id or in the Message-ID, so they can drop repeats.
"""

from __future__ import annotations

from typing import Protocol

from ..fetch import Fetcher
from ..models import Alert, Notice
from ..schema import EmailSinkConfig, WebhookSinkConfig
from .email import EmailSink
from .webhook import WebhookSink

__all__ = ["EmailSink", "Sink", "WebhookSink", "make_sink"]


class Sink(Protocol):
    id: str

    def send(self, alert: Alert, delivery_id: str) -> None: ...

    def send_notice(self, notice: Notice, delivery_id: str) -> None: ...


def make_sink(cfg: EmailSinkConfig | WebhookSinkConfig, fetcher: Fetcher) -> Sink:
    """The sink for one config entry (the fetcher is used by HTTP sinks for the address guard)."""
    if isinstance(cfg, EmailSinkConfig):
        return EmailSink(cfg)
    if isinstance(cfg, WebhookSinkConfig):
        return WebhookSink(cfg, fetcher)
    raise TypeError(f"unknown sink config: {type(cfg).__name__}")
