"""The web app on `metrics_listen` (default 127.0.0.1:9108): the status page (/), Prometheus
metrics (/metrics), /healthz and /readyz, served by the standard library's WSGI server from a
daemon thread of whichever process runs it (`run`, or a lone `worker` or `scheduler`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from redis import Redis

from pipeline.config import Config

from ..services import Queues
from . import status_page, websub
from .auth import authorized
from .health import readiness

log = logging.getLogger("workers.metrics")  # the name its lines have always had


class _Server(ThreadingMixIn, WSGIServer):
    """One thread a connection: a browser's idle keep-alive or speculative connections must not
    hold up the next scrape (a WSGIServer alone answers one connection at a time)."""

    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every 15 s are no news
        pass


def serve(
    listen: str, registry: CollectorRegistry, redis: Redis, config: Callable[[], Config], *,
    token: str | None, need_scheduler: bool, need_workers: bool,
) -> WSGIServer:  # fmt: skip
    """Serve the status page (/), /metrics, /healthz and /readyz on host:port from a daemon
    thread; the server (its `server_port` is the port bound, for listen "host:0")."""
    host, _, port = listen.rpartition(":")
    metrics_app = make_wsgi_app(registry)
    pushes = Queues.on(redis).feeds

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        cfg = config()
        hooks = websub.callback_path(cfg)
        if hooks is not None and path.startswith(hooks + "/"):  # hubs: their own proof, no token
            return websub.answer(environ, start_response, cfg, redis, pushes, path[len(hooks) + 1 :])
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if not authorized(environ.get("HTTP_AUTHORIZATION", ""), token):
            start_response("401 Unauthorized", [
                ("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer"),
                ("WWW-Authenticate", 'Basic realm="wirewatch", charset="UTF-8"'),
            ])  # fmt: skip
            return [b"a token is required (metrics_token): as a Bearer token or the basic-auth password\n"]
        if path == "/metrics":
            return metrics_app(environ, start_response)  # type: ignore[no-any-return]
        if path == "/readyz":
            problems = readiness(redis, need_scheduler, need_workers)
            status = "503 Service Unavailable" if problems else "200 OK"
            start_response(status, [("Content-Type", "text/plain")])
            return [("\n".join(problems) or "ready").encode() + b"\n"]
        if path == "/":
            feeds_page, rules_page = status_page.page_numbers(environ.get("QUERY_STRING", ""))
            answered, page = status_page.render(config(), redis, feeds_page, rules_page)
            start_response("200 OK" if answered else "503 Service Unavailable", list(status_page.HEADERS))
            return [page.encode("utf-8")]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"/ (the status page), /metrics, /healthz, /readyz\n"]

    bind = host.strip("[]") or "127.0.0.1"
    server = make_server(bind, int(port), app, server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    where = f"http://{host}:{server.server_port}/"
    access = (
        "a token is required (metrics_token: a Bearer token, or the basic-auth password)"
        if token
        else "no token: reachable from this machine only"
    )
    log.info("metrics: status page on %s; /metrics, /healthz, /readyz beside it; %s", where, access)
    return server
