"""The API under /api/v1 on a running web app (real HTTP on loopback, a real Redis and history
store): its OpenAPI document, what it lists, and who may do what (api_tokens and their scopes;
loopback without tokens; errors as JSON)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from redis import Redis

from pipeline.config import Config, load_config
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.web import registry_for, serve

from .helpers import ICC_ONLY, free_port, run_pass, runtime, webhook_sink, write_config

READ, WRITE = "r" * 24 + "-read", "w" * 24 + "-write"


def _call(url: str, token: str | None = None, method: str = "GET") -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(
        url, headers=headers, method=method, data=b"" if method == "POST" else None
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def web_of(redis: Redis) -> Iterator[Any]:
    servers: list[Any] = []

    def start(config: Config, host: str = "127.0.0.1", token: str | None = None) -> str:
        """The web app for `config`, listening on `host` (0.0.0.0: every address, loopback too)."""
        port = free_port()
        token = token or config.metrics_token
        server = serve(f"{host}:{port}", registry_for(None, lambda: config, redis), redis, lambda: config,
                       token=token, need_scheduler=False, need_workers=False)  # fmt: skip
        servers.append(server)
        return f"http://127.0.0.1:{port}/api/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_api_lists_alerts_feeds_and_deliveries_and_describes_itself(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str, web_of: Any
) -> None:
    cfg = write_config(
        tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY
    )
    rt = runtime(cfg, redis)
    run_pass(rt)
    base = web_of(rt.config)
    assert _call(f"{base}/whoami") == (200, {"name": "local", "scope": "write"})  # loopback, no tokens
    status, alerts = _call(f"{base}/alerts?rule=icc")
    assert status == 200 and [a["rule_id"] for a in alerts] == ["icc"]
    assert alerts[0]["alert_id"] == receiver.payloads[0]["alert_id"] and alerts[0]["matches"]
    assert _call(f"{base}/alerts?rule=nothing") == (200, [])
    status, feeds = _call(f"{base}/feeds")
    assert status == 200 and [(f["url"], f["kind"], f["state"]) for f in feeds] == [
        (f"{site.base_url}/one.xml", "rss", "ok")
    ]
    status, deliveries = _call(f"{base}/deliveries")
    assert status == 200 and [(d["sink"], d["status"]) for d in deliveries] == [("hooks", "delivered")]
    assert _call(f"{base}/alerts?limit=1000") == (
        422,
        {"error": "query.limit: Input should be less than or equal to 200"},
    )
    status, doc = _call(f"{base}/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    assert {"/alerts", "/feeds", "/deliveries", "/deliveries/{delivery_id}/retry", "/whoami"} <= set(
        doc["paths"]
    )
    assert doc["servers"] == [{"url": "/api/v1"}]


def test_tokens_and_their_scopes_decide_who_may_do_what(tmp_path: Path, redis: Redis, web_of: Any) -> None:
    cfg = write_config(tmp_path, [], [], rules=[])
    text = (
        cfg.read_text()
        + f"api_tokens:\n  - {{name: dash, token: {READ}}}\n  - {{name: ops, token: {WRITE}, scope: write}}\n"
    )
    cfg.write_text(text)
    base = web_of(load_config(cfg))
    assert _call(f"{base}/feeds") == (401, {"error": "a bearer token of api_tokens is required"})
    assert _call(f"{base}/feeds", "not-a-token-of-ours-at-all")[0] == 401
    assert _call(f"{base}/whoami", READ) == (200, {"name": "dash", "scope": "read"})
    assert _call(f"{base}/feeds", READ) == (200, [])
    assert _call(f"{base}/deliveries/nope-hooks/retry", READ, "POST") == (
        403,
        {"error": "token 'dash' is read-only"},
    )
    status, body = _call(f"{base}/deliveries/nope-hooks/retry", WRITE, "POST")
    assert status == 409 and "not a dead letter" in body["error"]


def test_without_tokens_the_api_answers_on_loopback_only(tmp_path: Path, web_of: Any) -> None:
    config = load_config(write_config(tmp_path, [], [], rules=[]))
    token = "m" * 32  # off loopback the status page needs metrics_token; the API needs api_tokens
    base = web_of(config, "0.0.0.0", token)
    refused = (401, {"error": "the API needs api_tokens when it is reachable from other machines"})
    assert _call(f"{base}/feeds") == refused
    assert _call(f"{base}/feeds", token) == refused  # nor the metrics token


def test_search_answers_a_query_over_the_archive_and_a_bad_one_with_its_caret(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str, web_of: Any
) -> None:
    cfg = write_config(
        tmp_path, [f"{site.base_url}/feed.xml"], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY
    )
    rt = runtime(cfg, redis)
    run_pass(rt)
    base = web_of(rt.config)
    status, body = _call(f"{base}/search?q=%22criminal+court%22&limit=1")
    assert status == 200 and len(body["results"]) == 1 and body["next_cursor"] and not body["stopped"]
    first = body["results"][0]
    assert first["matches"] and "criminal court" in first["matches"][0]["snippet"].lower()
    status, more = _call(f"{base}/search?q=%22criminal+court%22&limit=50&cursor={body['next_cursor']}")
    assert status == 200 and first["article"]["url"] not in [r["article"]["url"] for r in more["results"]]
    status, bad = _call(f"{base}/search?q=court+AND+(judges")
    assert status == 400 and "^" in bad["error"]


def _post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_one_alert_its_story_and_the_rules_over_a_posted_text_or_a_fetched_page(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str, web_of: Any
) -> None:
    cfg = write_config(
        tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY
    )
    rt = runtime(cfg, redis)
    run_pass(rt)
    base = web_of(rt.config)
    [sent] = receiver.payloads
    status, alert = _call(f"{base}/alerts/{sent['alert_id']}")
    assert status == 200 and alert["alert_id"] == sent["alert_id"] and alert["matches"]
    assert _call(f"{base}/alerts/nope") == (404, {"error": "no alert nope (unknown, or past seen_ttl)"})
    status, story = _call(f"{base}/stories/{alert['story']['id']}")
    assert status == 200 and [c["url"] for c in story["copies"]] == [alert["article"]["url"]]
    assert story["first_outlet"]["url"] == alert["article"]["url"] and story["followed"] == 0
    assert _call(f"{base}/stories/nope")[0] == 404

    text = {"title": "Court news", "text": "The International Criminal Court issued a warrant on Monday."}
    status, tested = _post(f"{base}/rules/test", text)
    assert status == 200 and [m["rule_id"] for m in tested["matches"]] == ["icc"]
    assert tested["matches"][0]["matches"][0]["terms"] == ["International Criminal Court"]
    assert _post(f"{base}/rules/test", {"text": "Nothing about courts."})[1]["matches"] == []
    status, fetched = _post(f"{base}/rules/test", {"url": alert["article"]["url"]})
    assert status == 200 and [m["rule_id"] for m in fetched["matches"]] == ["icc"] and fetched["title"]
    assert _post(f"{base}/rules/test", {"text": "a", "url": "http://x.example/"}) == (
        400, {"error": "give one of text, html or url"})  # fmt: skip


def test_searches_and_rule_previews_are_rate_limited_per_caller(
    tmp_path: Path, redis: Redis, web_of: Any, request: pytest.FixtureRequest
) -> None:
    cfg = write_config(tmp_path, [], [], rules=[])
    cfg.write_text(cfg.read_text() + "web_rate_limit: 2\n")
    base = web_of(load_config(cfg))
    # Counted per minute: the clock starts a second into one, so that the requests share it.
    traveller = time_machine.travel(datetime(2026, 12, 7, 12, 0, 1, tzinfo=UTC), tick=True)
    traveller.start()
    request.addfinalizer(traveller.stop)
    answers = [_call(f"{base}/search?q=court")[0] for _ in range(3)]
    assert answers == [200, 200, 429]
    request = urllib.request.Request(f"{base}/search?q=court")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 429 and 1 <= int(refused.value.headers["Retry-After"]) <= 60
    page = base.removesuffix("/api/v1")
    pages = [_status_of(f"{page}/search?q=court") for _ in range(3)]
    assert pages == [200, 200, 429]  # the page's own count, by the browser's address
    assert _status_of(f"{page}/search") == 200  # the empty form is free


def _status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return exc.code
