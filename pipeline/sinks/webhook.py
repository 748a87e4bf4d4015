"""Webhook sink: a versioned JSON body POSTed and signed per the Standard Webhooks spec.

Headers: `webhook-id` (the delivery id, the same on every retry, so receivers can drop repeats),
`webhook-timestamp` (fresh per try, Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of id.timestamp.body>`). Redirects are never followed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from ..config.schema import WebhookSinkConfig
from ..errors import (
    BlockedAddressError,
    DeliveryPermanent,
    DeliveryRetriable,
    FetchPermanent,
    FetchRetriable,
    SinkGone,
)
from ..fetch import Fetcher, retry_after_seconds
from ..models import Alert, Digest, Notice
from ..redact import display_url
from .render import one_line
from .templates import SinkTemplates, TemplateProblem

log = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
DEFAULT_USER_AGENT = "wirewatch-webhook/1"
# 4xx that may pass by themselves; every other 4xx (and any 3xx: we never follow) is permanent.
RETRIABLE_4XX = frozenset({408, 409, 425, 429})
TARGET = "url"  # a webhook sink's one target


def payload(alert: Alert) -> dict[str, Any]:
    """The JSON body of one alert (version 1)."""
    art = alert.article
    return {
        "version": PAYLOAD_VERSION,
        "type": "alert",
        "alert_id": alert.alert_id,
        "rule": {"id": alert.rule_id, "title": alert.rule_title},
        "article": {
            "url": art.url,
            "title": art.title,
            "source": art.source,
            "published": art.published,
            "language": art.language,
        },
        **({"story": {"id": alert.story.id, "first_seen": alert.story.first_seen}} if alert.story else {}),
        "matches": [
            {
                "field": m.field,
                "terms": list(m.terms),
                "snippet": m.snippet,
                "offsets": [[s, e] for s, e in m.offsets],
                "highlights": [[s, e] for s, e in m.highlights],
                "hits": [{"text": h.text, "start": h.start, "end": h.end, "query": h.query} for h in m.hits],
                **({"hits_total": m.hits_total} if m.hits_total is not None else {}),
                **({"statement": m.statement.model_dump()} if m.statement is not None else {}),
            }
            for m in alert.matches
        ],
    }


MAX_BODY_BYTES = 64 * 1024  # a receiver is never sent more; what was left out is said in the body


def notice_payload(notice: Notice) -> dict[str, Any]:
    """The JSON body of a notice (version 1): its type, the feed or sink, and what happened."""
    if notice.type == "sink.disabled":
        return {
            "version": 1,
            "type": notice.type,
            "sink": {"id": notice.sink_id},
            "error": notice.error[:2000],
            "since": notice.since,
        }
    data: dict[str, Any] = {
        "version": 1,
        "type": notice.type,
        "feed": {"url": notice.feed_url, "name": notice.feed_name},
        "error": notice.error[:2000],
        "failures": notice.failures,
        "since": notice.since,
    }
    if notice.moved_to:
        data["moved_to"] = notice.moved_to
    return data


def digest_payload(digest: Digest) -> dict[str, Any]:
    """The JSON body of a digest (version 1): each alert as its own body, with the other outlets
    of its story."""
    rule = digest.rule
    return {
        "version": PAYLOAD_VERSION,
        "type": "digest",
        "digest_id": digest.digest_id,
        "group": digest.group,
        "count": len(digest.alerts),
        "rule": {"id": rule[0], "title": rule[1]} if rule else None,
        "window_start": digest.window_start,
        "flushed_at": digest.flushed_at,
        "alerts": [
            {**payload(a), "also_reported_by": digest.also[i] if i < len(digest.also) else ""}
            for i, a in enumerate(digest.alerts)
        ],
    }


def trimmed_digest_payloads(digest: Digest) -> Iterator[dict[str, Any]]:
    """A digest's payload, then smaller each time, saying so (`"trimmed": true`): no hits, then
    shorter snippets, titles and URLs, then only each alert's first match, then none. One dict,
    changed in place between yields."""
    data = digest_payload(digest)
    yield data
    data["trimmed"] = True
    for a in data["alerts"]:
        for m in a["matches"]:
            m["hits_total"] = m.get("hits_total") or len(m["hits"])
            m["hits"], m["offsets"] = [], []
    yield data
    for a in data["alerts"]:
        for m in a["matches"]:
            m["snippet"], m["highlights"], m["terms"] = m["snippet"][:300], [], m["terms"][:10]
        a["article"]["title"], a["article"]["url"] = a["article"]["title"][:300], a["article"]["url"][:2000]
    yield data
    for a in data["alerts"]:
        a["matches"] = [{**m, "snippet": m["snippet"][:200]} for m in a["matches"][:1]]
        a["article"]["url"], a["also_reported_by"] = a["article"]["url"][:500], a["also_reported_by"][:200]
    yield data
    for a in data["alerts"]:  # the least: what, where, and the rule, for every alert of the digest
        a["matches"], a["also_reported_by"] = [], a["also_reported_by"][:100]
        a["article"]["title"], a["article"]["url"] = a["article"]["title"][:150], a["article"]["url"][:300]
    yield data


def encode_body(alert: Alert) -> bytes:
    """Compact UTF-8 JSON, at most MAX_BODY_BYTES: the first of `trimmed_payloads` that fits.
    Lone surrogates fall back to \\u escapes."""
    body = b""
    for data in trimmed_payloads(alert):
        body = _json(data)
        if len(body) <= MAX_BODY_BYTES:
            break
    return body


def trimmed_payloads(alert: Alert) -> Iterator[dict[str, Any]]:
    """The alert's payload, then the same trimmed further each time: the hits of each match
    halved, down to none, then the snippets and the title shortened, each saying so
    (`"trimmed": true`, each match's `hits_total`). One dict, changed in place between yields."""
    data = payload(alert)
    yield data
    hits = max((len(m["hits"]) for m in data["matches"]), default=0)
    while hits > 0:
        hits //= 2
        for m in data["matches"]:
            m["hits_total"] = m.get("hits_total") or len(m["hits"])
            m["hits"], m["offsets"] = m["hits"][:hits], m["offsets"][:hits]
        data["trimmed"] = True
        yield data
    for m in data["matches"]:
        m["snippet"], m["highlights"], m["terms"] = m["snippet"][:500], [], m["terms"][:10]
    data["article"]["title"] = data["article"]["title"][:300]
    data["article"]["url"] = data["article"]["url"][:4000]
    data["trimmed"] = True
    yield data


def _json(data: dict[str, Any]) -> bytes:
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")


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
            return self._post(_json(notice_payload(item)), delivery_id)
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
