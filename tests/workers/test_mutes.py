"""Mutes on real parts (the seed site on loopback, Redis, the history store, a worker, a webhook
receiver): a muted article alerts no rule and is archived all the same; a feed's own mute takes
only that feed's articles; `rules test` and `backfill` say which mute took an article."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner
from redis import Redis

from workers.cli import cli
from workers.demo.site import LoopbackSite, WebhookReceiver, load_seeds, rss_feed
from workers.history import articles as archive

from .helpers import ROOT, RSS, alert_keys, expected_keys, run_pass, runtime, webhook_sink, write_config

WIDOW = "Navalnaya OR (widow NEAR/5 Navalny)"  # seeds 000 and 001


def _mute_config(tmp_path: Path, feeds: list[str | dict[str, str]], receiver: WebhookReceiver, whsec: str,
                 mute: object) -> Path:  # fmt: skip
    path = write_config(tmp_path, feeds=feeds, sinks=[webhook_sink(receiver.url, whsec)])
    data = yaml.safe_load(path.read_text("utf-8"))
    if mute is not None:
        data["mute"] = mute
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_a_muted_article_alerts_no_rule_and_rules_test_and_backfill_say_which_mute(
    tmp_path: Path, redis: Redis, redis_url: str, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    mute = [{"id": "live-blogs", "query": "title:live"}, {"id": "widow", "query": WIDOW}]
    cfg = _mute_config(tmp_path, [f"{site.base_url}/feed.xml"], receiver, whsec, mute)
    rt = runtime(cfg, redis)
    run_pass(rt)
    assert alert_keys(receiver.payloads) == [k for k in expected_keys() if k[0].startswith("002")]
    assert archive.count(rt.services.history, 0) == 3  # muted articles are archived all the same
    muted = rt.metrics.muted.labels("widow")._value.get()
    assert muted == 2

    seeds = [str(p) for p in sorted((ROOT / "seeds").glob("00[01]_*.txt"))]
    out = CliRunner().invoke(cli, ["-c", str(cfg), "rules", "test", *seeds], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert out.output.count(f"muted by mute 'widow' ({WIDOW})") == 2
    assert "0 matches (5 more in muted documents, which alert no rule)" in out.output
    as_json = CliRunner().invoke(cli, ["-c", str(cfg), "rules", "test", "--json", seeds[0]])
    record = json.loads(as_json.stdout.splitlines()[0])
    assert record["muted_by"]["id"] == "widow" and record["muted_by"]["matches"]

    back = CliRunner().invoke(cli, ["-c", str(cfg), "backfill"], env={"REDIS_URL": redis_url})
    assert back.exit_code == 0, back.output
    assert back.output.count("muted by mute 'widow'") == 2
    assert "2 rule matches: 2 alerted already, 0 never alerted (would alert); 5 more in muted articles" in (
        back.output
    )


def test_a_feeds_own_mute_takes_only_that_feeds_articles(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    seeds = load_seeds(ROOT / "seeds")
    site.routes["/first.xml"] = (200, RSS, rss_feed(seeds[:1], site.base_url))  # seed 000 alone
    feeds: list[str | dict[str, str]] = [
        {"url": f"{site.base_url}/feed.xml", "mute": "Navalny"},  # takes seeds 000 and 001 here
        f"{site.base_url}/first.xml",
    ]
    cfg = _mute_config(tmp_path, feeds, receiver, whsec, None)
    rt = runtime(cfg, redis)
    run_pass(rt)
    # Seed 000 alerts through the feed without a mute; seed 001 is in the muted feed only.
    assert alert_keys(receiver.payloads) == [k for k in expected_keys() if not k[0].startswith("001")]
    assert rt.metrics.muted.labels("feed")._value.get() >= 1


def test_a_mute_that_does_not_parse_is_a_config_error_at_its_line_and_column(tmp_path: Path) -> None:
    cfg = tmp_path / "wirewatch.yaml"
    cfg.write_text(
        "data_dir: var\nrules: []\nsinks: []\n"
        "feeds:\n  - url: https://example.org/rss.xml\n    mute: 'sport AND'\n"
        "mute:\n  - 'live OR'\n  - {id: ads, query: sponsored}\n  - {id: ads, query: advert}\n",
        "utf-8",
    )
    out = CliRunner().invoke(cli, ["-c", str(cfg), "check"])
    assert out.exit_code == 2, out.output
    assert f"{cfg}:6:" in out.output and "mute: feed https://example.org/rss.xml: dangling" in out.output
    assert f"{cfg}:8:" in out.output and "mute 'mute-1'" in out.output
    assert "duplicate mute id 'ads'" in out.output
