"""The whole product path on real parts: loopback feeds and pages, Redis, RQ workers, the seeded
rules, a webhook receiver that verifies every signature and an SMTP server."""

from __future__ import annotations

from pathlib import Path

from redis import Redis

from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.redis_embedded import EmbeddedRedis
from workers.store import alerts as alerts_store

from .helpers import (
    alert_keys,
    email_sink,
    expected_keys,
    run_pass,
    runtime,
    smtp_server,
    webhook_sink,
    write_config,
)


def test_two_feeds_alert_exactly_once_per_rule_article_and_sink(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    with smtp_server() as (inbox, port):
        cfg = write_config(
            tmp_path,
            feeds=[f"{site.base_url}/feed.xml", f"{site.base_url}/feed2.xml"],
            sinks=[webhook_sink(receiver.url, whsec), email_sink(port)],
        )
        rt = runtime(cfg, redis)
        run_pass(rt)
        assert alert_keys(receiver.payloads) == expected_keys()
        assert receiver.bad_signatures == 0
        assert len(inbox.messages) == len(expected_keys())
        assert len({m["Message-ID"] for m in inbox.messages}) == len(inbox.messages)
        # The pages' menus and sidebars name every topic; only the stories' own text counts.
        for p in receiver.payloads:
            assert p["matches"], p
            assert all("Most read" not in m["snippet"] for m in p["matches"])

        recorded = alerts_store.recent_alerts(redis, 50)
        assert sorted((Path(a.article.url).stem, a.rule_id) for a in recorded) == expected_keys()

        run_pass(rt)  # polling again: nothing new
        assert len(receiver.payloads) == len(expected_keys())
        assert len(inbox.messages) == len(expected_keys())
    assert site.hits["/feed.xml"] == 2


def test_restart_with_embedded_redis_alerts_nothing_twice(
    tmp_path: Path, short_tmp: Path, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(
        tmp_path, feeds=[f"{site.base_url}/feed.xml"], sinks=[webhook_sink(receiver.url, whsec)]
    )
    with EmbeddedRedis(short_tmp) as url:
        run_pass(runtime(cfg, Redis.from_url(url)))
    assert alert_keys(receiver.payloads) == expected_keys()
    with EmbeddedRedis(short_tmp) as url:  # the same data_dir: state comes back from the AOF
        rt = runtime(cfg, Redis.from_url(url))
        run_pass(rt)
        assert rt.redis.dbsize() > 0
    assert len(receiver.payloads) == len(expected_keys())
