"""Stories across outlets, end to end on loopback: three outlets carry one story under three URLs
with their own boilerplate, and it alerts once per rule; a copy that matches one more rule alerts
for that rule only; two distinct stories on one topic alert twice; two feeds linking one page
through different URLs are one story; the story index forgets after story_window."""

from __future__ import annotations

import html
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from redis import Redis

from pipeline.config import FeedConfig
from pipeline.models import Entry
from pipeline.sources.rss import parse_feed
from workers.cli import cli
from workers.demo.site import LoopbackSite, Seed, WebhookReceiver, load_seeds
from workers.jobs import process_articles
from workers.store import stories

from .helpers import ROOT, RSS, run_pass, runtime, webhook_sink, write_config

NAVALNY_LINE = "Separately, Yulia Navalnaya, the widow of Alexei Navalny, said she would carry on his work."


def _page(outlet: str, title: str, paragraphs: list[str], canonical: str | None, chrome: str) -> bytes:
    link = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} - '
        f"{outlet}</title>{link}</head><body><nav>{chrome}</nav><main><article><h1>{html.escape(title)}"
        f"</h1>{body}</article></main><footer>{chrome} Copyright {outlet}. All rights reserved.</footer>"
        "</body></html>"
    ).encode()


def _feed(outlet: str, items: list[tuple[str, str, str]]) -> bytes:
    """items: (guid, title, link)."""
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link>"
        f'<guid isPermaLink="false">{html.escape(g)}</guid><description>{html.escape(t)}</description></item>'
        for g, t, link in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet}</title>'
        f"<link>http://example.invalid/</link><description>news</description>{entries}</channel></rss>"
    ).encode()


def _paragraphs(seed: Seed) -> list[str]:
    return [p.strip() for p in seed.text.splitlines() if p.strip()]


@pytest.fixture
def outlets() -> Iterator[list[LoopbackSite]]:
    sites = [LoopbackSite().start() for _ in range(3)]
    yield sites
    for s in sites:
        s.stop()


def _three_outlets(sites: list[LoopbackSite]) -> None:
    """Story X (seed 002, Kremlin spokesman and ICC) at all three outlets, story Y (seed 001, the
    Kremlin spokesman again and Navalny) at the first only. Each outlet has its own boilerplate
    and URL scheme; the third carries X through an AMP page naming its main URL, adds a line
    about Navalny, and cuts the story's last paragraphs."""
    seeds = load_seeds(ROOT / "seeds")
    y, x = seeds[1], seeds[2]
    a, b, c = sites
    a.routes["/world/icc-kremlin.html"] = (200, {}, _page(
        "Wire Daily", x.title, _paragraphs(x), f"{a.base_url}/world/icc-kremlin.html",
        "Home World Business Sport Subscribe now",
    ))  # fmt: skip
    a.routes["/world/navalny-kremlin.html"] = (200, {}, _page(
        "Wire Daily", y.title, _paragraphs(y), None, "Home World Business Sport Subscribe now",
    ))  # fmt: skip
    a.routes["/rss.xml"] = (200, RSS, _feed("Wire Daily", [
        ("a-1", x.title, f"{a.base_url}/world/icc-kremlin.html"),
        ("a-2", y.title, f"{a.base_url}/world/navalny-kremlin.html"),
    ]))  # fmt: skip
    b.routes["/news/2026/12/01/story-4411"] = (200, {}, _page(
        "The Evening Post", "Kremlin responds to ICC, says Peskov",
        ["THE HAGUE (Reuters) -", *_paragraphs(x), "Reporting by staff; editing by the desk.",
         "Our standards: The Trust Principles."],
        f"{b.base_url}/news/2026/12/01/story-4411", "Newsletters Podcasts Opinion Weather Puzzles",
    ))  # fmt: skip
    b.routes["/feed"] = (200, RSS, _feed("The Evening Post", [
        ("b-1", "Kremlin responds to ICC, says Peskov",
         f"{b.base_url}/news/2026/12/01/story-4411?utm_source=rss&utm_medium=feed"),
    ]))  # fmt: skip
    cut = _paragraphs(x)
    c.routes["/amp/icc-story"] = (200, {}, _page(
        "Metro Online", x.title, [*cut[: max(3, len(cut) * 3 // 4)], NAVALNY_LINE],
        f"{c.base_url}/icc-story", "Local Traffic Jobs Classifieds Events",
    ))  # fmt: skip
    c.routes["/index.rss"] = (
        200,
        RSS,
        _feed("Metro Online", [("c-1", x.title, f"{c.base_url}/amp/icc-story")]),
    )


def test_one_story_at_three_outlets_alerts_once_per_rule_and_lists_the_copies(
    tmp_path: Path,
    redis: Redis,
    redis_url: str,
    outlets: list[LoopbackSite],
    receiver: WebhookReceiver,
    whsec: str,
) -> None:
    _three_outlets(outlets)
    a, b, c = outlets
    feeds = [f"{a.base_url}/rss.xml", f"{b.base_url}/feed", f"{c.base_url}/index.rss"]
    cfg = write_config(tmp_path, feeds=feeds, sinks=[webhook_sink(receiver.url, whsec)])
    rt = runtime(cfg, redis)
    run_pass(rt)
    assert receiver.bad_signatures == 0
    by_story: dict[str, list[tuple[str, str]]] = {}
    for p in receiver.payloads:
        by_story.setdefault(p["story"]["id"], []).append((p["rule"]["id"], p["article"]["url"]))
    assert len(by_story) == 2, by_story
    x_id = next(sid for sid, hits in by_story.items() if any(r == "icc" for r, _ in hits))
    y_id = next(sid for sid in by_story if sid != x_id)
    x_rules = Counter(rule for rule, _ in by_story[x_id])
    # One alert per rule for story X, whichever outlet came first; Navalny only from the third.
    assert x_rules == {"kremlin-spokesman": 1, "icc": 1, "navalny": 1}
    assert dict(by_story[x_id])["navalny"] == f"{c.base_url}/amp/icc-story"
    # Two distinct stories on one topic (the Kremlin spokesman): two alerts for that rule.
    assert Counter(rule for rule, _ in by_story[y_id]) == {"kremlin-spokesman": 1, "navalny": 1}
    copies = stories.story_copies(redis, [x_id, y_id])
    assert sorted(copy.source for copy in copies[x_id]) == ["Metro Online", "The Evening Post", "Wire Daily"]
    assert [copy.source for copy in copies[y_id]] == ["Wire Daily"]
    assert all(p["story"]["first_seen"] for p in receiver.payloads)

    # `wirewatch status` shows each alert's story with the outlets that also reported it.
    out = CliRunner().invoke(cli, ["-c", str(cfg), "status"], env={"REDIS_URL": redis_url})
    icc_line = next(i for i, line in enumerate(out.output.splitlines()) if "[icc]" in line)
    also = out.output.splitlines()[icc_line + 1]
    assert "also reported by" in also
    others = {"Wire Daily", "The Evening Post", "Metro Online"} - {
        copy.source for copy in copies[x_id] if copy.url in dict(by_story[x_id]).values()
    }
    assert all(name in also for name in others), also

    # So do the archive's commands.
    found = CliRunner().invoke(cli, ["-c", str(cfg), "search", "ICC"], env={"REDIS_URL": redis_url})
    assert found.exit_code == 0
    assert found.output.count("also reported by") == 3  # each of the three outlets' copies
    first_copy = found.output.split("also reported by", 1)[1].splitlines()[0]
    assert sum(name in first_copy for name in ("Wire Daily", "The Evening Post", "Metro Online")) == 2

    run_pass(rt)  # nothing new
    assert len(receiver.payloads) == 5


def test_two_feeds_linking_one_page_through_different_urls_are_one_story(
    tmp_path: Path, redis: Redis, outlets: list[LoopbackSite], receiver: WebhookReceiver, whsec: str
) -> None:
    _three_outlets(outlets)
    _a, b, _c = outlets
    # A feed of an aggregator on another site links the Evening Post's story with its own
    # tracking parameters, and gives only a short summary.
    b.routes["/aggregated.xml"] = (200, RSS, _feed("Aggregator", [
        ("agg-1", "Kremlin responds to ICC, says Peskov",
         f"{b.base_url}/news/2026/12/01/story-4411?utm_campaign=agg&fbclid=XYZ"),
    ]))  # fmt: skip
    cfg = write_config(
        tmp_path, feeds=[f"{b.base_url}/feed", f"{b.base_url}/aggregated.xml"],
        sinks=[webhook_sink(receiver.url, whsec)],
    )  # fmt: skip
    run_pass(runtime(cfg, redis))
    assert Counter(p["rule"]["id"] for p in receiver.payloads) == {"kremlin-spokesman": 1, "icc": 1}
    story_id = receiver.payloads[0]["story"]["id"]
    assert sorted(c.source for c in stories.story_copies(redis, [story_id])[story_id]) == [
        "Aggregator", "The Evening Post",
    ]  # fmt: skip


def test_a_copy_after_the_story_window_is_a_new_story(
    tmp_path: Path, redis: Redis, outlets: list[LoopbackSite], receiver: WebhookReceiver, whsec: str
) -> None:
    _three_outlets(outlets)
    a, b, _c = outlets
    feeds = [f"{a.base_url}/rss.xml", f"{b.base_url}/feed"]
    cfg = write_config(
        tmp_path,
        feeds=feeds,
        sinks=[webhook_sink(receiver.url, whsec)],
        story_window="1d",
        max_entry_age="30d",
    )
    rt = runtime(cfg, redis)
    a_entries, b_entries = _entries(a, "/rss.xml"), _entries(b, "/feed")
    with time_machine.travel(1_900_000_000, tick=True):
        process_articles(rt, [e.to_json() for e in a_entries[:1]])
    with time_machine.travel(1_900_000_000 + 2 * 86400, tick=True):
        process_articles(rt, [e.to_json() for e in b_entries])
    stories_seen = {p["story"]["id"] for p in receiver.payloads}
    assert len(stories_seen) == 2  # the same story two days later, outside a one-day window
    assert Counter(p["rule"]["id"] for p in receiver.payloads) == {"kremlin-spokesman": 2, "icc": 2}
    # No sweeping: the first day's keys carry their own expiry.
    first_day = 1_900_000_000 // 86400
    day_keys = [f"ww:story:{kind}:{first_day}" for kind in ("member", "url", "title", "shards")]
    day_keys += [k.decode() for k in redis.scan_iter(f"ww:story:lsh:{first_day}:*")]
    assert len(day_keys) > 4 + 10
    assert all(redis.ttl(k) > 0 for k in day_keys), [(k, redis.ttl(k)) for k in day_keys]


def _entries(site: LoopbackSite, path: str) -> list[Entry]:
    route = site.routes[path]
    assert isinstance(route, tuple)
    return parse_feed(route[2], FeedConfig(url=f"{site.base_url}{path}")).entries


def test_a_window_under_a_day_keys_the_index_by_spans_of_its_length(
    tmp_path: Path, redis: Redis, outlets: list[LoopbackSite], receiver: WebhookReceiver, whsec: str
) -> None:
    """story_window 10m: the index is keyed by 10-minute spans and forgets within the window and
    its margin, not at the end of a UTC day; a copy 5 minutes later joins its story, one 25
    minutes later founds a new one."""
    _three_outlets(outlets)
    a, b, c = outlets
    cfg = write_config(
        tmp_path, feeds=[f"{a.base_url}/rss.xml", f"{b.base_url}/feed", f"{c.base_url}/index.rss"],
        sinks=[webhook_sink(receiver.url, whsec)], story_window="10m", redis_margin="10m",
        max_entry_age="30d",
    )  # fmt: skip
    rt = runtime(cfg, redis)
    start = (int(time.time()) // 600 + 1) * 600 + 1  # the first second of the next span
    with time_machine.travel(start, tick=False):
        process_articles(rt, [e.to_json() for e in _entries(a, "/rss.xml")[:1]])
        span = start // 600
        span_keys = [f"ww:story:{kind}:600s:{span}" for kind in ("member", "url", "title", "shards", "count")]
        span_keys += [k.decode() for k in redis.scan_iter(f"ww:story:lsh:600s:{span}:*")]
        assert len(span_keys) > 5 + 10 and all(redis.exists(k) for k in span_keys)
        assert not list(redis.scan_iter(f"ww:story:member:{start // 86400}"))  # not by day
        server_now = float(redis.time()[0])  # the real time (the test's clock is moved)
        ends = {round(server_now + redis.pttl(k) / 1000) for k in span_keys}
        # The span's end, the window and a span for the clocks (a day's keys would have lived on).
        assert ends <= {(span + 1) * 600 + 600 + 600 + d for d in (-1, 0, 1)}
        alert_key = next(k.decode() for k in redis.scan_iter("ww:alert:*"))
        assert 0 < redis.ttl(alert_key) <= 600 + 600  # story_window + redis_margin
    with time_machine.travel(start + 300, tick=False):
        process_articles(rt, [e.to_json() for e in _entries(b, "/feed")])
    assert len({p["story"]["id"] for p in receiver.payloads}) == 1
    with time_machine.travel(start + 1500, tick=False):
        process_articles(rt, [e.to_json() for e in _entries(c, "/index.rss")])
    assert len({p["story"]["id"] for p in receiver.payloads}) == 2
