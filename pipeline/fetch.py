"""HTTP for feeds, pages and webhooks: timeouts, size caps, conditional GET, the address guard.

Every URL we fetch or post to comes from a feed, a page or a config file, so it is untrusted:
each hop (redirects included) is resolved and refused when it lands on a loopback, private,
link-local or otherwise non-public address, unless the config says `allow_private_networks: true`.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from .errors import BlockedAddressError, FetchPermanent, FetchRetriable, TooLargeError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
RETRIABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def _is_public(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return _is_public(addr.ipv4_mapped)
    return addr.is_global and not addr.is_multicast


def guard_url(url: str, allow_private_networks: bool) -> None:
    """Raise BlockedAddressError if `url` is not http(s) or resolves to a non-public address."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port out of range or not a number
    except ValueError as exc:
        raise BlockedAddressError(f"{url}: not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddressError(f"{url}: only http(s) URLs with a host are fetched")
    if allow_private_networks:
        return
    host = parts.hostname
    try:
        addrs = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
        except UnicodeError as exc:  # no IDNA form (e.g. a label over 63 characters): never resolves
            raise BlockedAddressError(f"{url}: {host} is not a valid host name: {exc}") from exc
        except socket.gaierror as exc:
            raise FetchRetriable(f"{url}: cannot resolve {host}: {exc}") from exc
        addrs = {ipaddress.ip_address(info[4][0]) for info in infos}
    for addr in addrs:
        if not _is_public(addr):
            raise BlockedAddressError(
                f"{url}: {host} resolves to {addr}, a non-public address "
                "(set allow_private_networks: true to allow it)"
            )


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

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
    ) -> None:
        self.timeout = timeout
        self.allow_private_networks = allow_private_networks
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
    ) -> FetchResult:
        """GET with redirects guarded hop by hop, a decoded-size cap and an overall deadline.

        Raises FetchRetriable (network trouble, 5xx, 429), FetchPermanent (4xx, too many
        redirects), BlockedAddressError or TooLargeError.
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + self.timeout * 2
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            guard_url(current, self.allow_private_networks)
            try:
                with self.client.stream("GET", current, headers=headers) as resp:
                    if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
                        current = urljoin(current, resp.headers["location"])
                        continue
                    if resp.status_code == 304:
                        return FetchResult(current, 304, b"", etag=etag, last_modified=last_modified)
                    _raise_for_status(url, resp)
                    declared = resp.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise TooLargeError(
                            f"{url}: Content-Length {declared} is over the {max_bytes} byte cap"
                        )
                    body = bytearray()
                    for chunk in _decoded_chunks(resp, max_bytes):  # a gzip bomb hits the cap, not memory
                        body += chunk
                        if len(body) > max_bytes:
                            raise TooLargeError(f"{url}: body is over the {max_bytes} byte cap")
                        if time.monotonic() > deadline:
                            raise FetchRetriable(f"{url}: download took longer than {self.timeout * 2:.0f}s")
                    return FetchResult(
                        url=current,
                        status=resp.status_code,
                        content=bytes(body),
                        content_type=resp.headers.get("content-type", ""),
                        etag=resp.headers.get("etag"),
                        last_modified=resp.headers.get("last-modified"),
                    )
            except (httpx.DecodingError, zlib.error) as exc:
                raise FetchPermanent(f"{url}: cannot decode the body: {exc}") from exc
            except (httpx.InvalidURL, UnicodeError) as exc:  # not HTTPError subclasses
                raise FetchPermanent(f"{url}: not a fetchable URL: {type(exc).__name__}: {exc}") from exc
            except httpx.HTTPError as exc:
                raise FetchRetriable(f"{url}: {type(exc).__name__}: {exc}") from exc
        raise FetchPermanent(f"{url}: more than {MAX_REDIRECTS} redirects")

    def post(self, url: str, *, content: bytes, headers: dict[str, str], timeout: float) -> httpx.Response:
        """POST once, no redirects followed, to a guarded address. Network errors raise httpx errors.

        The response body is not read: a receiver's reply cannot be made to fill our memory."""
        guard_url(url, self.allow_private_networks)
        with self.client.stream("POST", url, content=content, headers=headers, timeout=timeout) as resp:
            return resp


def _decoded_chunks(resp: httpx.Response, max_bytes: int) -> Iterator[bytes]:
    """The decoded body. gzip/deflate are inflated here, at most max_bytes + 1 bytes in all:
    httpx's own decoder inflates each network chunk whole (64 KiB of gzip can be 64 MB)."""
    encoding = resp.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("gzip", "x-gzip", "deflate"):
        yield from resp.iter_bytes()
        return
    inflater = zlib.decompressobj(zlib.MAX_WBITS | (16 if encoding != "deflate" else 0))
    first, produced = encoding == "deflate", 0
    for raw in resp.iter_raw():
        try:
            out = inflater.decompress(raw, max_bytes + 1 - produced)
        except zlib.error:
            if not first:
                raise
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent as a raw stream
            out = inflater.decompress(raw, max_bytes + 1 - produced)
        first = False
        produced += len(out)
        yield out  # when it filled the limit, the caller stops at the cap


def _raise_for_status(url: str, resp: httpx.Response) -> None:
    code = resp.status_code
    if 200 <= code < 300:
        return
    reason = f"{url}: HTTP {code} {resp.reason_phrase}".rstrip()
    if code in RETRIABLE_STATUS or code >= 500:
        raise FetchRetriable(reason)
    raise FetchPermanent(reason)
