"""Schemathesis against /api/v1/openapi.json on a running web app with data in it (a pipeline pass
over the seed site on loopback): every operation, with generated requests, answers without a
server error, with a documented status, and with a body that matches its schema. One check is
left out: that every schema-valid request is accepted. A query in the rule language is a string
to the schema, and one that does not parse is a documented 400, not a bug."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from redis import Redis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.web import registry_for, serve

from .helpers import ICC_ONLY, free_port, run_pass, runtime, webhook_sink, write_config

WRITE = "s" * 24 + "-write"


@pytest.fixture
def api_schema(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> Iterator[Any]:
    cfg = write_config(
        tmp_path, [f"{site.base_url}/feed.xml"], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY
    )
    cfg.write_text(cfg.read_text() + f"api_tokens:\n  - {{name: fuzz, token: {WRITE}, scope: write}}\n"
                   "web_rate_limit: 100000\n")  # fmt: skip
    rt = runtime(cfg, redis)
    run_pass(rt)
    port = free_port()
    config = rt.config
    server = serve(f"127.0.0.1:{port}", registry_for(None, lambda: config, redis), redis, lambda: config,
                   token=None, need_scheduler=False, need_workers=False)  # fmt: skip
    try:
        yield schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/api/v1/openapi.json")
    finally:
        server.shutdown()
        server.server_close()


def test_every_operation_answers_within_its_schema(api_schema: Any) -> None:
    operations = [found.ok() for found in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def answers(case: Any) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {WRITE}"},
                timeout=30,
                excluded_checks=[positive_data_acceptance],
            )

        answers()
