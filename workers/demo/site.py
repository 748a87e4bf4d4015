"""A small news site made from seeds/: an RSS feed plus one article page per seed, served on a
loopback port. The pages carry a site menu, a sidebar and a footer that mention all three topics,
so a matcher that reads the raw page instead of the extracted story would alert wrongly. Beside
it, the other loopback parts tests and benches use: a webhook receiver that verifies signatures,
and a WebSub hub."""

from __future__ import annotations

import html
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import yaml
from standardwebhooks.webhooks import Webhook

from pipeline.websub import sign

CHROME_NAV = (
    '<header><nav class="menu"><ul><li><a href="/topics/navalny">Navalny</a></li>'
    '<li><a href="/topics/icc">International Criminal Court</a></li>'
    '<li><a href="/topics/kremlin">Kremlin spokesman Peskov said</a></li></ul></nav></header>'
)
CHROME_ASIDE = (
    '<aside class="sidebar"><h3>Most read</h3><ul>'
    '<li><a href="/x1">Yulia Navalnaya, Alexei Navalny\'s widow, speaks out</a></li>'
    '<li><a href="/x2">ICC prosecutor seeks arrest warrants</a></li>'
    '<li><a href="/x3">Peskov told reporters the Kremlin denied it</a></li></ul></aside>'
)
CHROME_FOOTER = "<footer><p>Topics: Navalny, ICC, International Criminal Court, Peskov.</p></footer>"


@dataclass(frozen=True)
class Seed:
    stem: str
    title: str
    text: str


def load_seeds(seeds_dir: Path) -> list[Seed]:
    seeds = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text("utf-8").strip()
        first = text.splitlines()[0].strip()
        title = first if len(first) <= 110 else first[:100].rsplit(" ", 1)[0] + "…"
        seeds.append(Seed(stem=path.stem, title=title, text=text))
    return seeds


def load_expected(seeds_dir: Path) -> dict[str, set[str]]:
    """seeds/expected.yaml: seed file name -> the rule ids it must alert."""
    data = yaml.safe_load((seeds_dir / "expected.yaml").read_text("utf-8"))
    return {Path(name).stem: set(rules) for name, rules in data["alerts"].items()}


def article_page(seed: Seed) -> bytes:
    paras = "".join(f"<p>{html.escape(p.strip())}</p>" for p in seed.text.splitlines() if p.strip())
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(seed.title)}'
        f' | Seed News</title><meta property="og:title" content="{html.escape(seed.title)}"></head>'
        f"<body>{CHROME_NAV}<main><article><h1>{html.escape(seed.title)}</h1>"
        f'<p class="byline">By Seed News staff</p>{paras}</article></main>{CHROME_ASIDE}{CHROME_FOOTER}'
        "</body></html>"
    )
    return page.encode("utf-8")


def rss_feed(
    seeds: list[Seed], base_url: str, guid_prefix: str = "seed-", start: datetime | None = None
) -> bytes:
    """An RSS feed of the seeds, an hour apart, the newest an hour old by default (so that no
    story is too old to alert on: see `defaults.max_entry_age`)."""
    if start is None:
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=len(seeds) + 1)
    items = []
    for i, seed in enumerate(seeds):
        link = f"{base_url}/articles/{seed.stem}.html"
        summary = seed.text[:280].rsplit(" ", 1)[0] + "…"
        items.append(
            f"<item><title>{html.escape(seed.title)}</title><link>{html.escape(link)}</link>"
            f'<guid isPermaLink="false">{guid_prefix}{seed.stem}</guid>'
            f"<pubDate>{format_datetime(start + timedelta(hours=i))}</pubDate>"
            f"<description>{html.escape(summary)}</description></item>"
        )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Seed News</title>'
        f"<link>{base_url}/</link><description>wirewatch seed stories</description><language>en</language>"
        + "".join(items)
        + "</channel></rss>"
    )
    return xml.encode("utf-8")


Route = tuple[int, dict[str, str], bytes]


class QuietServer(ThreadingHTTPServer):
    """A client that went away (it timed out, as it should on a slow route) is no error here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def respond(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    handler.send_response(status)
    for k, v in headers.items():
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class LoopbackSite:
    """A ThreadingHTTPServer on 127.0.0.1 (or `host`: a test's own network namespace reaches it
    on its veth address) serving a dict of path -> (status, headers, body) or a callable
    returning one; it counts requests per path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route | Callable[[BaseHTTPRequestHandler], Route]] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with site._lock:
                    site.hits[self.path] = site.hits.get(self.path, 0) + 1
                route = site.routes.get(self.path)
                status, headers, body = (
                    (404, {"Content-Type": "text/plain"}, b"not found")
                    if route is None
                    else route(self)
                    if callable(route)
                    else route
                )
                respond(self, status, headers, body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = QuietServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LoopbackSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def seed_site(seeds_dir: Path) -> LoopbackSite:
    """The demo site: /feed.xml, /feed2.xml (same links, other guids) and /articles/<seed>.html."""
    site = LoopbackSite()
    seeds = load_seeds(seeds_dir)
    rss = {"Content-Type": "application/rss+xml; charset=utf-8"}
    site.routes["/feed.xml"] = (200, rss, rss_feed(seeds, site.base_url))
    site.routes["/feed2.xml"] = (200, rss, rss_feed(seeds, site.base_url, guid_prefix="mirror-"))
    for seed in seeds:
        site.routes[f"/articles/{seed.stem}.html"] = (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            article_page(seed),
        )
    return site


Answer = tuple[int, dict[str, str]]  # an HTTP status and its headers


class WebhookReceiver:
    """A loopback webhook endpoint that verifies every Standard Webhooks signature and keeps the
    verified payloads (and the webhook-id and time of every try). `fail_first` answers
    `fail_status` (500) with `fail_headers` that many times; `script` answers each of its
    (status, headers) in turn first (a 2xx in it counts as delivered)."""

    def __init__(
        self,
        secret: str,
        fail_first: int = 0,
        fail_status: int = 500,
        fail_headers: dict[str, str] | None = None,
        script: list[Answer] | None = None,
        hold_first: bool = False,
        host: str = "127.0.0.1",
    ) -> None:

        self.verifier = Webhook(secret)
        self.payloads: list[dict[str, Any]] = []
        self.attempt_ids: list[str] = []
        self.body_sizes: list[int] = []  # bytes of every body received
        self.bad_signatures = 0
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.fail_headers = fail_headers or {}
        self.script: list[Answer] = list(script or [])
        self.times: list[float] = []  # when each verified try came (time.time(), as the test's clock says)
        # hold_first: the first verified try waits for `release` (its sender may die meanwhile)
        self.entered, self.release = threading.Event(), threading.Event()
        self._hold = hold_first
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # connections kept open between deliveries, as receivers do

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer_headers = receiver._receive(body, headers)
                self.send_response(status)
                for k, v in answer_headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = QuietServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _receive(self, body: bytes, headers: dict[str, str]) -> Answer:
        with self._lock:
            self.body_sizes.append(len(body))
        try:
            payload = self.verifier.verify(body, headers)
        except Exception:
            with self._lock:
                self.bad_signatures += 1
            return 401, {}
        if self._hold:
            self._hold = False
            self.entered.set()
            self.release.wait(30)
        with self._lock:
            self.attempt_ids.append(headers.get("webhook-id", ""))
            self.times.append(time.time())
            if self.script:
                status, answer_headers = self.script.pop(0)
                if 200 <= status < 300:
                    self.payloads.append(payload)
                return status, answer_headers
            if self.fail_first > 0:
                self.fail_first -= 1
                return self.fail_status, self.fail_headers
            self.payloads.append(payload)
        return 204, {}

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Recorder:
    """A loopback HTTP endpoint that keeps every request (path, headers, body) and answers
    each path's `script` of statuses in turn, then 200: what Apprise's json://, form:// and
    ntfy:// targets post to."""

    def __init__(self, script: dict[str, list[int]] | None = None) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.script = {path: list(codes) for path, codes in (script or {}).items()}
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with recorder._lock:
                    recorder.requests.append(
                        (self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    codes = recorder.script.get(self.path.split("?", 1)[0])
                    status = codes.pop(0) if codes else 200
                respond(self, status, {"Content-Type": "application/json"}, b"{}")

            do_PUT = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self, path: str) -> list[bytes]:
        with self._lock:
            return [body for p, _, body in self.requests if p.split("?", 1)[0] == path]

    def start(self) -> Recorder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class WebSubHub:
    """A WebSub hub on loopback (W3C WebSub, as a publisher's hub is): takes (un)subscriptions,
    verifies intent with a GET to the callback (after answering 202, as hubs do), and publishes
    content to its subscribers signed with their secrets (`publish`; another `secret` forges)."""

    def __init__(self) -> None:
        self.subscribers: dict[str, dict[str, str]] = {}  # topic -> {callback, secret, lease}
        self.requests: list[dict[str, str]] = []
        self.verified: list[tuple[str, int, str]] = []  # (mode, status, echoed)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                hub.requests.append(form)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                threading.Thread(target=hub._verify, args=(form,), daemon=True).start()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _verify(self, form: dict[str, str]) -> None:
        challenge = f"challenge-{len(self.verified)}"
        query = {"hub.mode": form["hub.mode"], "hub.topic": form["hub.topic"], "hub.challenge": challenge}
        if form["hub.mode"] == "subscribe":
            query["hub.lease_seconds"] = form.get("hub.lease_seconds", "3600")
        sep = "&" if "?" in form["hub.callback"] else "?"
        try:
            with urllib.request.urlopen(form["hub.callback"] + sep + urlencode(query), timeout=10) as reply:
                status, echoed = reply.status, reply.read().decode()
        except urllib.error.HTTPError as exc:
            status, echoed = exc.code, ""
        self.verified.append((form["hub.mode"], status, echoed))
        if status == 200 and echoed == challenge:
            if form["hub.mode"] == "subscribe":
                self.subscribers[form["hub.topic"]] = form
            else:
                self.subscribers.pop(form["hub.topic"], None)

    def publish(self, topic: str, body: bytes, secret: str | None = None) -> int:
        sub = self.subscribers[topic]
        headers = {"Content-Type": "application/atom+xml",
                   "X-Hub-Signature": sign(secret or sub["hub.secret"], body)}  # fmt: skip
        request = urllib.request.Request(sub["hub.callback"], data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as reply:
            return int(reply.status)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
