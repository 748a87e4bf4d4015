"""The email sink against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from pipeline.config import EmailSinkConfig
from pipeline.errors import DeliveryPermanent, DeliveryRetriable
from pipeline.fetch import Fetcher
from pipeline.models import ArticleRef, Match
from pipeline.sinks import EmailSink, make_sink

from .factories import make_alert


@dataclass
class Handler:
    rcpt_reply: str | None = None  # e.g. "550 5.1.1 no such user"; None accepts
    data_reply: str = "250 OK"
    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[object] = field(default_factory=list)  # session.login_data of each accepted message

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
            self.logins.append(session.login_data)
        return self.data_reply


class _AnyPortController(Controller):
    """Binds port 0 and learns the real port before aiosmtpd's start-up probe connects."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@dataclass
class Smtp:
    handler: Handler
    port: int

    def cfg(self, **overrides: object) -> EmailSinkConfig:
        data: dict[str, object] = {
            "id": "newsdesk",
            "type": "email",
            "host": "127.0.0.1",
            "port": self.port,
            "from": "wirewatch@example.org",
            "to": ["desk@example.org", "night@example.org"],
            "timeout": 5,
        }
        data.update(overrides)
        return EmailSinkConfig.model_validate(data)

    def received(self) -> EmailMessage:
        assert len(self.handler.envelopes) == 1
        raw = self.handler.envelopes[0].original_content
        assert raw is not None
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"bot", b"right")
    return AuthResult(success=ok, handled=False, auth_data=data)  # handled=False: aiosmtpd sends the 535


def _serve(**kwargs: Any) -> Iterator[Smtp]:
    handler = Handler()
    controller = _AnyPortController(handler, hostname="127.0.0.1", port=0, **kwargs)
    controller.start()
    try:
        yield Smtp(handler, controller.port)
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    yield from _serve()


@pytest.fixture
def smtp_auth() -> Iterator[Smtp]:
    yield from _serve(authenticator=_authenticate, auth_require_tls=False)


def test_delivered_multipart_alternative(smtp: Smtp) -> None:
    alert = make_alert()
    sink = EmailSink(smtp.cfg(), clock=lambda: 1_714_564_800.0)
    sink.send(alert, alert.delivery_id(sink.id))

    envelope = smtp.handler.envelopes[0]
    assert envelope.mail_from == "wirewatch@example.org"
    assert envelope.rcpt_tos == ["desk@example.org", "night@example.org"]
    msg = smtp.received()
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Message-ID"] == "<a1b2c3d4e5f6a7b8c9d0-newsdesk@wirewatch>"
    assert msg["Subject"] == (
        "[wirewatch] Statements by the Kremlin spokesman: Peskov said the talks were constructive"
    )
    assert msg["From"] == "wirewatch@example.org"
    assert msg["To"] == "desk@example.org, night@example.org"
    assert msg["Date"] == "Wed, 01 May 2024 12:00:00 +0000"
    text, html_part = msg.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    assert "Dmitry **Peskov** **said** on Tuesday" in text.get_content()
    assert "https://news.example.org/world/peskov-said" in text.get_content()
    html_body = html_part.get_content()
    assert ">Peskov</mark>" in html_body
    assert 'href="https://news.example.org/world/peskov-said"' in html_body


def test_same_message_id_on_every_try(smtp: Smtp) -> None:
    alert = make_alert()
    sink = EmailSink(smtp.cfg())
    smtp.handler.data_reply = "451 4.3.0 try later"
    with pytest.raises(DeliveryRetriable):
        sink.send(alert, alert.delivery_id(sink.id))
    smtp.handler.data_reply = "250 OK"
    sink.send(alert, alert.delivery_id(sink.id))
    assert smtp.received()["Message-ID"] == "<a1b2c3d4e5f6a7b8c9d0-newsdesk@wirewatch>"
    first = sink.build_message(alert, alert.delivery_id(sink.id))
    second = sink.build_message(alert, alert.delivery_id(sink.id))
    assert first["Message-ID"] == second["Message-ID"]


def _send_hostile_title(smtp: Smtp, title: str) -> tuple[EmailMessage, bytes]:
    """Send an alert with this title; the message as received, after checking that no header
    was added and nobody else got it, and its raw header block."""
    alert = make_alert(title=title)
    sink = EmailSink(smtp.cfg())
    sink.send(alert, alert.delivery_id(sink.id))
    envelope = smtp.handler.envelopes[0]
    assert envelope.rcpt_tos == ["desk@example.org", "night@example.org"]
    msg = smtp.received()
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert msg.defects == []
    raw = envelope.original_content
    assert raw is not None
    return msg, raw.split(b"\r\n\r\n", 1)[0]


def test_header_injection_in_title_adds_no_header(smtp: Smtp) -> None:
    msg, header_block = _send_hostile_title(smtp, "Breaking\r\nBcc: evil@x\r\nX-Evil: 1\n\u2028\x85\tend")
    assert msg.get_all("Subject") == [
        "[wirewatch] Statements by the Kremlin spokesman: Breaking Bcc: evil@x X-Evil: 1 end"
    ]
    assert not any(line.lower().startswith((b"bcc:", b"x-evil:")) for line in header_block.split(b"\r\n"))


def test_html_part_escapes_hostile_text(smtp: Smtp) -> None:
    hostile = Match(
        field="text",
        terms=("<b>",),
        snippet='before <script>alert(1)</script> "><img src=x onerror=alert(2)> after',
        highlights=((7, 15),),
    )
    alert = make_alert(
        title='<script>alert("t")</script>"><img src=x onerror=alert(3)>',
        matches=(hostile,),
        article=ArticleRef(url="javascript:alert(4)", title="<script>x</script>", source="<i>src</i>"),
    )
    sink = EmailSink(smtp.cfg())
    sink.send(alert, "d-1")
    html_body = smtp.received().get_body(preferencelist=("html",))
    assert html_body is not None
    body = html_body.get_content()
    assert "<script" not in body.lower()
    assert "<img" not in body.lower()
    assert "<i>" not in body and "<b>" not in body
    assert "&lt;script&gt;" in body
    assert "javascript:" not in body.split("URL (not linked)")[0]
    assert 'href="javascript' not in body


def test_server_down_is_retriable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        port = sock.getsockname()[1]
        cfg = EmailSinkConfig.model_validate(
            {"id": "newsdesk", "type": "email", "host": "127.0.0.1", "port": port,
             "from": "a@example.org", "to": ["b@example.org"], "timeout": 5}
        )  # fmt: skip
        with pytest.raises(DeliveryRetriable, match="newsdesk"):
            EmailSink(cfg).send(make_alert(), "d-1")


def test_silent_server_times_out_retriable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:  # accepts in the kernel, never greets
        cfg = EmailSinkConfig.model_validate(
            {"id": "newsdesk", "type": "email", "host": "127.0.0.1", "port": sock.getsockname()[1],
             "from": "a@example.org", "to": ["b@example.org"], "timeout": 0.3}
        )  # fmt: skip
        with pytest.raises(DeliveryRetriable):
            EmailSink(cfg).send(make_alert(), "d-1")


@pytest.mark.parametrize("reply", ["550 5.7.1 rejected as spam", "554 5.6.0 message refused"])
def test_data_5xx_is_permanent(smtp: Smtp, reply: str) -> None:
    smtp.handler.data_reply = reply
    with pytest.raises(DeliveryPermanent, match=reply[:3]):
        EmailSink(smtp.cfg()).send(make_alert(), "d-1")


@pytest.mark.parametrize("reply", ["421 4.3.2 shutting down", "451 4.3.0 local error", "452 4.3.1 full"])
def test_data_4xx_is_retriable(smtp: Smtp, reply: str) -> None:
    smtp.handler.data_reply = reply
    with pytest.raises(DeliveryRetriable, match=reply[:3]):
        EmailSink(smtp.cfg()).send(make_alert(), "d-1")


def test_recipients_refused_5xx_is_permanent(smtp: Smtp) -> None:
    smtp.handler.rcpt_reply = "550 5.1.1 no such user"
    with pytest.raises(DeliveryPermanent, match="550"):
        EmailSink(smtp.cfg()).send(make_alert(), "d-1")


def test_recipients_refused_4xx_is_retriable(smtp: Smtp) -> None:
    smtp.handler.rcpt_reply = "450 4.2.1 mailbox busy"
    with pytest.raises(DeliveryRetriable, match="450"):
        EmailSink(smtp.cfg()).send(make_alert(), "d-1")


def test_login(smtp_auth: Smtp) -> None:
    EmailSink(smtp_auth.cfg(username="bot", password="right")).send(make_alert(), "d-1")
    assert smtp_auth.handler.logins == [b"bot"]


def test_auth_failure_is_permanent(smtp_auth: Smtp) -> None:
    with pytest.raises(DeliveryPermanent, match="authentication failed"):
        EmailSink(smtp_auth.cfg(username="bot", password="wrong")).send(make_alert(), "d-1")
    assert smtp_auth.handler.envelopes == []


def test_starttls_required_but_not_offered_is_permanent(smtp: Smtp) -> None:
    with pytest.raises(DeliveryPermanent, match="STARTTLS"):
        EmailSink(smtp.cfg(starttls=True)).send(make_alert(), "d-1")
    assert smtp.handler.envelopes == []


def test_make_sink_dispatches(smtp: Smtp) -> None:
    fetcher = Fetcher("wirewatch-test/1")
    try:
        sink = make_sink(smtp.cfg(), fetcher)
    finally:
        fetcher.close()
    assert isinstance(sink, EmailSink) and sink.id == "newsdesk"


@pytest.mark.parametrize(
    "title",
    [
        "x =?UTF-8?Q?=0A?=Bcc: evil@x",  # an encoded word that decodes to a line break
        "x =?UTF-8?B?Cg==?=Bcc: evil@x",  # the same, base64
        "x =?UTF-8?Q?=0D=0A=0D=0A?=body starts here",  # decodes to a blank line: ends the headers
        "x =?iso-8859-1?q?=0A?=Bcc: evil@x =?UTF-8?Q?=0A?=X-Evil: 1",
        "x =?UTF-8?X?bogus?=Bcc: evil@x",  # malformed: kept as text, still no encoded word
    ],
)
def test_encoded_words_in_a_title_add_no_header_nor_end_the_headers(smtp: Smtp, title: str) -> None:
    msg, header_block = _send_hostile_title(smtp, title)
    assert msg.get_content_type() == "multipart/alternative"  # the header block was not ended early
    [subject_line] = msg.get_all("Subject")
    assert "\n" not in subject_line and "\r" not in subject_line
    assert subject_line.strip().startswith("[wirewatch] Statements by the Kremlin spokesman: x ")
    names = [
        line.split(b":", 1)[0].lower()
        for line in header_block.split(b"\r\n")
        if line[:1] not in (b" ", b"\t")
    ]
    assert set(names) <= {b"subject", b"from", b"to", b"date", b"message-id", b"auto-submitted",
                          b"content-type", b"mime-version"}  # fmt: skip
