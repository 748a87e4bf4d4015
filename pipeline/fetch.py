"""HTTP for feeds, pages and webhooks: timeouts, size caps, conditional GET, the address guard.

Every URL we fetch or post to comes from a feed, a page or a config file, so it is untrusted:
each hop (redirects included) is refused when it lands on a loopback, private, link-local or
otherwise non-public address, unless the config says `allow_private_networks: true`. The check
is made on the very addresses a new connection is opened to (`GuardedBackend`): the host is
resolved once, the answer checked and then connected to, so a DNS answer that changes between a
check and the connection (DNS rebinding) cannot reach a private address.
"""

from __future__ import annotations

import contextvars
import email.utils
import ipaddress
import logging
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from .errors import BlockedAddressError, FetchPermanent, FetchRetriable, Gone, TooLargeError
from .values import plain_http_host

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
RETRIABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


# IPv6 prefixes whose last 32 bits are an IPv4 address a packet may end up at: NAT64 (well-known
# and local-use prefixes, RFC 6052 / 8215) and the deprecated IPv4-compatible form.
_V4_IN_LAST_32 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96"))


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 transition form carries: mapped, 6to4, Teredo, NAT64."""
    found = [a for a in (addr.ipv4_mapped, addr.sixtofour) if a is not None]
    if addr.teredo is not None:
        found += list(addr.teredo)
    if any(addr in net for net in _V4_IN_LAST_32):
        found.append(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    return found


def _is_public(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable, not multicast, and carrying no non-public IPv4 address inside."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:  # ::ffff:a.b.c.d is that IPv4 address, nothing else
            return _is_public(addr.ipv4_mapped)
        if not all(_is_public(v4) for v4 in _embedded_ipv4(addr)):
            return False
    return addr.is_global and not addr.is_multicast


Resolver = Callable[[str, int], list[str]]  # host, port -> the addresses to connect to, in order


_DOTTED = re.compile(r"[0-9.]*")  # what an IPv4 literal is made of (an IPv6 one has a ':')


def names_private_host(url: str) -> bool:
    """Whether the URL's host is, as written, loopback or otherwise non-public (an IP literal or
    localhost): the guard would refuse it without allow_private_networks. Names that resolve to
    such addresses are only found when fetched."""
    return is_private_host_name(plain_http_host(url) or urlsplit(url).hostname or "")


def is_private_host_name(host: str) -> bool:
    """`names_private_host` for a bare host (an IPv6 literal with or without its brackets)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    if ":" not in host and not _DOTTED.fullmatch(host):  # a name: no address literal (read faster)
        return False
    try:
        return not _is_public(ipaddress.ip_address(host))
    except ValueError:
        return False


# The end of the config's warning about such a host (pipeline.config, and the sinks' own).
PRIVATE_REFUSED = "is a loopback or private address: it is refused while allow_private_networks is false"


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses getaddrinfo gives for host (TCP), in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve_checked(
    host: str, port: int, allow_private_networks: bool, resolver: Resolver = system_resolver, url: str = ""
) -> list[str]:
    """The addresses to connect to for host, every one of them checked: BlockedAddressError when
    any is non-public (unless allowed), FetchRetriable when the name does not resolve (yet)."""
    where = url or host
    try:
        addrs = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addrs = resolver(host, port)
        except UnicodeError as exc:  # no IDNA form (e.g. a label over 63 characters): never resolves
            raise BlockedAddressError(f"{where}: {host} is not a valid host name: {exc}") from exc
        except OSError as exc:  # socket.gaierror and friends
            raise FetchRetriable(f"{where}: cannot resolve {host}: {exc}") from exc
    if not addrs:
        raise FetchRetriable(f"{where}: {host} resolves to no address")
    if not allow_private_networks:
        for addr in addrs:
            if not _is_public(ipaddress.ip_address(addr)):
                raise BlockedAddressError(
                    f"{where}: {host} resolves to {addr}, a non-public address "
                    "(set allow_private_networks: true to allow it)"
                )
    return addrs


def _checked_parts(url: str) -> tuple[str, int | None]:
    """(host, port) of an http(s) URL with a host, else BlockedAddressError."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port out of range or not a number
    except ValueError as exc:
        raise BlockedAddressError(f"{url}: not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddressError(f"{url}: only http(s) URLs with a host are fetched")
    return parts.hostname, port


def guard_url(url: str, allow_private_networks: bool, resolver: Resolver = system_resolver) -> None:
    """Raise BlockedAddressError if `url` is not http(s) or resolves to a non-public address.

    A check ahead of time, for URLs not fetched through a `GuardedBackend` (and for people); the
    fetcher itself checks at connect time."""
    host, port = _checked_parts(url)
    if not allow_private_networks:
        resolve_checked(host, port or 443, False, resolver, url)


# When the request under way in this thread must be done by (time.monotonic()); None: no limit.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("fetch_deadline", default=None)


# A request's last word before it goes (a host's politeness: `Fetcher.get(before_send=...)`):
# called right before its first byte goes out, its connection open. What it raises ends the
# fetch, unsent; what it returns, if anything, is called once that first write is done.
BeforeSend = Callable[[], Callable[[], None] | None]

# The before-send hook of the request under way in this thread (then cleared).
_BEFORE_SEND: contextvars.ContextVar[BeforeSend | None] = contextvars.ContextVar(
    "fetch_before_send", default=None
)


def _left(timeout: float | None) -> float | None:
    """The operation's timeout, shortened to what is left of the request's deadline."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline of the request using it, so
    a server that trickles its status line, headers or body cannot hold a fetch past it (httpx's
    timeouts are per read: a byte every few seconds would otherwise never time out)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self.stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        before = _BEFORE_SEND.get()
        if before is None:
            self.stream.write(buffer, _left(timeout))
            return
        _BEFORE_SEND.set(None)  # once a fetch: not again for a redirect's hop
        sent = before()
        self.stream.write(buffer, _left(timeout))
        if sent is not None:
            sent()

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return DeadlineStream(self.stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, but a TCP connection is only opened to addresses that
    `resolve_checked` allowed, from the one resolution it made."""

    def __init__(self, allow_private_networks: bool, resolver: Resolver = system_resolver) -> None:
        self.allow_private_networks = allow_private_networks
        self.resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addrs = resolve_checked(host, port, self.allow_private_networks, self.resolver)
        last: Exception | None = None
        for addr in addrs:
            try:
                stream = super().connect_tcp(addr, port, _left(timeout), local_address, socket_options)
                return DeadlineStream(stream)
            except httpcore.ConnectError as exc:  # try the next address, as create_connection does
                last = exc
        assert last is not None
        raise last


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a `GuardedBackend`. httpx takes no network backend, so the pool it
    builds is replaced by an equal one that has ours (the options are httpx's defaults)."""

    def __init__(self, backend: GuardedBackend, max_connections: int = 100) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            network_backend=backend,
        )


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # the final URL when every redirect hop was permanent (301, 308)
    max_age: float | None = None  # Cache-Control max-age: seconds the answer stays fresh
    truncated: bool = False  # the body was cut at the byte cap (`get(..., cut=True)`)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """One pooled HTTP client, made once per worker and passed to the jobs."""

    def __init__(
        self,
        user_agent: str,
        timeout: float = 20.0,
        allow_private_networks: bool = False,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = system_resolver,
        max_connections: int = 100,
    ) -> None:
        self.timeout = timeout
        self.allow_private_networks = allow_private_networks
        self.resolver = resolver
        # A transport of the caller's (a proxy, a mock) connects where it likes: then each hop's
        # host is resolved and checked ahead of time instead.
        self._check_ahead = transport is not None
        if transport is None:
            transport = GuardedTransport(GuardedBackend(allow_private_networks, resolver), max_connections)
        self.client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        accept: str = "*/*",
        etag: str | None = None,
        last_modified: str | None = None,
        before_send: BeforeSend | None = None,
        cut: bool = False,
    ) -> FetchResult:
        """GET with redirects guarded hop by hop, a decoded-size cap and an overall deadline.
        `before_send` is called once, right before the request's first byte goes out (its
        connection open, so that nothing of ours comes between it and the server); what it
        raises ends the fetch, nothing sent; what it returns, if anything, is called right after
        the request's first write (the request is on its way: a mark of when it went).

        Raises FetchRetriable (network trouble, 5xx, 429), FetchPermanent (4xx, too many
        redirects), BlockedAddressError or TooLargeError; with `cut`, a body over the cap is cut
        there instead (`truncated`), for formats whose beginning is still worth reading (a sitemap
        of millions of URLs, a listing page).
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + self.timeout * 2
        token = _DEADLINE.set(deadline)  # every connect, read and write of this request ends by it
        hook = _BEFORE_SEND.set(before_send)
        try:
            return self._get(url, headers, max_bytes, deadline, cut)
        except httpcore.TimeoutException as exc:  # the deadline, raised where httpx does not map it
            raise FetchRetriable(f"{url}: took longer than {self.timeout * 2:.0f}s") from exc
        finally:
            _BEFORE_SEND.reset(hook)
            _DEADLINE.reset(token)

    def _get(
        self, url: str, headers: dict[str, str], max_bytes: int, deadline: float, cut: bool
    ) -> FetchResult:
        current, permanent = url, True
        for _ in range(MAX_REDIRECTS + 1):
            self._guard(current)
            try:
                with self.client.stream("GET", current, headers=headers) as resp:
                    if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
                        current = urljoin(current, resp.headers["location"])
                        permanent = permanent and resp.status_code in (301, 308)
                        continue
                    moved_to = current if permanent and current != url else None
                    if resp.status_code == 304:
                        return FetchResult(
                            current,
                            304,
                            b"",
                            etag=headers.get("If-None-Match"),
                            last_modified=headers.get("If-Modified-Since"),
                            moved_to=moved_to,
                            max_age=max_age_seconds(resp.headers.get("cache-control")),
                        )
                    _raise_for_status(url, resp)
                    declared = resp.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes and not cut:
                        raise TooLargeError(
                            f"{url}: Content-Length {declared} is over the {max_bytes} byte cap"
                        )
                    body = bytearray()
                    truncated = False
                    for chunk in _decoded_chunks(resp, url, max_bytes):  # a bomb hits the cap, not memory
                        body += chunk
                        if len(body) > max_bytes:
                            if not cut:
                                raise TooLargeError(f"{url}: body is over the {max_bytes} byte cap")
                            del body[max_bytes:]
                            truncated = True
                            break
                        if time.monotonic() > deadline:
                            raise FetchRetriable(f"{url}: download took longer than {self.timeout * 2:.0f}s")
                    return FetchResult(
                        url=current,
                        status=resp.status_code,
                        content=bytes(body),
                        content_type=resp.headers.get("content-type", ""),
                        etag=resp.headers.get("etag"),
                        last_modified=resp.headers.get("last-modified"),
                        moved_to=moved_to,
                        max_age=max_age_seconds(resp.headers.get("cache-control")),
                        truncated=truncated,
                    )
            except (httpx.DecodingError, zlib.error) as exc:
                raise FetchPermanent(f"{url}: cannot decode the body: {exc}") from exc
            except (httpx.InvalidURL, UnicodeError) as exc:  # not HTTPError subclasses
                raise FetchPermanent(f"{url}: not a fetchable URL: {type(exc).__name__}: {exc}") from exc
            except httpx.TimeoutException as exc:
                if time.monotonic() >= deadline:
                    raise FetchRetriable(f"{url}: took longer than {self.timeout * 2:.0f}s") from exc
                raise FetchRetriable(f"{url}: {type(exc).__name__}: {exc}") from exc
            except httpx.HTTPError as exc:
                raise FetchRetriable(f"{url}: {type(exc).__name__}: {exc}") from exc
        raise FetchPermanent(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _guard(self, url: str) -> None:
        if self._check_ahead:
            guard_url(url, self.allow_private_networks, self.resolver)
        else:
            _checked_parts(url)  # the addresses are checked when a connection is opened

    def post(self, url: str, *, content: bytes, headers: dict[str, str], timeout: float) -> httpx.Response:
        """POST once, no redirects followed, to a guarded address. Network errors raise httpx errors.

        The reply's body is read up to REPLY_BYTES and dropped: a reply read to its end leaves
        the connection open for the next delivery to the same receiver (no new connection, no
        address check), and a longer one cannot be made to fill our memory: its connection is
        closed instead."""
        self._guard(url)
        token = _DEADLINE.set(time.monotonic() + timeout * 2)
        try:
            with self.client.stream("POST", url, content=content, headers=headers, timeout=timeout) as resp:
                read = 0
                for chunk in resp.iter_raw():
                    read += len(chunk)
                    if read > REPLY_BYTES:
                        break
                return resp
        finally:
            _DEADLINE.reset(token)


REPLY_BYTES = 64 * 1024  # of a POST's reply, read (and dropped) so that its connection is kept
MAX_ENCODING_LAYERS = 2  # Content-Encoding: gzip, gzip is legal; more is only ever an attack
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class _Layer:
    """One Content-Encoding layer, inflated at most `limit` bytes in all (then the body is over
    the cap: a layer is never inflated whole)."""

    def __init__(self, coding: str, limit: int) -> None:
        self.coding, self.limit, self.produced, self.first = coding, limit, 0, True
        self.inflater = zlib.decompressobj(_WBITS[coding])

    def feed(self, data: bytes) -> bytes:
        try:
            out = self.inflater.decompress(data, self.limit - self.produced)
        except zlib.error:
            if not (self.first and self.coding == "deflate"):
                raise
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent as a raw stream
            out = self.inflater.decompress(data, self.limit - self.produced)
        if data:  # the raw-deflate fallback is only for the first bytes of the stream
            self.first = False
        self.produced += len(out)
        return out

    @property
    def full(self) -> bool:
        return self.produced >= self.limit


def _decoded_chunks(resp: httpx.Response, url: str, max_bytes: int) -> Iterator[bytes]:
    """The decoded body, every Content-Encoding layer inflated as it streams and bounded by the
    cap (max_bytes + 1 bytes at most per layer): httpx's own decoder inflates each network chunk
    whole (64 KiB of gzip can be 64 MB), and a second layer multiplies that again. Encodings we
    did not ask for (br, zstd, ...) are refused rather than handed to a decoder we cannot bound."""
    header = resp.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip().lower() not in ("", "identity")]
    unknown = [c for c in codings if c not in _WBITS]
    if unknown or len(codings) > MAX_ENCODING_LAYERS:
        raise FetchPermanent(f"{url}: unsupported Content-Encoding {header[:100]!r} (gzip, deflate accepted)")
    if not codings:
        yield from resp.iter_bytes()  # nothing to decode (and a body already read, in tests, works)
        return
    layers = [_Layer(c, max_bytes + 1) for c in reversed(codings)]  # the last applied comes off first
    for raw in resp.iter_raw():
        data = raw
        for layer in layers:
            data = layer.feed(data)
            if layer.full:
                raise TooLargeError(f"{url}: body is over the {max_bytes} byte cap ({layer.coding} layer)")
        yield data


def _raise_for_status(url: str, resp: httpx.Response) -> None:
    code = resp.status_code
    if 200 <= code < 300:
        return
    reason = f"{url}: HTTP {code} {resp.reason_phrase[:100]}".rstrip()
    if code in RETRIABLE_STATUS or code >= 500:
        header = resp.headers.get("retry-after")
        if header:
            reason += f" (Retry-After: {header[:64]!r})"
        raise FetchRetriable(reason, retry_after=retry_after_seconds(header, time.time()), http_status=code)
    if code == 410:
        raise Gone(reason, http_status=code)
    raise FetchPermanent(reason, http_status=code)


MAX_RETRY_AFTER = 86400.0  # a server asking for more than a day is asked again after a day


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now, at most a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, when.timestamp() - now), MAX_RETRY_AFTER)


_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-maxage|max-age)\s*=\s*\"?(\d{1,10})")


def max_age_seconds(cache_control: str | None) -> float | None:
    """Cache-Control's max-age (or s-maxage, the larger) in seconds, at most a day; None without.
    A small regex: httpx parses no Cache-Control, and a header is all there is to read."""
    if not cache_control:
        return None
    ages = [int(m) for m in _MAX_AGE.findall(cache_control[:1000].lower())]
    return min(float(max(ages)), MAX_RETRY_AFTER) if ages else None
