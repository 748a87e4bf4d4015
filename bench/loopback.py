"""What the benches share: a keep-alive HTTP server on 127.0.0.1 (or on many loopback
addresses, one port) whose answers a function gives, and `wirewatch run` started on a config
(embedded Redis), with the CPU of its processes."""

from __future__ import annotations

import os
import selectors
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from workers.demo.site import QuietServer, respond

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Trickle:
    """A body sent as a slow publisher does: `head` at once, then a byte every `every` seconds,
    until the client gives up (its fetch deadline: 2 x fetch_timeout); `sent` is told when."""

    head: bytes
    every: float = 1.0
    sent: Callable[[float], None] | None = None  # called with the time the client went away


# path, request headers -> status, response headers, body. The headers hold one of the server's
# own too: x-arrived, when the request's first byte reached this machine's TCP stack (time.time()
# of the kernel's receive timestamp), whatever the threads of this process were doing then.
Answer = Callable[[str, dict[str, str]], tuple[int, dict[str, str], bytes | Trickle]]
ARRIVED = "x-arrived"
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value; Python 3.11 lacks the name


def serve(answer: Answer, addresses: Sequence[str] = ("127.0.0.1",)) -> ThreadingHTTPServer:
    """A started server (HTTP/1.1, so clients keep their connections) listening on these
    addresses, one port for all (`.server_address[1]`); `.shutdown()` stops it. Linux routes all
    of 127.0.0.0/8 to the loopback interface, so every 127.x.y.z is an address of its own here,
    as publishers' hosts are, without listening on any outside interface."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        arrived = 0.0

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)

        def handle_one_request(self) -> None:
            self.arrived = _arrival(self.connection)
            super().handle_one_request()

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            headers[ARRIVED] = str(self.arrived or time.time())
            status, out, body = answer(self.path, headers)
            if isinstance(body, Trickle):
                _trickle(self, status, out, body)
            else:
                respond(self, status, out, body)

    server = QuietServer((addresses[0], 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if len(addresses) > 1:
        _listen_also(server, addresses[1:])
    return server


def _arrival(conn: socket.socket) -> float:
    """When the next bytes on this connection came (waits for them; 0.0: it closed, or no
    timestamp), left unread for the request's parser."""
    try:
        data, ancillary, _, _ = conn.recvmsg(1, socket.CMSG_SPACE(16), socket.MSG_PEEK)
    except OSError:
        return 0.0
    for level, kind, raw in ancillary:
        if data and level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
            seconds, nanoseconds = struct.unpack("qq", raw[:16])
            return seconds + nanoseconds / 1e9
    return 0.0


def _trickle(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Trickle) -> None:
    handler.send_response(status)
    for k, v in headers.items():
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(body.head) + 1_000_000))  # never all of it
    handler.end_headers()
    handler.close_connection = True
    try:
        handler.wfile.write(body.head)
        while True:
            handler.wfile.flush()
            time.sleep(body.every)
            handler.wfile.write(b" ")
    except OSError:  # the client went away
        if body.sent is not None:
            body.sent(time.time())


def _listen_also(server: ThreadingHTTPServer, addresses: Sequence[str]) -> None:
    """Accept connections on these addresses too (the server's port) and hand them to the
    server's handler threads: one thread waits on every socket, not a serve_forever each."""
    port = server.server_address[1]
    chooser = selectors.DefaultSelector()
    for address in addresses:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(128)
        sock.setblocking(False)
        chooser.register(sock, selectors.EVENT_READ)

    def accept() -> None:
        while True:
            for key, _ in chooser.select():
                listener = key.fileobj
                assert isinstance(listener, socket.socket)
                try:
                    conn, peer = listener.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(True)
                server.process_request(conn, peer)

    threading.Thread(target=accept, daemon=True).start()


def run_wirewatch(tmp: str, config: dict[str, Any], workers: int) -> subprocess.Popen[bytes]:
    """`wirewatch run --workers N` on this config (written under tmp), with an embedded Redis."""
    path = Path(tmp) / "wirewatch.yaml"
    path.write_text(yaml.safe_dump({"data_dir": f"{tmp}/var", "allow_private_networks": True, **config}))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WIREWATCH_CONFIG")}
    return subprocess.Popen(
        [sys.executable, "-m", "workers.cli", "-c", str(path), "run", "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of `root` and every process below it."""
    children: dict[int, list[int]] = defaultdict(list)
    cpu: dict[int, float] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            raw = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        children[int(fields[1])].append(int(d))
        cpu[int(d)] = (int(fields[11]) + int(fields[12])) / TICKS
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def children_by_parent() -> dict[int, list[int]]:
    """Every process's children, by parent pid (from /proc)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(d))
    return children
