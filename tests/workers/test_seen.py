"""Seen entries bounded per feed, on real parts (a loopback feed server, Redis, both history
backends, the worker): each feed's window in Redis stays bounded however many entries the feed
churns through; an entry that comes back after it left its window is recognised by the history
store and not handled again; seen keys of the old form count while the upgrade's marker says
they may exist; the batch is checked in one round trip."""

from __future__ import annotations

import html
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from redis import Connection, ConnectionPool, Redis, UnixDomainSocketConnection

from pipeline.models import Entry
from workers.context import WorkerContext
from workers.demo.site import LoopbackSite, WebhookReceiver, load_seeds
from workers.history import History
from workers.history import seen as seen_rows
from workers.store import outbox
from workers.store import seen as seen_store
from workers.store.seen import WINDOW_MAX, WINDOW_MIN, Window, key_hash

from .helpers import ICC_ONLY, ROOT, RSS, alert_keys, run_pass, runtime, webhook_sink, write_config

SEEDS = load_seeds(ROOT / "seeds")
ICC = SEEDS[2]  # the seed that names the International Criminal Court: one alert for ICC_ONLY
DAY = 86400.0


@dataclass(frozen=True)
class Item:
    guid: str
    link: str
    title: str
    text: str
    published: datetime | None = None


def icc_item(base_url: str) -> Item:
    """Seed 002, undated: however long it stays away, it is never too old to alert on again."""
    return Item(f"icc-{ICC.stem}", f"{base_url}/articles/{ICC.stem}.html", ICC.title, ICC.text[:280])


def fillers(base_url: str, start: int, count: int) -> list[Item]:
    """Stories of ten days ago: remembered as seen without article work (older than max_entry_age)."""
    old = datetime.now(UTC) - timedelta(days=10)
    return [
        Item(f"filler-{n}", f"{base_url}/filler/{n}.html", f"Filler story {n}", "Nothing to see.", old)
        for n in range(start, start + count)
    ]


def rss(items: Sequence[Item]) -> bytes:
    body = "".join(
        f"<item><title>{html.escape(i.title)}</title><link>{html.escape(i.link)}</link>"
        f'<guid isPermaLink="false">{i.guid}</guid>'
        + (f"<pubDate>{format_datetime(i.published)}</pubDate>" if i.published else "")
        + f"<description>{html.escape(i.text)}</description></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Churn</title>'
        f"<link>http://127.0.0.1/</link><description>churn</description>{body}</channel></rss>"
    ).encode()


def config(tmp: Path, site: LoopbackSite, sinks: list[dict[str, Any]], history_url: str | None) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    cfg = write_config(tmp, [f"{site.base_url}/churn.xml"], sinks, rules=ICC_ONLY)
    if history_url is not None:
        data = yaml.safe_load(cfg.read_text("utf-8"))
        cfg.write_text(yaml.safe_dump({**data, "history_url": history_url}), "utf-8")
    return cfg


def window_of(rt: WorkerContext) -> Window:
    return seen_store.read_window(rt.redis, rt.config.feeds[0].id)


def test_an_entry_back_after_leaving_its_window_is_not_handled_again(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str, receiver: WebhookReceiver, history_url: str
) -> None:
    icc = icc_item(site.base_url)
    page = f"/articles/{ICC.stem}.html"
    site.routes["/churn.xml"] = (200, RSS, rss([icc, *fillers(site.base_url, 0, 10)]))
    rt = runtime(config(tmp_path, site, [webhook_sink(receiver.url, whsec)], history_url), redis)
    run_pass(rt)
    assert alert_keys(receiver.payloads) == [(ICC.stem, "icc")]
    assert site.hits[page] == 1
    assert window_of(rt).has(_entry(icc))

    # The feed moves on: two bodies of 100 other stories (200 entry keys each) push it out of the
    # window, which keeps each body and as many of the keys listed before it.
    for start in (100, 200):
        site.routes["/churn.xml"] = (200, RSS, rss(fillers(site.base_url, start, 100)))
        run_pass(rt)
    assert not window_of(rt).has(_entry(icc))
    assert len(window_of(rt).listed) == 400

    site.routes["/churn.xml"] = (200, RSS, rss([icc, *fillers(site.base_url, 300, 5)]))
    run_pass(rt)
    assert site.hits["/churn.xml"] == 4
    assert site.hits[page] == 1  # not handed to article work again: the history store knew it
    assert alert_keys(receiver.payloads) == [(ICC.stem, "icc")]
    assert window_of(rt).has(_entry(icc))  # back in the window while listed


def _entry(item: Item, feed_id: str = "") -> Entry:
    """The entry keys an item is known by (its guid; its link is feed-scoped, so only the guid
    is checked by `Window.has` here)."""
    return Entry(feed_id=feed_id, feed_url="", source="", key=f"guid:{item.guid}")


def test_the_window_stays_bounded_under_a_feed_that_churns(
    tmp_path: Path, redis: Redis, site: LoopbackSite
) -> None:
    site.routes["/churn.xml"] = (200, RSS, b"")
    rt = runtime(config(tmp_path, site, [], None), redis)
    key = seen_store.window_key(rt.config.feeds[0].id)
    sizes = []
    for poll in range(12):  # 12 bodies of 40 new stories each: 960 entry keys in all
        site.routes["/churn.xml"] = (200, RSS, rss(fillers(site.base_url, poll * 40, 40)))
        run_pass(rt)
        sizes.append(len(seen_store.read_window(redis, rt.config.feeds[0].id).listed))
    # 80 keys a body; at least WINDOW_MIN kept: the window fills to 200 and stays there.
    assert sizes == [80, 160, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]
    assert 0 < redis.ttl(key) <= rt.config.defaults.seen_ttl
    assert redis.keys("ww:seen:*") == []  # no key per entry any more
    listed = [f"guid:filler-{n}" for n in range(480)]  # every one in the history store all the same
    assert seen_rows.seen_among(rt.services.history, listed, 0) == set(listed)
    with redis.pipeline() as pipe:  # the feed removed from the config: its window goes with it
        seen_store.drop_window(pipe, rt.config.feeds[0].id)
        pipe.execute()
    assert not redis.exists(key)


def test_the_window_keeps_each_body_and_its_recent_past_within_its_caps() -> None:
    def entries(names: Sequence[str]) -> list[Entry]:
        return [Entry(feed_id="f", feed_url="", source="", key=k, alt_keys=(f"alt-{k}",)) for k in names]

    now = 1_800_000_000.0
    first = Window({}).after(entries(["a", "b"]), now, seen_ttl=90 * DAY)
    assert first.listed == {key_hash(k): int(now // 3600) for k in ("a", "alt-a", "b", "alt-b")}  # hours
    # "a" dropped, "c" new: "a" stays for a day after it was last listed, then goes.
    second = first.after(entries(["c", "b"]), now + 60, seen_ttl=90 * DAY)
    assert second.has(entries(["a"])[0]) and second.has(entries(["c"])[0])
    assert list(second.listed)[:4] == [key_hash(k) for k in ("c", "alt-c", "b", "alt-b")]  # newest first
    later = second.after(entries(["c"]), now + DAY + 120, seen_ttl=90 * DAY)
    assert set(later.listed) == {key_hash(k) for k in ("c", "alt-c")}
    assert not second.after(entries(["c"]), now + 3600, seen_ttl=600).has(entries(["a"])[0])  # seen_ttl
    # The cap: at least WINDOW_MIN, else twice the body; a body beyond WINDOW_MAX keeps its first.
    many = Window({}).after(entries([str(n) for n in range(300)]), now, seen_ttl=90 * DAY)
    small_body = many.after(entries(["x"]), now + 1, seen_ttl=90 * DAY)
    assert len(small_body.listed) == WINDOW_MIN
    big_body = many.after(entries([f"y{n}" for n in range(200)]), now + 1, seen_ttl=90 * DAY)
    assert len(big_body.listed) == 800
    huge = Window({}).after(entries([str(n) for n in range(WINDOW_MAX)]), now, seen_ttl=90 * DAY)
    assert len(huge.listed) == WINDOW_MAX and huge.has(entries(["0"])[0])
    # Stored and read back as it was; a value of broken records reads as an empty window.
    assert Window.parse(big_body.to_bytes(), now + 1) == big_body
    assert Window.parse(big_body.to_bytes(), now + 5 * 365 * DAY) == big_body  # hours wrap at 7 years
    assert Window.parse(b"12345") == Window({})  # a group cut short
    assert len(big_body.to_bytes()) == 4 + 6 * 800  # one hour: one group


def _legacy_seen(redis: Redis, keys: Sequence[str], ttl: float) -> None:
    """Seen keys as the previous version wrote them: one per entry key, EX seen_ttl."""
    for k in keys:
        redis.set(seen_store.legacy_key(k), "1", ex=int(ttl))


def test_seen_keys_of_the_old_form_count_while_the_marker_says_so(
    tmp_path: Path,
    redis: Redis,
    site: LoopbackSite,
    whsec: str,
    receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    icc = icc_item(site.base_url)
    page = f"/articles/{ICC.stem}.html"
    rt = runtime(config(tmp_path, site, [webhook_sink(receiver.url, whsec)], None), redis)
    feed_id = rt.config.feeds[0].id
    ttl = rt.config.defaults.seen_ttl
    # Handled by the previous version (by its guid alone, say): old-form keys, no window, no history.
    assert not seen_store.any_legacy_seen(redis)
    _legacy_seen(redis, [f"guid:{icc.guid}"], ttl)
    assert seen_store.any_legacy_seen(redis)
    seen_store.note_legacy_seen(redis, time.time() + ttl)
    seen_store.note_legacy_seen(redis, time.time() + 60)  # never moved earlier
    assert seen_store.legacy_seen_until(redis) == pytest.approx(time.time() + ttl, abs=5)
    assert 0 < redis.pttl(seen_store.LEGACY_UNTIL_KEY) <= ttl * 1000 + 1000  # PXAT rounds up to the ms
    # This process has not seen the marker yet: the old keys are asked after the windows...
    monkeypatch.setattr(seen_store, "_legacy_hint", False)
    site.routes["/churn.xml"] = (200, RSS, rss([icc]))
    run_pass(rt)
    # ...and once it has, in the same round trip (the window is dropped so that they answer).
    redis.delete(seen_store.window_key(feed_id))
    assert seen_store._legacy_hint is True
    run_pass(rt)
    assert site.hits["/churn.xml"] == 2
    assert page not in site.hits and receiver.payloads == []

    # Without the marker (its time has passed), old keys are not read: the entry is new.
    redis.delete(seen_store.window_key(feed_id), seen_store.LEGACY_UNTIL_KEY)
    run_pass(rt)
    assert site.hits[page] == 1
    assert alert_keys(receiver.payloads) == [(ICC.stem, "icc")]
    assert seen_store._legacy_hint is False


class Counting:
    """Mixed into a connection class: counts what it sends, one send per command or pipeline."""

    sends = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        Counting.sends += 1
        super().send_packed_command(command, check_health)  # type: ignore[misc]


class CountingConnection(Counting, Connection):
    pass


class CountingUnixConnection(Counting, UnixDomainSocketConnection):  # the embedded Redis
    pass


@pytest.mark.parametrize("legacy", [False, True])
def test_a_poll_batch_is_checked_in_one_round_trip(
    redis: Redis, redis_url: str, legacy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def entry(feed_id: str, n: int) -> Entry:
        return Entry(feed_id=feed_id, feed_url="", source="", key=f"{feed_id}:k{n}",
                     alt_keys=(f"link:{feed_id}:{n}",))  # fmt: skip

    batch = [(f"feed{f}", [entry(f"feed{f}", n) for n in range(30)]) for f in range(50)]
    batch.append(("quiet", []))  # a feed that answered 304: nothing to read
    with redis.pipeline() as pipe:  # what earlier polls left: each feed's first 10 entries
        for feed_id, entries in batch[:-1]:
            seen_store.save_window(pipe, feed_id, Window({}).after(entries[:10], time.time(), DAY), DAY)
        pipe.execute()
    if legacy:
        _legacy_seen(redis, ["feed1:k15", "link:feed7:18"], DAY)  # seen by the old version
        seen_store.note_legacy_seen(redis, time.time() + DAY)
    monkeypatch.setattr(seen_store, "_legacy_hint", legacy)
    counting = CountingUnixConnection if redis_url.startswith("unix://") else CountingConnection
    pool = ConnectionPool.from_url(redis_url, connection_class=counting)
    counted = Redis(connection_pool=pool)
    counted.ping()
    before = Counting.sends
    checked = seen_store.check(counted, batch)
    assert Counting.sends - before == 1
    pool.disconnect()
    old = {(1, 15), (7, 18)} if legacy else set()
    expected = [[n < 10 or (f, n) in old for n in range(30)] for f in range(50)]
    assert checked.seen == [*expected, []]
    assert [len(w.listed) for w in checked.windows] == [20] * 50 + [0]


def test_with_the_history_store_down_entries_redis_does_not_know_are_new_and_alert_once(
    tmp_path: Path,
    redis: Redis,
    site: LoopbackSite,
    whsec: str,
    receiver: WebhookReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    icc = icc_item(site.base_url)
    page = f"/articles/{ICC.stem}.html"
    site.routes["/churn.xml"] = (200, RSS, rss([icc]))
    sinks = [webhook_sink(receiver.url, whsec)]
    run_pass(runtime(config(tmp_path / "up", site, sinks, None), redis))
    assert site.hits[page] == 1
    # Its window lost and the history store unreachable (nothing listens on port 9).
    down = runtime(
        config(tmp_path / "down", site, sinks, "postgresql+psycopg://postgres@127.0.0.1:9/none"), redis
    )
    redis.delete(seen_store.window_key(down.config.feeds[0].id))
    caplog.set_level(logging.WARNING, logger="wirewatch.jobs")
    run_pass(down)
    assert site.hits[page] == 2  # taken for new and read again...
    assert alert_keys(receiver.payloads) == [(ICC.stem, "icc")]  # ...but not alerted twice
    assert any("taken for new" in r.getMessage() and "127.0.0.1:9" in r.getMessage() for r in caplog.records)
    waiting = [json.loads(w)["kind"] for w in outbox.peek(redis, 10)]
    assert waiting.count("seen") == 1  # its seen write waits for the store (its archive too)
    assert window_of(down).has(_entry(icc))


def test_the_history_store_answers_for_a_batch_of_more_keys_than_a_statement_takes(history_url: str) -> None:
    """A batch of new feeds lists up to 100,000 entry keys: more than PostgreSQL takes in one
    statement (65,535 parameters)."""
    history = History(history_url)
    try:
        keys = [f"guid:{n}" for n in range(70_000)]
        with history.begin() as conn:
            seen_rows.add(conn, "feed", keys[::7], 1000.0)
        assert seen_rows.seen_among(history, keys, 0.0) == set(keys[::7])
        assert seen_rows.seen_among(history, keys, 1001.0) == set()
    finally:
        history.close()
