"""What the benches share: a keep-alive HTTP server on 127.0.0.1 whose answers a function
gives, and `wirewatch run` started on a config (embedded Redis), with the CPU of its processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from workers.demo.site import QuietServer, respond

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")

# path, request headers -> status, response headers, body
Answer = Callable[[str, dict[str, str]], tuple[int, dict[str, str], bytes]]


def serve(answer: Answer) -> ThreadingHTTPServer:
    """A started server (HTTP/1.1, so clients keep their connections); `.shutdown()` stops it."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            respond(self, *answer(self.path, {k.lower(): v for k, v in self.headers.items()}))

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


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
