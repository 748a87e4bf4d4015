"""One keep-alive HTTP server on 127.0.0.1 for the benches: a function answers each GET."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# path, request headers -> status, response headers, body
Answer = Callable[[str, dict[str, str]], tuple[int, dict[str, str], bytes]]


def serve(answer: Answer) -> ThreadingHTTPServer:
    """A started server (HTTP/1.1, so clients keep their connections); `.shutdown()` stops it."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            status, headers, body = answer(self.path, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
