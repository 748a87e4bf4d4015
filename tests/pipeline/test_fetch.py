"""pipeline.fetch against real HTTP servers on 127.0.0.1: the address guard, status mapping,
conditional GET, size caps (a gzip bomb included) and redirects checked hop by hop."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from pipeline.config import Defaults
from pipeline.errors import (
    BlockedAddressError,
    FetchPermanent,
    FetchRetriable,
    TooLargeError,
    WirewatchError,
)
from pipeline.fetch import MAX_REDIRECTS, Fetcher, guard_url
from workers.demo.site import LoopbackSite, Route

UA = Defaults().user_agent


@pytest.fixture(scope="module")
def _shared_site() -> Iterator[LoopbackSite]:
    site = LoopbackSite().start()
    yield site
    site.stop()


@pytest.fixture
def site(_shared_site: LoopbackSite) -> LoopbackSite:
    """One server for the module (stopping one costs half a second); routes and hits start empty."""
    _shared_site.routes.clear()
    _shared_site.hits.clear()
    return _shared_site


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    f = Fetcher(UA, timeout=5.0, allow_private_networks=True)
    yield f
    f.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# --- guard_url ---------------------------------------------------------------------------------

BLOCKED = [
    "http://127.0.0.1/",
    "http://127.8.9.10:8080/x",
    "http://[::1]/",
    "http://10.0.0.1/",
    "https://10.255.1.2/feed.xml",
    "http://172.16.5.4/",
    "http://192.168.1.1/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://localhost/",  # a name: resolved, then refused
    "http://2130706433/",  # 127.0.0.1 written as one number
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64 of 10.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2002:c0a8:101::1]/",  # 6to4 of 192.168.1.1
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    "http://[::127.0.0.1]/",  # IPv4-compatible (deprecated) 127.0.0.1
    "http://[::a00:1]/",  # IPv4-compatible 10.0.0.1
]


@pytest.mark.parametrize("url", BLOCKED)
def test_guard_refuses_non_public_addresses(url: str) -> None:
    with pytest.raises(BlockedAddressError, match="non-public"):
        guard_url(url, allow_private_networks=False)


@pytest.mark.parametrize("url", BLOCKED)
def test_guard_allows_private_addresses_when_configured(url: str) -> None:
    guard_url(url, allow_private_networks=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/",
        "https://8.8.8.8/dns",
        "http://[2606:4700::1111]/",
        "http://[64:ff9b::5db8:d822]/",  # NAT64 of 93.184.216.34, a public address
        "http://[2002:5db8:d822::1]/",  # 6to4 of the same
    ],
)
def test_guard_allows_public_addresses(url: str) -> None:
    guard_url(url, allow_private_networks=False)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed.xml",
        "gopher://127.0.0.1/",
        "javascript:alert(1)",
        "http:///x",
    ],
)
@pytest.mark.parametrize("allow", [False, True])
def test_guard_refuses_other_schemes_even_when_private_is_allowed(url: str, allow: bool) -> None:
    with pytest.raises(BlockedAddressError, match="only http"):
        guard_url(url, allow_private_networks=allow)


@pytest.mark.parametrize("url", ["http://example.com:99999/", "http://example.com:port/", "http://[::1/"])
@pytest.mark.parametrize("allow", [False, True])
def test_guard_refuses_malformed_urls_with_a_fetch_error(url: str, allow: bool) -> None:
    # Links come from feeds: a bad one must be a per-entry outcome, not a bare ValueError.
    with pytest.raises(FetchPermanent):
        guard_url(url, allow_private_networks=allow)


# --- Fetcher.get: bodies, headers, statuses ------------------------------------------------------


def test_get_returns_body_and_validators(site: LoopbackSite, fetcher: Fetcher) -> None:
    headers = {
        "Content-Type": "application/rss+xml; charset=utf-8",
        "ETag": '"v1-abc"',
        "Last-Modified": "Wed, 06 Mar 2024 12:00:00 GMT",
    }
    site.routes["/feed.xml"] = (200, headers, b"<rss>hello</rss>")
    result = fetcher.get(site.base_url + "/feed.xml", max_bytes=1000)
    assert result.status == 200
    assert result.content == b"<rss>hello</rss>"
    assert result.url == site.base_url + "/feed.xml"
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.etag == '"v1-abc"'
    assert result.last_modified == "Wed, 06 Mar 2024 12:00:00 GMT"
    assert not result.not_modified
    assert site.hits == {"/feed.xml": 1}


def test_conditional_get_sends_validators_and_304_is_not_modified(
    site: LoopbackSite, fetcher: Fetcher
) -> None:
    etag, last_modified = '"v7"', "Thu, 07 Mar 2024 08:00:00 GMT"
    seen: list[tuple[str | None, str | None]] = []

    def route(handler: BaseHTTPRequestHandler) -> Route:
        inm, ims = handler.headers.get("If-None-Match"), handler.headers.get("If-Modified-Since")
        seen.append((inm, ims))
        if inm == etag and ims == last_modified:
            return 304, {"ETag": etag}, b""
        return 200, {"ETag": etag, "Last-Modified": last_modified}, b"<rss>full</rss>"

    site.routes["/feed.xml"] = route
    url = site.base_url + "/feed.xml"
    first = fetcher.get(url, max_bytes=1000)
    assert first.status == 200 and first.content == b"<rss>full</rss>"
    second = fetcher.get(url, max_bytes=1000, etag=first.etag, last_modified=first.last_modified)
    assert seen == [(None, None), (etag, last_modified)]
    assert second.not_modified
    assert second.status == 304
    assert second.content == b""
    assert (second.etag, second.last_modified) == (etag, last_modified)  # kept for the next poll


def test_before_send_is_asked_once_before_the_request_goes_out_and_can_stop_it(
    site: LoopbackSite, fetcher: Fetcher
) -> None:
    site.routes["/a.xml"] = (301, {"Location": "/b.xml"}, b"")
    site.routes["/b.xml"] = (200, {}, b"<rss/>")
    accepted_before: list[int] = []
    calls: list[str] = []

    def before() -> Callable[[], None]:  # no request has reached the server yet
        accepted_before.append(sum(site.hits.values()))
        calls.append("before")
        return lambda: calls.append("sent")

    assert fetcher.get(site.base_url + "/a.xml", max_bytes=1000, before_send=before).content == b"<rss/>"
    assert accepted_before == [0]  # once, before the first request; not again for the redirect
    assert calls == ["before", "sent"]  # what it returned: once, when the first request went

    class Busy(Exception):
        pass

    def busy() -> None:
        raise Busy

    with pytest.raises(Busy):
        fetcher.get(site.base_url + "/b.xml", max_bytes=1000, before_send=busy)
    assert site.hits == {"/a.xml": 1, "/b.xml": 1}  # nothing of it reached the server
    assert fetcher.get(site.base_url + "/b.xml", max_bytes=1000).status == 200  # nor stays asked


def test_user_agent_and_accept_headers(site: LoopbackSite, fetcher: Fetcher) -> None:
    seen: dict[str, str] = {}

    def route(handler: BaseHTTPRequestHandler) -> Route:
        seen.update({k.lower(): v for k, v in handler.headers.items()})
        return 200, {}, b"ok"

    site.routes["/page"] = route
    fetcher.get(site.base_url + "/page", max_bytes=100, accept="text/html")
    assert "wirewatch" in seen["user-agent"].lower()
    assert seen["user-agent"] == UA
    assert seen["accept"] == "text/html"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_client_errors_are_permanent_and_name_the_url(
    site: LoopbackSite, fetcher: Fetcher, status: int
) -> None:
    site.routes["/gone"] = (status, {}, b"no")
    url = site.base_url + "/gone"
    with pytest.raises(FetchPermanent) as info:
        fetcher.get(url, max_bytes=1000)
    assert not isinstance(info.value, FetchRetriable)
    assert url in str(info.value)
    assert str(status) in str(info.value)


def test_missing_route_404_is_permanent(site: LoopbackSite, fetcher: Fetcher) -> None:
    url = site.base_url + "/nothing-here"
    with pytest.raises(FetchPermanent, match="404") as info:
        fetcher.get(url, max_bytes=1000)
    assert url in str(info.value)
    assert site.hits == {"/nothing-here": 1}


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_server_errors_and_rate_limits_are_retriable(
    site: LoopbackSite, fetcher: Fetcher, status: int
) -> None:
    site.routes["/busy"] = (status, {"Retry-After": "30"}, b"later")
    with pytest.raises(FetchRetriable, match=str(status)):
        fetcher.get(site.base_url + "/busy", max_bytes=1000)


def test_connection_refused_is_retriable(fetcher: Fetcher) -> None:
    url = f"http://127.0.0.1:{free_port()}/feed.xml"
    with pytest.raises(FetchRetriable) as info:
        fetcher.get(url, max_bytes=1000)
    assert url in str(info.value)


def test_read_timeout_is_retriable(site: LoopbackSite) -> None:
    release = threading.Event()

    def stall(handler: BaseHTTPRequestHandler) -> Route:
        release.wait(5)
        return 200, {}, b"late"

    site.routes["/slow"] = stall
    f = Fetcher(UA, timeout=0.3, allow_private_networks=True)
    try:
        with pytest.raises(FetchRetriable, match="Timeout"):
            f.get(site.base_url + "/slow", max_bytes=1000)
    finally:
        release.set()
        f.close()


@pytest.mark.parametrize("url_tail", ["/a\nb", "/a\x00b", "/" + "a" * 70_000])
def test_unfetchable_urls_are_permanent_errors(site: LoopbackSite, fetcher: Fetcher, url_tail: str) -> None:
    with pytest.raises(FetchPermanent):
        fetcher.get(site.base_url + url_tail, max_bytes=1000)


# --- size caps -----------------------------------------------------------------------------------


def test_body_at_the_cap_is_accepted(site: LoopbackSite, fetcher: Fetcher) -> None:
    site.routes["/exact"] = (200, {}, b"x" * 1000)
    assert fetcher.get(site.base_url + "/exact", max_bytes=1000).content == b"x" * 1000


def test_declared_content_length_over_the_cap(site: LoopbackSite, fetcher: Fetcher) -> None:
    site.routes["/big"] = (200, {"Content-Type": "text/html"}, b"x" * 5000)
    with pytest.raises(TooLargeError, match="Content-Length 5000") as info:
        fetcher.get(site.base_url + "/big", max_bytes=1000)
    assert site.base_url + "/big" in str(info.value)


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * 50_000_000, compresslevel=9)


def test_gzip_bomb_hits_the_cap_without_inflating_it_all(
    site: LoopbackSite, fetcher: Fetcher, gzip_bomb: bytes
) -> None:
    assert len(gzip_bomb) < 100_000  # small on the wire: the Content-Length check cannot catch it
    site.routes["/bomb"] = (200, {"Content-Encoding": "gzip", "Content-Type": "text/html"}, gzip_bomb)
    _refused_within_16_mb(fetcher, site.base_url + "/bomb")


def _refused_within_16_mb(fetcher: Fetcher, url: str) -> None:
    """The fetch hits its 1 MB cap, and Python's memory peaks under 16 MB meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError, match="byte cap"):
            fetcher.get(url, max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000, f"inflated {peak / 1e6:.0f} MB to find a 1 MB cap"


def test_a_two_layer_gzip_bomb_is_bounded_layer_by_layer(site: LoopbackSite, fetcher: Fetcher) -> None:
    """`Content-Encoding: gzip, gzip`: under 100 KB on the wire, 200 MB once both layers are
    inflated, and refused without any layer being inflated past the cap."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    once = b"".join(inner.compress(b"\0" * 10_000_000) for _ in range(20)) + inner.flush()
    twice = gzip.compress(once, compresslevel=9)
    assert len(twice) < 100_000
    site.routes["/bomb2"] = (200, {"Content-Encoding": "gzip, gzip", "Content-Type": "text/html"}, twice)
    _refused_within_16_mb(fetcher, site.base_url + "/bomb2")


def test_two_layers_of_a_small_body_are_decoded(site: LoopbackSite, fetcher: Fetcher) -> None:
    body = b"<rss>" + b"news item " * 5000 + b"</rss>"
    site.routes["/z2"] = (200, {"Content-Encoding": "deflate, gzip"}, gzip.compress(zlib.compress(body)))
    assert fetcher.get(site.base_url + "/z2", max_bytes=len(body)).content == body


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip, gzip", "compress"])
def test_encodings_we_cannot_bound_are_refused(site: LoopbackSite, fetcher: Fetcher, encoding: str) -> None:
    site.routes["/enc"] = (200, {"Content-Encoding": encoding}, b"\x00" * 100)
    with pytest.raises(FetchPermanent, match="unsupported Content-Encoding"):
        fetcher.get(site.base_url + "/enc", max_bytes=1000)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
    ],
)
def test_compressed_bodies_are_decoded(
    site: LoopbackSite, fetcher: Fetcher, encoding: str, compress: object
) -> None:
    body = b"<rss>" + b"news item " * 5000 + b"</rss>"
    assert callable(compress)
    site.routes["/z"] = (200, {"Content-Encoding": encoding}, compress(body))
    assert fetcher.get(site.base_url + "/z", max_bytes=len(body)).content == body
    with pytest.raises(TooLargeError):
        fetcher.get(site.base_url + "/z", max_bytes=len(body) - 1)


def test_corrupt_gzip_is_a_permanent_error(site: LoopbackSite, fetcher: Fetcher) -> None:
    site.routes["/bad"] = (200, {"Content-Encoding": "gzip"}, b"\x1f\x8b\x08\x00garbage-not-deflate" * 10)
    with pytest.raises(FetchPermanent, match="decode"):
        fetcher.get(site.base_url + "/bad", max_bytes=1000)


# --- redirects -----------------------------------------------------------------------------------


def test_redirect_chain_is_followed(site: LoopbackSite, fetcher: Fetcher) -> None:
    site.routes["/old"] = (301, {"Location": "/moved"}, b"")
    site.routes["/moved"] = (302, {"Location": site.base_url + "/tmp"}, b"")
    site.routes["/tmp"] = (307, {"Location": "final.xml"}, b"")  # relative to /tmp
    site.routes["/final.xml"] = (200, {"ETag": '"f"'}, b"<rss>final</rss>")
    result = fetcher.get(site.base_url + "/old", max_bytes=1000)
    assert result.url == site.base_url + "/final.xml"
    assert result.content == b"<rss>final</rss>"
    assert result.etag == '"f"'
    assert site.hits == {"/old": 1, "/moved": 1, "/tmp": 1, "/final.xml": 1}


def _chain(site: LoopbackSite, hops: int) -> str:
    for i in range(hops):
        site.routes[f"/hop{i}"] = (308 if i % 2 else 302, {"Location": f"/hop{i + 1}"}, b"")
    site.routes[f"/hop{hops}"] = (200, {}, b"arrived")
    return site.base_url + "/hop0"


def test_five_redirects_are_allowed(site: LoopbackSite, fetcher: Fetcher) -> None:
    assert MAX_REDIRECTS == 5
    result = fetcher.get(_chain(site, 5), max_bytes=100)
    assert result.content == b"arrived"


def test_more_than_five_redirects_is_permanent(site: LoopbackSite, fetcher: Fetcher) -> None:
    with pytest.raises(FetchPermanent, match="redirects"):
        fetcher.get(_chain(site, 6), max_bytes=100)
    assert sum(site.hits.values()) == 6  # it stopped: the sixth hop's target was never asked for
    assert "/hop6" not in site.hits


def test_redirect_loop_ends(site: LoopbackSite, fetcher: Fetcher) -> None:
    site.routes["/a"] = (302, {"Location": "/b"}, b"")
    site.routes["/b"] = (302, {"Location": "/a"}, b"")
    with pytest.raises(FetchPermanent, match="redirects"):
        fetcher.get(site.base_url + "/a", max_bytes=100)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "http://127.0.0.1:99999/"])
def test_redirect_to_a_non_http_or_malformed_url_is_refused(
    site: LoopbackSite, fetcher: Fetcher, target: str
) -> None:
    site.routes["/r"] = (302, {"Location": target}, b"")
    with pytest.raises(BlockedAddressError):
        fetcher.get(site.base_url + "/r", max_bytes=100)


def test_blocked_first_hop_never_reaches_the_server(site: LoopbackSite) -> None:
    site.routes["/"] = (200, {}, b"secret")
    strict = Fetcher(UA, timeout=5.0, allow_private_networks=False)
    try:
        with pytest.raises(BlockedAddressError, match=r"127\.0\.0\.1"):
            strict.get(site.base_url + "/", max_bytes=100)
    finally:
        strict.close()
    assert site.hits == {}


PUBLIC = "http://93.184.216.34"  # a public literal address: the guard passes it without DNS


@pytest.fixture
def via_proxy(site: LoopbackSite) -> Iterator[Fetcher]:
    """A strict Fetcher whose requests all go through the loopback site acting as a forward proxy,
    so a public first hop can be served offline; handler.path is then the absolute URL."""
    f = Fetcher(
        UA, timeout=5.0, allow_private_networks=False, transport=httpx.HTTPTransport(proxy=site.base_url)
    )
    yield f
    f.close()


def test_redirect_between_public_hosts_is_followed(site: LoopbackSite, via_proxy: Fetcher) -> None:
    site.routes[PUBLIC + "/start"] = (302, {"Location": PUBLIC + "/next"}, b"")
    site.routes[PUBLIC + "/next"] = (200, {}, b"public page")
    result = via_proxy.get(PUBLIC + "/start", max_bytes=100)
    assert result.content == b"public page"
    assert result.url == PUBLIC + "/next"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://[::ffff:127.0.0.1]:{port}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/internal",
        "http://localhost:{port}/secret",
    ],
)
def test_redirect_from_public_to_private_is_refused(
    site: LoopbackSite, via_proxy: Fetcher, target: str
) -> None:
    port = site.base_url.rsplit(":", 1)[1]
    location = target.format(port=port)
    site.routes[PUBLIC + "/start"] = (302, {"Location": location}, b"")
    site.routes["/secret"] = (200, {}, b"internal")
    with pytest.raises(BlockedAddressError, match="non-public"):
        via_proxy.get(PUBLIC + "/start", max_bytes=100)
    assert site.hits == {PUBLIC + "/start": 1}


def test_every_failure_is_a_wirewatch_error(site: LoopbackSite, fetcher: Fetcher) -> None:
    """What a job catches: nothing else may escape Fetcher.get."""
    site.routes["/loc-bad-port"] = (302, {"Location": "http://127.0.0.1:70000/"}, b"")
    for url in [site.base_url + "/loc-bad-port", "http://" + "a" * 300 + ".test/"]:
        with pytest.raises(WirewatchError):
            fetcher.get(url, max_bytes=100)


# --- the guard at connect time (a stub resolver: no DNS) -----------------------------------------


class StubResolver:
    """Answers every name with the given addresses, counting the look-ups."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = list(addresses)
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        return list(self.addresses)


def test_the_connection_goes_to_the_address_that_was_checked(site: LoopbackSite) -> None:
    """A made-up name the system cannot resolve is fetched from where the resolver said, with one
    look-up per connection (the loopback site closes each): the address checked is the address
    connected to."""
    site.routes["/feed.xml"] = (200, {}, b"hello")
    port = site.base_url.rsplit(":", 1)[1]
    resolver = StubResolver("127.0.0.1")
    f = Fetcher(UA, timeout=5.0, allow_private_networks=True, resolver=resolver)
    try:
        assert f.get(f"http://feeds.rebind.test:{port}/feed.xml", max_bytes=100).content == b"hello"
        assert f.get(f"http://feeds.rebind.test:{port}/feed.xml", max_bytes=100).content == b"hello"
    finally:
        f.close()
    assert resolver.calls == ["feeds.rebind.test", "feeds.rebind.test"]


@pytest.mark.parametrize(
    "answer", [("127.0.0.1",), ("93.184.216.34", "127.0.0.1"), ("::1",), ("169.254.169.254",)]
)
def test_a_name_that_resolves_to_a_private_address_is_never_connected_to(
    site: LoopbackSite, answer: tuple[str, ...]
) -> None:
    """DNS rebinding: whatever an earlier look-up said, the connection is checked on the answer
    it uses, and one private address in it refuses the connection before anything is sent."""
    site.routes["/secret"] = (200, {}, b"internal")
    port = site.base_url.rsplit(":", 1)[1]
    strict = Fetcher(UA, timeout=5.0, allow_private_networks=False, resolver=StubResolver(*answer))
    try:
        with pytest.raises(BlockedAddressError, match="non-public"):
            strict.get(f"http://evil.rebind.test:{port}/secret", max_bytes=100)
    finally:
        strict.close()
    assert site.hits == {}


def test_a_name_that_does_not_resolve_is_a_retriable_failure() -> None:
    def nowhere(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    f = Fetcher(UA, timeout=5.0, allow_private_networks=False, resolver=nowhere)
    try:
        with pytest.raises(FetchRetriable, match="cannot resolve"):
            f.get("http://gone.rebind.test/feed.xml", max_bytes=100)
    finally:
        f.close()


# --- the overall deadline ------------------------------------------------------------------------


class TricklingServer:
    """A raw TCP server on 127.0.0.1 that sends its whole answer a byte at a time, `gap` seconds
    apart, and notes whether it got to the end."""

    def __init__(self, answer: bytes, gap: float) -> None:
        self.answer, self.gap = answer, gap
        self.sent = 0
        self.finished = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/slow"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)
            try:
                for i in range(len(self.answer)):
                    conn.sendall(self.answer[i : i + 1])
                    self.sent = i + 1
                    time.sleep(self.gap)
            except OSError:  # the client hung up: what a deadline does
                return
            self.finished.set()

    def close(self) -> None:
        self.sock.close()


SLOW_HEADERS = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nX-Padding: "
    + b"p" * 20
    + b"\r\nContent-Length: 2\r\n\r\nok"
)
SLOW_BODY = b"HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n" + b"b" * 60


@pytest.mark.parametrize(
    ("answer", "cut_before"),
    [(SLOW_HEADERS, SLOW_HEADERS.index(b"\r\n\r\n")), (SLOW_BODY, len(SLOW_BODY))],
    ids=["slow headers", "slow body"],
)
def test_the_deadline_holds_from_the_connection_to_the_last_byte(answer: bytes, cut_before: int) -> None:
    server = TricklingServer(answer, gap=0.15)  # about 12 s to send it all, never 1 s between bytes
    f = Fetcher(UA, timeout=1.0, allow_private_networks=True)  # the deadline: twice that, 2 s
    try:
        with pytest.raises(FetchRetriable, match="longer than 2s"):
            f.get(server.url, max_bytes=10_000)
        assert server.sent < cut_before  # cut off at the deadline, before the server got that far
    finally:
        f.close()
        server.close()
