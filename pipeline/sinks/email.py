"""Email sink: multipart/alternative (text + HTML) over SMTP, SMTPS or STARTTLS.

One Message-ID per delivery (`<delivery_id@wirewatch>`, the same on every retry) so mail
clients and list software can thread or drop repeats. Header values are built from scrubbed,
one-line text only, so a hostile title cannot add a header.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from ..config.schema import EmailSinkConfig
from ..errors import DeliveryPermanent, DeliveryRetriable
from ..models import Alert, Digest, Notice
from .render import notice_subject, notice_text, one_line
from .templates import SinkTemplates, TemplateProblem

log = logging.getLogger(__name__)

MSGID_DOMAIN = "wirewatch"
_MSGID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def message_id(delivery_id: str) -> str:
    """`<delivery_id@wirewatch>`, the id part limited to characters valid in a msg-id."""
    return f"<{_MSGID_UNSAFE.sub('_', delivery_id)}@{MSGID_DOMAIN}>"


def _reply_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return one_line(text)[:200]


class EmailSink:
    """Send an alert to the sink's recipients; raise DeliveryRetriable or DeliveryPermanent."""

    def __init__(
        self,
        cfg: EmailSinkConfig,
        *,
        clock: Callable[[], float] = time.time,
        templates: SinkTemplates | None = None,
    ) -> None:
        self.cfg = cfg
        self.templates = templates or SinkTemplates()
        self.id = cfg.id
        self._clock = clock
        self._where = f"email sink {cfg.id!r} (smtp://{cfg.host}:{cfg.port})"

    def build_message(self, item: Alert | Digest, delivery_id: str) -> EmailMessage:
        """An alert's or a digest's email, from the sink's (or its rule's) templates."""
        own = self.templates.for_item(item)
        try:
            msg = self._message(own.subject_of(item), delivery_id)
            msg.set_content(own.text_of(item))
            msg.add_alternative(own.html_of(item), subtype="html")
        except TemplateProblem as exc:
            raise DeliveryPermanent(f"{self._where}: {exc}") from exc
        return msg

    def build_notice(self, notice: Notice, delivery_id: str) -> EmailMessage:
        msg = self._message(notice_subject(notice), delivery_id)
        msg.set_content(notice_text(notice))
        return msg

    def _message(self, subject_line: str, delivery_id: str) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = subject_line
        msg["From"] = one_line(self.cfg.from_)
        msg["To"] = ", ".join(one_line(addr) for addr in self.cfg.to)
        msg["Date"] = format_datetime(datetime.fromtimestamp(self._clock(), tz=UTC))
        msg["Message-ID"] = message_id(delivery_id)
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
        return msg

    @property
    def targets(self) -> tuple[str, ...]:
        """Each recipient: one that refused is tried again alone, with the same Message-ID."""
        return tuple(self.cfg.to)

    def send(
        self, item: Alert | Digest | Notice, delivery_id: str, targets: Sequence[str] | None = None
    ) -> str:
        to = list(self.cfg.to if targets is None else targets)
        if not to:
            return "nothing to send"
        if isinstance(item, Alert | Digest):
            return self._send(self.build_message(item, delivery_id), delivery_id, to)
        return self._send(self.build_notice(item, delivery_id), delivery_id, to)

    def _send(self, msg: EmailMessage, delivery_id: str, to: list[str]) -> str:
        try:
            refused = self._deliver(msg, to)
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            raise classify(self._where, exc) from exc
        if refused:  # accepted for the others: only the refused are tried again
            accepted = tuple(rcpt for rcpt in to if rcpt not in refused)
            detail = "; ".join(
                f"{rcpt}: {code} {_reply_text(text)}" for rcpt, (code, text) in refused.items()
            )
            text = f"{self._where}: accepted for {len(accepted)} of {len(to)} recipients, refused: {detail}"
            if any(400 <= code < 500 for code, _ in refused.values()):
                raise DeliveryRetriable(text, delivered=accepted)
            raise DeliveryPermanent(text, delivered=accepted)
        log.debug("%s: delivered %s", self._where, delivery_id)
        return f"accepted for {len(to)} recipient{'' if len(to) == 1 else 's'}"

    def _deliver(self, msg: EmailMessage, to: list[str]) -> dict[str, tuple[int, bytes]]:
        cfg = self.cfg
        smtp: smtplib.SMTP
        if cfg.ssl:
            smtp = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            if cfg.starttls and not cfg.ssl:
                smtp.starttls(context=ssl.create_default_context())  # no STARTTLS: an error, never plain
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
            return smtp.send_message(msg, from_addr=cfg.from_, to_addrs=to)
        finally:
            try:  # the message is accepted (or not) already; a failed QUIT changes nothing
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _by_code(code: int, text: str) -> DeliveryRetriable | DeliveryPermanent:
    if 400 <= code < 500:
        return DeliveryRetriable(text)
    if 500 <= code < 600:
        return DeliveryPermanent(text)
    return DeliveryRetriable(text)  # no proper reply code: a broken or dropped connection


def classify(where: str, exc: BaseException) -> DeliveryRetriable | DeliveryPermanent:
    """Map an smtplib/socket failure to retriable (4xx, network) or permanent (5xx, auth, TLS)."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = exc.recipients.items()
        detail = "; ".join(f"{rcpt}: {code} {_reply_text(text)}" for rcpt, (code, text) in refused)
        text = f"{where}: every recipient refused: {detail}"
        if any(400 <= code < 500 for _, (code, _t) in refused):
            return DeliveryRetriable(text)
        return DeliveryPermanent(text)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        text = f"{where}: authentication failed: {exc.smtp_code} {_reply_text(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:  # 454 temporary authentication failure
            return DeliveryRetriable(text)
        return DeliveryPermanent(text)
    if isinstance(exc, smtplib.SMTPResponseException):  # sender refused, DATA refused, bad greeting
        return _by_code(exc.smtp_code, f"{where}: {name}: {exc.smtp_code} {_reply_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryRetriable(f"{where}: server disconnected: {_reply_text(str(exc))}")
    if isinstance(exc, smtplib.SMTPException):  # no STARTTLS/AUTH/SMTPUTF8 support, no auth method
        return DeliveryPermanent(f"{where}: {name}: {_reply_text(str(exc))}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryPermanent(f"{where}: TLS certificate not accepted: {exc.verify_message}")
    if isinstance(exc, OSError):  # refused, timed out, reset, DNS, TLS handshake
        return DeliveryRetriable(f"{where}: {name}: {_reply_text(str(exc))}")
    return DeliveryPermanent(f"{where}: {name}: {_reply_text(str(exc))}")  # e.g. a non-ASCII address
