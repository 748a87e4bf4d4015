"""Story timelines on real parts: four outlets on loopback carry one story, published at other
times than wirewatch reads them; Redis, the history store, a worker and two webhook receivers
(one sink alerted at once, one by digest) that verify every signature."""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from redis import Redis

from pipeline.models import StoryCopy, StoryRef, iso_time
from workers import delivery
from workers.demo.site import LoopbackSite, WebhookReceiver, load_seeds
from workers.overview import story_timeline
from workers.store import alerts as alerts_store
from workers.web import status_page

from ..pipeline.factories import make_alert
from .helpers import ROOT, RSS, drain, run_pass, runtime, webhook_sink, write_config

OUTLETS = ["Wire Daily", "The Evening Post", "Metro Online", "Courier"]
EARLIER = [60, 90, 50, 40]  # minutes before now each outlet published it: The Evening Post first


@pytest.fixture
def outlets() -> Iterator[list[LoopbackSite]]:
    sites = [LoopbackSite().start() for _ in OUTLETS]
    yield sites
    for s in sites:
        s.stop()


def _publish(sites: list[LoopbackSite], now: datetime) -> None:
    """Seed 002 (the Kremlin spokesman on the ICC) at each outlet, in its own chrome and with
    its own pubDate."""
    seed = load_seeds(ROOT / "seeds")[2]
    body = "".join(f"<p>{html.escape(p.strip())}</p>" for p in seed.text.splitlines() if p.strip())
    for site, name, minutes in zip(sites, OUTLETS, EARLIER, strict=True):
        page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(seed.title)}</title>"
                f"</head><body><nav>{name} Home World</nav><article><h1>{html.escape(seed.title)}</h1>{body}"
                f"</article><footer>Copyright {name}</footer></body></html>")  # fmt: skip
        site.routes["/story.html"] = (200, {"Content-Type": "text/html"}, page.encode())
        when = format_datetime(now - timedelta(minutes=minutes))
        site.routes["/rss.xml"] = (200, RSS, (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>'
            f"<link>{site.base_url}/</link>"
            f"<description>news</description><item><title>{html.escape(seed.title)}</title>"
            f"<link>{site.base_url}/story.html</link><guid>{name}-1</guid><pubDate>{when}</pubDate>"
            "</item></channel></rss>"
        ).encode())  # fmt: skip


def test_four_outlets_one_alert_naming_the_first_and_a_timeline_of_four(
    tmp_path: Path, redis: Redis, outlets: list[LoopbackSite], receiver: WebhookReceiver, whsec: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _publish(outlets, now)
    later = WebhookReceiver(whsec).start()
    try:
        digest_sink = {**webhook_sink(later.url, whsec, "later"), "digest": {"group_wait": "30s"}}
        cfg = write_config(
            tmp_path, [f"{s.base_url}/rss.xml" for s in outlets],
            [webhook_sink(receiver.url, whsec), digest_sink],
            rules=[{"id": "icc", "title": "ICC", "query": "ICC"}],
        )  # fmt: skip
        rt = runtime(cfg, redis)
        run_pass(rt, feeds=rt.config.feeds[:1])  # Wire Daily read first, though it was not the first
        [alert] = receiver.payloads
        story = alert["story"]
        assert story["first_outlet"]["source"] == "Wire Daily" and story["followed"] == 0
        assert story["first_outlet"]["published"] == iso_time((now - timedelta(minutes=60)).timestamp())
        run_pass(rt, feeds=rt.config.feeds[1:])
        assert len(receiver.payloads) == 1  # copies arriving send no alert again
        assert delivery.flush_due(rt.services, time.time() + 31) == 1
        drain(rt)
    finally:
        later.stop()
    assert receiver.bad_signatures == 0 and later.bad_signatures == 0
    # The digest waited: its entry shows the story as it stood when it went.
    [digest] = later.payloads
    [entry] = digest["alerts"]
    timeline = entry["story"]
    assert timeline["id"] == story["id"] and timeline["first_outlet"]["source"] == "The Evening Post"
    assert timeline["followed"] == 3 and timeline["copies_total"] == 4
    in_order = ["The Evening Post", "Wire Daily", "Metro Online", "Courier"]  # by EARLIER
    assert [c["source"] for c in timeline["copies"]] == in_order
    assert [c["first"] for c in timeline["copies"]] == [True, False, False, False]
    assert all(c["published"] and c["seen"] >= c["published"] for c in timeline["copies"])

    _, page = status_page.render(rt.config, redis, 1, 1, rt.services.history)
    assert 'First reported by <span class="first-outlet">The Evening Post</span>' in page
    assert '<span class="followed">3</span> other outlets followed' in page
    copies = story_timeline(redis, rt.services.history, story["id"])
    assert [c.source for c in copies] == [c["source"] for c in timeline["copies"]]
    redis.delete(f"ww:story:{story['id']}:copies")  # forgotten by Redis: the archive has them
    assert [c.source for c in story_timeline(redis, rt.services.history, story["id"])] == [
        c.source for c in copies
    ]


def test_the_stream_of_recent_alerts_keeps_the_first_outlet_not_the_timeline_and_its_cap(
    redis: Redis,
) -> None:
    """The stream serves the newest alerts to the status page: its entries carry their story's
    first outlet (and how many followed), not the whole timeline, and it holds at most its cap."""
    copies = tuple(
        StoryCopy(
            source=f"Outlet {n}",
            url=f"https://outlet{n}.example/s",
            title="Story",
            seen="2026-12-01T10:00:00+00:00",
        )
        for n in range(4)
    )
    story = StoryRef(
        id="s1", first_seen="2026-12-01T10:00:00+00:00", copies=copies, copies_total=4, followed=3
    )
    assert alerts_store.record_alert(redis, make_alert(alert_id="a0", story=story), 3600, "entry-0") is None
    listed = alerts_store.recent_alerts(redis, 1)[0].story
    assert listed is not None and listed.first_outlet == copies[0] and listed.copies == (copies[0],)
    assert (listed.copies_total, listed.followed) == (4, 3)
    with redis.pipeline(transaction=False) as pipe:
        for n in range(1, alerts_store.ALERTS_STREAM_MAXLEN + 200):
            alerts_store.record_alert_on(pipe, make_alert(alert_id=f"a{n}"), 3600, f"entry-{n}")
        pipe.execute()
    assert redis.xlen(alerts_store.ALERTS_STREAM) < alerts_store.ALERTS_STREAM_MAXLEN + 200
    assert alerts_store.recent_alerts(redis, 1)[0].alert_id == f"a{alerts_store.ALERTS_STREAM_MAXLEN + 199}"
