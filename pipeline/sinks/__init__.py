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

Each kind of sink is a module with its config model and its sink, listed once in
pipeline.sinks.registry (see pipeline.sinks.kind).
"""

from __future__ import annotations

from ..fetch import Fetcher
from .email import EmailSink
from .kind import Deliverable, Sink
from .registry import AnySinkConfig, kind_of
from .templates import SinkTemplates
from .webhook import WebhookSink

__all__ = ["Deliverable", "EmailSink", "Sink", "WebhookSink", "make_sink"]


def make_sink(cfg: AnySinkConfig, fetcher: Fetcher, templates: SinkTemplates | None = None) -> Sink:
    """The sink for one config entry, rendering with `templates` (see
    pipeline.config.sink_templates; default: the shipped ones), made as its kind makes it
    (pipeline.sinks.registry): webhooks post through the fetcher; Apprise sinks, which connect
    on their own, take its address guard's settings."""
    return kind_of(cfg).make(cfg, fetcher, templates or SinkTemplates())
