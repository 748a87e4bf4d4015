"""Apprise sink: one message to every service Apprise knows (Slack, Teams, Telegram, Matrix,
ntfy, Discord, mailto, json/form endpoints...), one URL per target.

Each URL is notified on its own Apprise instance, so its outcome is its own: a target that took
the message is not sent it again when another one is retried. Apprise tells success or failure
per service but not why; the HTTP status its plugins log (`error=404.`) decides between retry
and give up: 4xx but 408/409/425/429 is permanent, anything else (5xx, no answer) retriable.

The address guard: Apprise opens its own connections, so they cannot go through the fetcher's
guarded transport. Instead, unless allow_private_networks is set, the host a URL names for its
service (json://host, ntfy://host, matrix://host, mailto's smtp=...) is resolved before each
try and a non-public answer gives the target up; a service whose URL holds tokens where a host
would be (slack://, tgram://) talks to its own public API hosts and has none to check. Unlike
the fetcher's guard, this is checked before Apprise resolves the name again itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import apprise
from apprise.result import AppriseResultStatus

from ..config.schema import AppriseSinkConfig
from ..errors import BlockedAddressError, DeliveryPermanent, DeliveryRetriable, FetchRetriable
from ..fetch import Resolver, resolve_checked, system_resolver
from ..models import Alert, Digest, Notice, short_hash
from .render import notice_subject, notice_text, one_line
from .templates import SinkTemplates, TemplateProblem
from .webhook import RETRIABLE_4XX

log = logging.getLogger(__name__)

_STATUS = re.compile(r"\berror=(\d{3})\b")


def service_host(url: str) -> tuple[str, int] | None:
    """The host (and port, 0 when the service's default) that an Apprise URL's service connects
    to when the URL names one: its plugin's URL templates take a `{host}` (json://, ntfy://host,
    gotify://, matrix://...), or, for email, its SMTP server. None for a URL Apprise rejects, a
    service whose URLs hold tokens instead (slack://, tgram://, discord://), and ntfy://topic,
    which goes to ntfy.sh."""
    service = apprise.Apprise.instantiate(url)
    if service is None:
        return None
    host = str(getattr(service, "smtp_host", "") or getattr(service, "host", "") or "")
    if not host or not any("{host}" in template for template in getattr(service, "templates", ())):
        return None
    port = getattr(service, "port", None)
    return host.strip("[]"), port if isinstance(port, int) else 0


def target_key(url: str) -> str:
    """A target's name in Redis and logs: a hash of its URL (which may hold a token)."""
    return "url-" + short_hash(url, size=12)


class AppriseSink:
    """Notify each pending Apprise URL; raise DeliveryRetriable or DeliveryPermanent naming the
    targets that failed and carrying those that took it."""

    def __init__(
        self,
        cfg: AppriseSinkConfig,
        templates: SinkTemplates | None = None,
        *,
        allow_private_networks: bool = False,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.cfg = cfg
        self.resolver = resolver
        self.templates = templates or SinkTemplates()
        self.id = cfg.id
        self._urls = {target_key(url): url for url in cfg.urls}
        # Each URL's service host, worked out once (Apprise parses the URL to tell): checked
        # before every try unless private networks are allowed.
        self._hosts = {} if allow_private_networks else {url: service_host(url) for url in cfg.urls}
        self._where = f"apprise sink {cfg.id!r}"

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(self._urls)

    def describe(self, target: str) -> str:
        """The target as Apprise prints it, secrets hidden (`json://127.0.0.1:8080/h...`)."""
        url = self._urls.get(target)
        service = apprise.Apprise.instantiate(url) if url else None
        if service is None:
            return target
        return str(service.url(privacy=True)).split("?", 1)[0]  # type: ignore[no-untyped-call]

    def send(
        self, item: Alert | Digest | Notice, delivery_id: str, targets: Sequence[str] | None = None
    ) -> str:
        if isinstance(item, Alert | Digest):
            own = self.templates.for_item(item)
            try:
                title = own.subject_of(item)
                body = own.body_of(item) if own.has_body(item) else own.text_of(item)
            except TemplateProblem as exc:
                raise DeliveryPermanent(f"{self._where}: {exc}") from exc
        else:
            title, body = notice_subject(item), notice_text(item)
        pending = [t for t in (self.targets if targets is None else targets) if t in self._urls]
        delivered: list[str] = []
        retry: dict[str, str] = {}
        failed: dict[str, str] = {}
        for target in pending:
            outcome, reason = self._notify(self._urls[target], title, body)
            if outcome == "ok":
                delivered.append(target)
                continue
            (retry if outcome == "retry" else failed)[target] = f"{self.describe(target)}: {reason}"
        if not retry and not failed:
            log.debug("%s: delivered %s to %d targets", self._where, delivery_id, len(delivered))
            return f"delivered to {len(delivered)} target{'' if len(delivered) == 1 else 's'}"
        reasons = [*retry.values(), *(f"{why} (given up)" for why in failed.values())]
        summary = f"{self._where}: {len(reasons)} of {len(pending)} targets failed: " + "; ".join(reasons)
        if retry:
            raise DeliveryRetriable(summary, delivered=tuple(delivered), given_up=failed)
        raise DeliveryPermanent(summary, delivered=tuple(delivered), given_up=failed)

    def _notify(self, url: str, title: str, body: str) -> tuple[str, str]:
        """("ok" | "retry" | "give up", why) for one URL."""
        notifier = apprise.Apprise()
        if not notifier.add(url):
            return "give up", "Apprise does not accept this URL"
        if (found := self._hosts.get(url)) is not None:
            try:
                resolve_checked(*found, allow_private_networks=False, resolver=self.resolver)
            except BlockedAddressError as exc:
                return "give up", f"address refused: {exc}"
            except FetchRetriable:
                pass  # a name that does not resolve: Apprise's own try fails and says so
        result = notifier.notify(
            body=body, title=title, body_format=self.cfg.format, timeout=self.cfg.timeout,
            log_level=logging.WARNING,
        )  # fmt: skip
        if result.status == AppriseResultStatus.SUCCESS:
            return "ok", ""
        messages = [one_line(entry.message) for r in result.results for entry in r.logs()]
        messages = [m for m in messages if m] or [f"Apprise: {result.status.name.lower()}"]
        reason = messages[-1][:300]
        if result.status == AppriseResultStatus.TIMEOUT:
            return "retry", reason
        codes = [int(m.group(1)) for text in messages if (m := _STATUS.search(text))]
        code = codes[-1] if codes else None
        if code is not None and 400 <= code < 500 and code not in RETRIABLE_4XX:
            return "give up", reason
        return "retry", reason
