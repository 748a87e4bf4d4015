"""Feedback on alerts, end to end on loopback: the signed link in the webhook body and the email,
the page it opens (the token its only permission), the API (a write token, or the alert's own
feedback token and no other alert with it), and the rules' precision (`wirewatch rules stats`)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from redis import Redis

from pipeline.config import load_config
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.history import History, history_url_for
from workers.history import feedback as feedback_rows
from workers.web import registry_for, serve

from .helpers import (
    ICC_ONLY,
    ROOT,
    email_sink,
    free_port,
    run_pass,
    runtime,
    smtp_server,
    webhook_sink,
    write_config,
)

PUBLIC = "https://wirewatch.example.org"
WRITE = "w" * 20 + "-write"
READ = "r" * 20 + "-read"


def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=data, headers=headers or {}, method="POST" if data is not None else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _api(base: str, body: dict[str, Any], token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    status, text = _request(f"{base}/api/v1/feedback", json.dumps(body).encode(), headers)
    return status, json.loads(text)


def test_a_reader_marks_an_alert_from_its_link_and_the_rule_s_precision_shows_it(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str, redis_url: str
) -> None:
    with smtp_server() as (inbox, smtp_port):
        sinks = [webhook_sink(receiver.url, whsec), email_sink(smtp_port)]
        cfg_path = write_config(tmp_path, [f"{site.base_url}/feed.xml"], sinks, rules=ICC_ONLY)
        cfg_path.write_text(
            cfg_path.read_text() + f"public_url: {PUBLIC}\napi_tokens:\n  - {{name: dash, token: {READ}}}\n"
            f"  - {{name: ops, token: {WRITE}, scope: write}}\n"
        )
        rt = runtime(cfg_path, redis)
        run_pass(rt)
        first, second = sorted(receiver.payloads, key=lambda p: p["alert_id"])[:2]
        link = first["feedback_url"]
        assert link.startswith(f"{PUBLIC}/feedback/") and second["feedback_url"] != link
        texts = [part.get_payload(decode=True).decode() for m in inbox.messages for part in m.walk()
                 if part.get_content_type() == "text/plain"]  # fmt: skip
        assert any(f"Relevant or not? {link}" in text for text in texts)
    token = link.rsplit("/", 1)[1]
    port = free_port()
    config = load_config(cfg_path)
    web = serve(f"127.0.0.1:{port}", registry_for(None, lambda: config, redis), redis, lambda: config,
                token=None, need_scheduler=False, need_workers=False)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    history = History(history_url_for(config.history_url, config.data_dir))
    try:
        status, page = _request(f"{base}/feedback/{token}")
        assert status == 200 and "Was this alert relevant?" in page and first["article"]["title"][:20] in page
        status, page = _request(f"{base}/feedback/{token}", b"relevant=no")
        assert status == 200 and "marked not relevant" in page
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert _request(f"{base}/feedback/{forged}")[0] == 403
        assert _request(f"{base}/feedback/{forged}", b"relevant=yes")[0] == 403

        # The API: the alert's own token (and that alert alone), or a write token; not a read one.
        assert _api(base, {"token": token, "relevant": True})[0] == 200  # the latest word: relevant
        status, body = _api(base, {"token": token, "alert_id": second["alert_id"], "relevant": False})
        assert (status, body) == (403, {"error": "this feedback token is for another alert"})
        assert _api(base, {"alert_id": second["alert_id"], "relevant": False}, READ) == (
            403, {"error": "token 'dash' is read-only"})  # fmt: skip
        assert _api(base, {"alert_id": second["alert_id"], "relevant": False}, WRITE)[0] == 200
        assert _api(base, {"alert_id": "nope", "relevant": False}, WRITE)[0] == 404
        assert _api(base, {"relevant": False})[0] == 401

        icc = feedback_rows.stats(history, 0)["icc"]
        assert (icc.relevant, icc.not_relevant) == (1, 1) and icc.alerts == len(receiver.payloads)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        command = [sys.executable, "-m", "workers.cli", "-c", str(cfg_path), "rules", "stats", "--json"]
        out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        [row] = json.loads(out.stdout)
        assert row["rule"] == "icc" and row["7d"]["relevant"] == 1 and row["7d"]["precision"] == 0.5
    finally:
        history.close()
        web.shutdown()
        web.server_close()
    assert urllib.parse.urlsplit(link).path.count("/") == 2  # /feedback/<token>: nothing else in it
