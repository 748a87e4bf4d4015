"""Where alerts go: one small module per sink kind, all behind the `Sink` protocol.

A sink has one or more *targets* (a webhook: its URL; email: each recipient; Apprise: each URL).
`send(item, delivery_id, targets)` sends to the given targets (those that have not taken this
delivery yet) and either returns a short status ("HTTP 204", "250 to 2 recipients") or raises:
- DeliveryRetriable: may pass later (connection refused, timeouts, HTTP 5xx/408/409/425/429,
  SMTP 4xx);
- DeliveryPermanent: will not pass by retrying (other HTTP 4xx, redirects, SMTP 5xx, failed
  login, a blocked address); SinkGone for a 410.
Either error carries the targets that took it in this try (`delivered`), so the next try skips
them. The caller passes the same `delivery_id` on every try, and receivers see it as the
webhook-id or in the Message-ID, so they can drop repeats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, assert_never

from ..config.schema import AnySinkConfig, AppriseSinkConfig, EmailSinkConfig, WebhookSinkConfig
from ..fetch import Fetcher
from ..models import Alert, Digest, Notice
from .email import EmailSink
from .templates import SinkTemplates
from .webhook import WebhookSink

__all__ = ["Deliverable", "EmailSink", "Sink", "WebhookSink", "make_sink"]

Deliverable = Alert | Digest | Notice


class Sink(Protocol):
    id: str

    @property
    def targets(self) -> tuple[str, ...]: ...

    def send(self, item: Deliverable, delivery_id: str, targets: Sequence[str]) -> str: ...


def make_sink(cfg: AnySinkConfig, fetcher: Fetcher, templates: SinkTemplates | None = None) -> Sink:
    """The sink for one config entry, rendering with `templates` (see
    pipeline.config.sink_templates; default: the shipped ones). Webhooks post through the
    fetcher; Apprise sinks, which connect on their own, take its address guard's settings."""
    templates = templates or SinkTemplates()
    if isinstance(cfg, EmailSinkConfig):
        return EmailSink(cfg, templates=templates)
    if isinstance(cfg, WebhookSinkConfig):
        return WebhookSink(cfg, fetcher, templates=templates)
    if isinstance(cfg, AppriseSinkConfig):
        from .apprise import AppriseSink  # Apprise loads its plugins on import: only when used

        return AppriseSink(
            cfg, templates, allow_private_networks=fetcher.allow_private_networks, resolver=fetcher.resolver
        )
    assert_never(cfg)
