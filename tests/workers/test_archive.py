"""The archive, backfill and search on real parts: the seed site on loopback, Redis, the history
store (SQLite under data_dir), a worker and a webhook receiver that verifies every signature."""

from __future__ import annotations

import json
import time
from pathlib import Path

import time_machine
import yaml
from click.testing import CliRunner, Result
from redis import Redis

from pipeline.sources.rss import parse_feed
from workers import delivery
from workers.cli import cli
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.history import articles as archive
from workers.jobs import process_articles
from workers.recording import prune
from workers.store import legacy

from .helpers import alert_keys, drain, expected_keys, run_pass, runtime, webhook_sink, write_config

NEW_RULE = {
    "rules": [
        {"id": "widow", "title": "Navalny's widow", "query": "Navalnaya OR (widow NEAR/5 Navalny)"},
        {"id": "nothing", "title": "Matches nothing", "query": '"Kremlin Cup final"'},
    ]
}


def _cli(redis_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"REDIS_URL": redis_url}, catch_exceptions=False)


def test_every_processed_article_is_archived_with_its_story(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(
        tmp_path, feeds=[f"{site.base_url}/feed.xml"], sinks=[webhook_sink(receiver.url, whsec)]
    )
    rt = runtime(cfg, redis)
    run_pass(rt)
    items = list(archive.read(rt.services.history, 0))
    assert sorted(Path(i.article.url).stem for i in items) == sorted({stem for stem, _ in expected_keys()})
    first = items[0]
    assert first.article.text_from == "page" and "Most read" not in first.article.text
    assert first.feed_url == f"{site.base_url}/feed.xml" and first.story_url == first.article.url
    assert first.article.language == "en" and first.article.published
    payload_stories = {p["article"]["url"]: p["story"]["id"] for p in receiver.payloads}
    assert all(payload_stories[i.article.url] == i.story.id for i in items)
    assert not redis.exists(legacy.ARCHIVE_KEY)  # the history store holds it, not Redis


def test_the_archive_is_trimmed_by_time(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(
        tmp_path, feeds=[f"{site.base_url}/feed.xml"], sinks=[webhook_sink(receiver.url, whsec)],
        archive_retention="7d",
    )  # fmt: skip
    rt = runtime(cfg, redis)
    route = site.routes["/feed.xml"]
    assert isinstance(route, tuple)
    entries = parse_feed(route[2], rt.config.feeds[0]).entries
    day = 86400
    with time_machine.travel(1_900_000_000, tick=False):
        process_articles(rt, [entries[0].to_json()])
    with time_machine.travel(1_900_000_000 + 3 * day, tick=False):
        process_articles(rt, [entries[1].to_json()])
    history = rt.services.history
    assert archive.count(history, 0) == 2
    with time_machine.travel(1_900_000_000 + 8 * day, tick=False):
        process_articles(rt, [entries[2].to_json()])
        week = time.time() - rt.config.defaults.archive_retention
        assert [i.entry_key for i in archive.read(history, week)] == [entries[1].key, entries[2].key]
        gone = prune(history, rt.config.defaults.archive_retention, rt.config.defaults.seen_ttl, time.time())
    assert gone["articles"] == 1  # the first, now 8 days old, is gone from the store itself
    assert [i.entry_key for i in archive.read(history, 0)] == [entries[1].key, entries[2].key]


def test_no_archive_when_archive_retention_is_0(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(
        tmp_path, feeds=[f"{site.base_url}/feed.xml"], sinks=[webhook_sink(receiver.url, whsec)],
        archive_retention="0s",
    )  # fmt: skip
    rt = runtime(cfg, redis)
    run_pass(rt)
    assert len(receiver.payloads) == len(expected_keys())  # alerted all the same
    assert archive.count(rt.services.history, 0) == 0


def test_backfill_shows_what_new_rules_would_have_caught_and_sends_only_what_was_never_sent(
    tmp_path: Path, redis: Redis, redis_url: str, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(
        tmp_path, feeds=[f"{site.base_url}/feed.xml"], sinks=[webhook_sink(receiver.url, whsec)]
    )
    rt = runtime(cfg, redis)
    run_pass(rt)
    sent_before = len(receiver.payloads)
    assert sent_before == len(expected_keys())

    # The config's own rules: everything alerted already, nothing to send.
    out = _cli(redis_url, "-c", str(cfg), "backfill", "--send")
    assert out.exit_code == 0, out.output
    assert (
        f"{sent_before} rule matches: {sent_before} alerted already, 0 never alerted, 0 queued" in out.output
    )
    drain(rt)
    assert len(receiver.payloads) == sent_before

    new_rules = tmp_path / "new-rules.yaml"
    new_rules.write_text(yaml.safe_dump(NEW_RULE), "utf-8")
    dry = _cli(redis_url, "-c", str(cfg), "backfill", "--rules", str(new_rules), "--since", "1d")
    assert dry.exit_code == 0, dry.output
    assert "never alerted" in dry.output and "[widow] Navalny's widow" in dry.output
    assert "Navalnaya" in dry.output  # the explanation, as `rules test` gives it
    widow_articles = dry.output.count("[widow]")
    assert widow_articles >= 1 and "[nothing]" not in dry.output
    drain(rt)
    assert len(receiver.payloads) == sent_before  # a dry run sends nothing

    sent = _cli(redis_url, "-c", str(cfg), "backfill", "--rules", str(new_rules), "--send", "--json")
    assert sent.exit_code == 0
    rows = [json.loads(line) for line in sent.stdout.splitlines() if line.startswith("{")]
    assert [r["rule"] for r in rows] == ["widow"] * widow_articles and all(r["sent"] for r in rows)
    drain(rt)
    widow = receiver.payloads[sent_before:]
    assert [p["rule"]["id"] for p in widow] == ["widow"] * widow_articles
    assert receiver.bad_signatures == 0
    assert {p["story"]["id"] for p in widow} == {r["story"]["id"] for r in rows}

    again = _cli(redis_url, "-c", str(cfg), "backfill", "--rules", str(new_rules), "--send")
    assert f"{widow_articles} alerted already, 0 never alerted, 0 queued" in again.output
    drain(rt)
    assert len(receiver.payloads) == sent_before + widow_articles
    assert alert_keys(receiver.payloads[:sent_before]) == expected_keys()


def test_backfill_names_an_unknown_rule(tmp_path: Path, redis_url: str) -> None:
    cfg = write_config(tmp_path, feeds=[], sinks=[])
    out = CliRunner().invoke(
        cli, ["-c", str(cfg), "backfill", "--rule", "no-such"], env={"REDIS_URL": redis_url}
    )
    assert out.exit_code == 2 and "no rule 'no-such'" in out.output


def test_search_runs_one_query_over_the_archive_newest_first(
    tmp_path: Path, redis: Redis, redis_url: str, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(
        tmp_path, feeds=[f"{site.base_url}/feed.xml"], sinks=[webhook_sink(receiver.url, whsec)]
    )
    run_pass(runtime(cfg, redis))
    out = _cli(redis_url, "-c", str(cfg), "search", "Peskov NEAR/10 said", "--json")
    assert out.exit_code == 0
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert len(rows) == 3  # every seed quotes the Kremlin spokesman
    assert [r["seen"] for r in rows] == sorted((r["seen"] for r in rows), reverse=True)
    assert all(r["matches"][0]["snippet"] for r in rows) and all("text" not in r["article"] for r in rows)
    plain = _cli(redis_url, "-c", str(cfg), "search", "ICC", "--limit", "1")
    assert plain.output.strip().endswith("1 articles (the newest 1)")
    bad = CliRunner().invoke(cli, ["-c", str(cfg), "search", "Peskov NEAR/"], env={"REDIS_URL": redis_url})
    assert bad.exit_code == 2 and "bad query" in bad.output


def test_backfill_send_to_a_digest_sink_is_one_digest_not_a_flood(
    tmp_path: Path, redis: Redis, redis_url: str, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    sink = {**webhook_sink(receiver.url, whsec), "digest": {"group_by": "sink", "group_wait": "30s"}}
    cfg = write_config(tmp_path, feeds=[f"{site.base_url}/feed.xml"], sinks=[sink], rules=[])
    rt = runtime(cfg, redis)
    run_pass(rt)  # no rules yet: archived, nothing alerted
    everything = tmp_path / "everything.yaml"
    everything.write_text(yaml.safe_dump({"rules": [{"id": "any", "query": "the"}]}), "utf-8")
    sent = _cli(redis_url, "-c", str(cfg), "backfill", "--rules", str(everything), "--send")
    assert sent.exit_code == 0, sent.output
    drain(rt)
    assert receiver.payloads == []  # they wait in the sink's digest group
    assert delivery.flush_due(rt.services, time.time() + 31) == 1
    drain(rt)
    [digest] = receiver.payloads
    assert digest["type"] == "digest" and digest["count"] == 3 and digest["group"] == "hooks/*"
