"""The Apprise sink's address guard, against a real HTTP receiver on 127.0.0.1: a service host
that is (or resolves to) a non-public address is given up unless allow_private_networks is set.
The rest of the sink is tested end to end in tests/workers/test_delivery.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline.config import AppriseSinkConfig
from pipeline.errors import DeliveryPermanent
from pipeline.fetch import Fetcher
from pipeline.sinks import make_sink
from pipeline.sinks.apprise import AppriseSink, service_host
from workers.demo.site import Recorder  # the loopback endpoint the demo's Apprise sink posts to

from .factories import make_alert


@pytest.fixture
def receiver() -> Iterator[Recorder]:
    recorder = Recorder().start()
    yield recorder
    recorder.stop()


def _cfg(*urls: str) -> AppriseSinkConfig:
    return AppriseSinkConfig.model_validate({"id": "chat", "type": "apprise", "urls": list(urls)})


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("json://127.0.0.1:8080/hook", ("127.0.0.1", 8080)),
        ("json://[::1]:8080/hook", ("::1", 8080)),
        ("ntfys://ntfy.example.org/topic", ("ntfy.example.org", 0)),
        ("gotify://192.168.1.1/token", ("192.168.1.1", 0)),
        ("mailtos://user:pass@example.com?smtp=10.0.0.2", ("10.0.0.2", 587)),
        ("ntfy://newsdesk", None),  # a topic on ntfy.sh
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", None),  # tokens, not a host
        ("tgram://123456789:abcdefg_hijklmnop/12315544/", None),
    ],
)
def test_the_host_an_apprise_url_connects_to(url: str, host: tuple[str, int] | None) -> None:
    assert service_host(url) == host


def test_a_loopback_service_host_is_given_up_alone_unless_allowed(receiver: Recorder) -> None:
    port = receiver.port
    cfg = _cfg(f"json://127.0.0.1:{port}/blocked", "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ")
    guarded = AppriseSink(cfg)  # refusing private networks is the default
    with pytest.raises(DeliveryPermanent) as info:
        guarded.send(make_alert(), "d-1", guarded.targets[:1])
    assert "address refused" in str(info.value) and "non-public" in str(info.value)
    assert info.value.given_up.keys() == {guarded.targets[0]}
    assert receiver.requests == []
    allowed = AppriseSink(cfg, allow_private_networks=True)
    assert allowed.send(make_alert(), "d-1", allowed.targets[:1]) == "delivered to 1 target"
    assert [path for path, _, _ in receiver.requests] == ["/blocked"]


def test_a_name_that_resolves_to_a_private_address_is_refused(receiver: Recorder) -> None:
    port = receiver.port
    sink = AppriseSink(_cfg(f"json://hooks.newsroom.test:{port}/x"), resolver=lambda host, port: ["10.9.8.7"])
    with pytest.raises(DeliveryPermanent, match=r"hooks\.newsroom\.test resolves to 10\.9\.8\.7"):
        sink.send(make_alert(), "d-1")
    assert receiver.requests == []


def test_make_sink_gives_the_apprise_sink_the_fetchers_guard(receiver: Recorder) -> None:
    port = receiver.port
    for allowed in (False, True):
        fetcher = Fetcher("wirewatch-test/1", allow_private_networks=allowed)
        try:
            sink = make_sink(_cfg(f"json://127.0.0.1:{port}/made"), fetcher)
            if allowed:
                sink.send(make_alert(), "d-1", sink.targets)
            else:
                with pytest.raises(DeliveryPermanent, match="address refused"):
                    sink.send(make_alert(), "d-1", sink.targets)
        finally:
            fetcher.close()
    assert [path for path, _, _ in receiver.requests] == ["/made"]
