"""The webhook sink against a real HTTP receiver on 127.0.0.1 that verifies every signature."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from pipeline.errors import DeliveryPermanent, DeliveryRetriable
from pipeline.fetch import REPLY_BYTES, Fetcher
from pipeline.redact import display_url
from pipeline.sinks import Sink, WebhookSink, make_sink
from pipeline.sinks.payload import payload
from pipeline.sinks.webhook import WebhookSinkConfig

from .factories import make_alert

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef01234567").decode()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: object  # the parsed JSON when the signature checked out, else the error


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # replies in order; 204 once they run out
    requests: list[Received] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)
    reply: bytes = b""  # the body of every reply
    peers: list[tuple[str, int]] = field(default_factory=list)  # each request's client address


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a sender that closed its end is none
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps connections open, as real receivers do

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                verified: object = Webhook(SECRET).verify(body, headers)
            except WebhookVerificationError as exc:
                verified = exc
            with lock:
                state.requests.append(Received(self.path, headers, body, verified))
                state.peers.append(self.client_address)
                status = state.statuses.pop(0) if state.statuses else 204
            self.send_response(status)
            for name, value in state.extra_headers.items():
                self.send_header(name, value)
            reply = state.reply if status != 204 else b""
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the sender stopped reading: it closed the connection
                self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/wirewatch"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    f = Fetcher("wirewatch-test/1", timeout=5.0, allow_private_networks=True)
    yield f
    f.close()


def make_cfg(url: str, **overrides: object) -> WebhookSinkConfig:
    data: dict[str, object] = {"id": "hooks", "type": "webhook", "url": url, "secret": SECRET}
    data.update(overrides)
    return WebhookSinkConfig.model_validate(data)


def test_delivered_body_is_the_payload_and_signed(receiver: Receiver, fetcher: Fetcher) -> None:
    alert = make_alert(title="Peskov said the talks were «constructive»", sinks=("hooks",))
    sink = WebhookSink(make_cfg(receiver.url), fetcher)
    sink.send(alert, alert.delivery_id("hooks"))

    assert len(receiver.requests) == 1
    req = receiver.requests[0]
    assert req.path == "/hooks/wirewatch"
    assert req.verified == payload(alert)
    assert json.loads(req.body) == payload(alert)
    assert req.headers["content-type"] == "application/json"
    assert req.headers["user-agent"] == "wirewatch-test/1"
    assert req.headers["webhook-id"] == "a1b2c3d4e5f6a7b8c9d0-hooks"
    assert req.headers["webhook-signature"].startswith("v1,")
    assert b"\n" not in req.body and b", " not in req.body  # compact
    assert "«constructive»".encode() in req.body  # UTF-8, not \u escapes


def test_deliveries_to_one_receiver_share_a_connection(receiver: Receiver, fetcher: Fetcher) -> None:
    receiver.statuses = [200, 200, 200]
    receiver.reply = b'{"ok": true}'
    sink = WebhookSink(make_cfg(receiver.url), fetcher)
    for n in range(3):
        alert = make_alert(alert_id=f"a1b2c3d4e5f6a7b8c9d{n}", sinks=("hooks",))
        sink.send(alert, alert.delivery_id("hooks"))
    assert len(receiver.requests) == 3
    assert len(set(receiver.peers)) == 1  # each reply read to its end: the connection was kept


def test_a_reply_too_long_to_read_is_dropped_with_its_connection(
    receiver: Receiver, fetcher: Fetcher
) -> None:
    receiver.statuses = [200, 200]
    receiver.reply = b"x" * (REPLY_BYTES * 16)  # a receiver cannot make a sender read all this
    sink = WebhookSink(make_cfg(receiver.url), fetcher)
    for n in range(2):
        alert = make_alert(alert_id=f"a1b2c3d4e5f6a7b8c9d{n}", sinks=("hooks",))
        sink.send(alert, alert.delivery_id("hooks"))  # delivered: the status is what counts
    assert len(receiver.requests) == 2
    assert len(set(receiver.peers)) == 2  # the first reply left unread: its connection closed


def test_payload_shape() -> None:
    body = payload(make_alert(title="Peskov said the talks were «constructive»", sinks=("hooks",)))
    assert body == {
        "version": 1,
        "type": "alert",
        "alert_id": "a1b2c3d4e5f6a7b8c9d0",
        "rule": {"id": "kremlin-spokesman", "title": "Statements by the Kremlin spokesman"},
        "article": {
            "url": "https://news.example.org/world/peskov-said",
            "title": "Peskov said the talks were «constructive»",
            "source": "Example World",
            "published": "2024-05-01T12:00:00Z",
            "language": "en",
        },
        "matches": [
            {
                "field": "text",
                "terms": ["Peskov", "said"],
                "snippet": "... Kremlin spokesman Dmitry Peskov said on Tuesday ...",
                "offsets": [[120, 126], [127, 131]],
                "highlights": [[29, 35], [36, 40]],
                "hits": [
                    {"text": "Peskov", "start": 120, "end": 126, "query": "term:peskov"},
                    {"text": "said", "start": 127, "end": 131, "query": "term:said"},
                ],
            }
        ],
    }


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_retriable_statuses(receiver: Receiver, fetcher: Fetcher, status: int) -> None:
    receiver.statuses = [status]
    receiver.extra_headers = {"retry-after": "120"}
    sink = WebhookSink(make_cfg(receiver.url), fetcher)
    with pytest.raises(DeliveryRetriable) as info:
        sink.send(make_alert(), "d-1")
    message = str(info.value)
    assert "hooks" in message and f"HTTP {status}" in message and "127.0.0.1" in message
    assert "120" in message
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 404, 410, 413])
def test_permanent_statuses(receiver: Receiver, fetcher: Fetcher, status: int) -> None:
    receiver.statuses = [status]
    sink = WebhookSink(make_cfg(receiver.url), fetcher)
    with pytest.raises(DeliveryPermanent) as info:
        sink.send(make_alert(), "d-1")
    assert f"HTTP {status}" in str(info.value) and "'hooks'" in str(info.value)


def test_redirect_is_not_followed(receiver: Receiver, fetcher: Fetcher) -> None:
    receiver.statuses = [307]
    receiver.extra_headers = {"location": receiver.url + "/elsewhere"}
    sink = WebhookSink(make_cfg(receiver.url), fetcher)
    with pytest.raises(DeliveryPermanent, match="HTTP 307"):
        sink.send(make_alert(), "d-1")
    assert [r.path for r in receiver.requests] == ["/hooks/wirewatch"]


def test_retries_carry_the_same_id_and_fresh_timestamps(receiver: Receiver, fetcher: Fetcher) -> None:
    receiver.statuses = [503, 200]
    now = [float(int(time.time()))]  # the receiver wants a timestamp within 5 minutes of its clock
    sink = WebhookSink(make_cfg(receiver.url), fetcher, clock=lambda: now[0])
    alert = make_alert(title="Peskov said the talks were «constructive»", sinks=("hooks",))
    delivery_id = alert.delivery_id(sink.id)
    with pytest.raises(DeliveryRetriable):
        sink.send(alert, delivery_id)
    now[0] += 60
    sink.send(alert, delivery_id)

    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery_id
    assert int(second.headers["webhook-timestamp"]) == int(first.headers["webhook-timestamp"]) + 60
    assert first.body == second.body
    assert first.headers["webhook-signature"] != second.headers["webhook-signature"]
    assert first.verified == second.verified == payload(alert)


def test_private_address_refused_without_opt_in(receiver: Receiver) -> None:
    guarded = Fetcher("wirewatch-test/1", timeout=5.0, allow_private_networks=False)
    try:
        sink = WebhookSink(make_cfg(receiver.url), guarded)
        with pytest.raises(DeliveryPermanent, match="non-public"):
            sink.send(make_alert(), "d-1")
    finally:
        guarded.close()
    assert receiver.requests == []


def _closed_port() -> socket.socket:
    """A bound but not listening socket: connecting to its port is refused, and nobody can take it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def test_connection_refused_is_retriable(fetcher: Fetcher) -> None:
    with _closed_port() as sock:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
        with pytest.raises(DeliveryRetriable, match="hooks"):
            WebhookSink(make_cfg(url), fetcher).send(make_alert(), "d-1")


def test_timeout_is_retriable(fetcher: Fetcher) -> None:
    # A listening socket that never accepts: the kernel completes the handshake, nobody answers.
    with socket.create_server(("127.0.0.1", 0)) as sock:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
        sink = WebhookSink(make_cfg(url, timeout=0.3), fetcher)
        with pytest.raises(DeliveryRetriable, match="Timeout"):
            sink.send(make_alert(), "d-1")


def test_error_messages_hide_url_secrets(fetcher: Fetcher) -> None:
    url_with_token = "http://user:pw@127.0.0.1:9/hook?token=s3cret"
    assert display_url(url_with_token) == "http://127.0.0.1:9/hook?…"
    guarded = Fetcher("wirewatch-test/1", allow_private_networks=False)
    try:
        with pytest.raises(DeliveryPermanent) as info:
            WebhookSink(make_cfg(url_with_token), guarded).send(make_alert(), "d-1")
    finally:
        guarded.close()
    assert "s3cret" not in str(info.value) and "pw@" not in str(info.value)
    assert "127.0.0.1:9/hook" in str(info.value)


def test_make_sink_dispatches(fetcher: Fetcher) -> None:
    sink: Sink = make_sink(make_cfg("https://hooks.example.org/x"), fetcher)
    assert isinstance(sink, WebhookSink) and sink.id == "hooks"


def test_disabled_sink_without_secret_builds_but_never_sends(fetcher: Fetcher) -> None:
    cfg = make_cfg("https://hooks.example.org/x", enabled=False, secret="")
    sink = make_sink(cfg, fetcher)
    with pytest.raises(DeliveryPermanent, match="secret"):
        sink.send(make_alert(), "d-1")
