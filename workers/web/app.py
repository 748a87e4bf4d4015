"""The web app on `metrics_listen` (default 127.0.0.1:9108): the status page (/), Prometheus
metrics (/metrics, prometheus_client's ASGI app, mounted), /healthz, /readyz and the WebSub
callback, as one Starlette app served by uvicorn from a daemon thread of whichever process runs
it (`run`, or a lone `worker` or `scheduler`).

Who may ask: /healthz and the WebSub callback anyone (a hub proves itself by its signature);
everything else the holder of `metrics_token` when one is set (workers.web.auth), which the
config requires off loopback. Bounded: a request body of more than MAX_BODY_BYTES (the WebSub
callback: `websub.max_push_bytes`) is refused with 413 before it is read, at most
MAX_CONNECTIONS connections are served at once (more get 503), and an idle keep-alive connection
is closed after KEEP_ALIVE seconds.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from importlib.metadata import version
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from prometheus_client import CollectorRegistry, make_asgi_app
from redis import Redis
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from pipeline.config import Config
from pipeline.config.schema import loopback_listen

from ..history.database import History, history_url_for
from ..services import Queues
from ..store import ratelimit
from . import feedback_page, search_page, status_page, try_rule, websub
from .api import build_api
from .auth import authorized
from .health import readiness

log = logging.getLogger("workers.metrics")  # the name its lines have always had

API = "/api/v1"
MAX_BODY_BYTES = 64 * 1024  # what any request but a WebSub push may send: none of ours takes a body
MAX_CONNECTIONS = 64
KEEP_ALIVE = 5.0  # seconds an idle connection is kept
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Listening:
    """The running web app: `server_port` (the port bound, for listen "host:0"), `shutdown()`
    to stop serving and `server_close()` to let the port go (as a socketserver has them)."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket, thread: threading.Thread) -> None:
        self._server, self._sock, self._thread = server, sock, thread
        self.server_port = int(sock.getsockname()[1])

    def shutdown(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def server_close(self) -> None:
        self._sock.close()


def build_app(
    registry: CollectorRegistry, redis: Redis, config: Callable[[], Config], *,
    token: str | None, need_scheduler: bool, need_workers: bool, on_loopback: bool,
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:  # fmt: skip
    """The app: the routes below the token, and in front of them what needs none."""
    pushes = Queues.on(redis).feeds

    def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    def readyz(request: Request) -> Response:
        problems = readiness(redis, need_scheduler, need_workers)
        return PlainTextResponse(("\n".join(problems) or "ready") + "\n", 503 if problems else 200)

    def status(request: Request) -> Response:
        feeds_page, rules_page = status_page.page_numbers(request.url.query)
        answered, page = status_page.render(config(), redis, feeds_page, rules_page, history())
        return Response(
            page, 200 if answered else 503, headers=status_page.PAGE_HEADERS, media_type="text/html"
        )

    def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("/ (the status page), /search, /metrics, /healthz, /readyz, /api/v1\n", 404)

    metrics = make_asgi_app(registry)

    async def metrics_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        await metrics(scope, receive, send)

    histories: dict[str, History] = {}  # one store (and its pool) per URL, for this process

    def history() -> History:
        cfg = config()
        url = history_url_for(cfg.history_url, cfg.data_dir)
        if url not in histories:
            histories[url] = History(url)
        return histories[url]

    def limited(request: Request) -> Response | None:
        """429 when the page's caller (by address) asked too often this minute."""
        who = f"page:{request.client.host if request.client else '-'}"
        wait = ratelimit.take(redis, who, config().web_rate_limit, time.time())
        if wait is None:
            return None
        return PlainTextResponse("too many searches and previews this minute: wait a little\n", 429,
                                 headers={"Retry-After": str(max(1, round(wait)))})  # fmt: skip

    def search(request: Request) -> Response:
        if request.url.query and (refused := limited(request)):
            return refused
        status, page = search_page.render(config(), history(), request.url.query)
        return _html(page, status)

    def try_rule_page(request: Request) -> Response:
        if request.url.query and (refused := limited(request)):
            return refused
        status, page = try_rule.render(config(), history(), request.url.query)
        return _html(page, status)

    api = build_api(redis, config, history, version("wirewatch"), on_loopback=on_loopback)
    guarded = Starlette(
        routes=[
            Route("/", status),
            Route("/search", search),
            Route("/rules/try", try_rule_page),
            Route("/readyz", readyz),
            Route("/metrics", _Asgi(metrics_endpoint)),
        ],
        exception_handlers={404: not_found},
    )
    open_routes = Starlette(routes=[Route("/healthz", healthz)])

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off; nothing else is served
            return
        path: str = scope.get("path", "")
        cfg = config()
        hooks = websub.callback_path(cfg)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if hooks is not None and path.startswith(hooks + "/"):
            await _websub(scope, receive, send, cfg, redis, pushes, path[len(hooks) + 1 :], headers)
            return
        declared = headers.get("content-length", "")
        if (declared.isdigit() and int(declared) > MAX_BODY_BYTES) or "chunked" in headers.get(
            "transfer-encoding", ""
        ):
            await PlainTextResponse("request body too large\n", 413)(scope, receive, send)
            return
        if path == "/healthz":
            await open_routes(scope, receive, send)
            return
        if path.startswith("/feedback/"):  # the signed token in the address is the permission
            await _feedback(scope, receive, send, cfg, redis, history, path[len("/feedback/") :])
            return
        if path == API or path.startswith(API + "/"):  # its own tokens (api_tokens): workers.web.api
            inner = {**scope, "path": path[len(API) :] or "/", "root_path": scope.get("root_path", "") + API}
            await api(inner, receive, send)
            return
        if not authorized(headers.get("authorization", ""), token):
            refusal = PlainTextResponse(
                "a token is required (metrics_token): as a Bearer token or the basic-auth password\n", 401
            )
            refusal.headers.append("WWW-Authenticate", "Bearer")
            refusal.headers.append("WWW-Authenticate", 'Basic realm="wirewatch", charset="UTF-8"')
            await refusal(scope, receive, send)
            return
        await guarded(scope, receive, send)

    return app


class _Asgi:
    """An ASGI app as a route's endpoint (a plain function would be taken for a request handler)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


async def _feedback(
    scope: Scope,
    receive: Receive,
    send: Send,
    cfg: Config,
    redis: Redis,
    history: Callable[[], History],
    token: str,
) -> None:
    """A message's feedback link: GET the page, POST the answer (a small form: read to its end)."""
    method = scope.get("method", "GET")
    form: bytes | None = None
    if method == "POST":
        form = await _body(receive, MAX_BODY_BYTES)  # the dispatcher refused a longer declared one
    elif method != "GET":
        await PlainTextResponse("GET or POST\n", 405)(scope, receive, send)
        return
    status, page = await run_in_threadpool(feedback_page.render, cfg, redis, history(), token, form)
    await _html(page, status)(scope, receive, send)


async def _websub(
    scope: Scope, receive: Receive, send: Send, cfg: Config, redis: Redis, pushes: Any, feed_id: str,
    headers: dict[str, str],
) -> None:  # fmt: skip
    """The WebSub callback: GET a verification, POST content (read up to its cap, no further)."""
    assert cfg.websub is not None
    method = scope.get("method", "GET")
    if method == "GET":
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        reply = await run_in_threadpool(websub.verify, cfg, redis, feed_id, query)
    elif method == "POST":
        cap = cfg.websub.max_push_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            reply = websub.too_large(feed_id, int(declared), cap)
        else:
            body = await _body(receive, cap)
            if len(body) > cap:
                reply = websub.too_large(feed_id, len(body), cap)
            else:
                signature, kind = headers.get("x-hub-signature"), headers.get("content-type", "")
                reply = await run_in_threadpool(websub.receive, redis, pushes, feed_id, body, signature, kind)
    else:
        reply = websub.Reply(405, "GET or POST")
    await PlainTextResponse(reply.body, reply.status)(scope, receive, send)


def _html(page: str, status: int) -> Response:
    """A page of the app, with the headers every page has (status_page.PAGE_HEADERS)."""
    return Response(page, status, headers=status_page.PAGE_HEADERS, media_type="text/html")


async def _body(receive: Receive, cap: int) -> bytes:
    """A request's body as it streams in, read to its end or one chunk past `cap` (then longer
    than `cap`: the caller refuses it), never further."""
    body, more = bytearray(), True
    while more and len(body) <= cap:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return bytes(body)


def serve(
    listen: str, registry: CollectorRegistry, redis: Redis, config: Callable[[], Config], *,
    token: str | None, need_scheduler: bool, need_workers: bool,
) -> Listening:  # fmt: skip
    """Serve the app on host:port from a daemon thread; OSError when the port is taken."""
    host, _, port = listen.rpartition(":")
    bind = host.strip("[]") or "127.0.0.1"
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((bind, int(port)))  # here, not in uvicorn's thread: a taken port is the caller's error
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    app = build_app(registry, redis, config, token=token, need_scheduler=need_scheduler,
                    need_workers=need_workers, on_loopback=loopback_listen(listen))  # fmt: skip
    server = uvicorn.Server(
        uvicorn.Config(
            app, lifespan="off", log_level="warning", access_log=False, timeout_keep_alive=int(KEEP_ALIVE),
            limit_concurrency=MAX_CONNECTIONS, server_header=False,
        )
    )  # fmt: skip
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="metrics", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    listening = Listening(server, sock, thread)
    where = f"http://{host}:{listening.server_port}/"
    access = (
        "a token is required (metrics_token: a Bearer token, or the basic-auth password)"
        if token
        else "no token: reachable from this machine only"
    )
    log.info("metrics: status page on %s; /metrics, /healthz, /readyz beside it; %s", where, access)
    return listening
