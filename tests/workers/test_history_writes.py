"""The running system writes its history to the history store and keeps only bounded state in
Redis: the article job's archive, alerts and deliveries (every try) land in the store on both
backends; an alert's and a delivery's Redis keys expire with the story window, not seen_ttl; no
finished delivery job is kept, and still nothing is delivered twice; `wirewatch deliveries` and
`backfill` answer from the store once Redis has forgotten."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from redis import Redis
from rq.job import Job
from rq.registry import FinishedJobRegistry
from sqlalchemy import delete

from pipeline.models import Alert, Article, Entry, StoryRef, iso_time
from pipeline.sources.rss import parse_feed
from workers import delivery
from workers.cli import cli
from workers.context import WorkerContext
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.history import alerts as alert_rows
from workers.history import articles as article_rows
from workers.history import deliveries as delivery_rows
from workers.history import schema
from workers.jobs import process_articles
from workers.store import alerts as alert_store
from workers.store import deliveries as delivery_store

from ..pipeline.factories import make_alert
from .helpers import ICC_ONLY, drain, expected_keys, run_pass, runtime, webhook_sink, write_config

DAY = 86400


@pytest.fixture
def receiver(whsec: str) -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(whsec, fail_first=1).start()  # the first try fails: one delivery is a job
    yield r
    r.stop()


def _cli(*args: str, redis_url: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"REDIS_URL": redis_url}, catch_exceptions=False)


def _feed_entries(site: LoopbackSite, rt: WorkerContext) -> list[Entry]:
    route = site.routes["/feed.xml"]
    assert isinstance(route, tuple)
    return parse_feed(route[2], rt.config.feeds[0]).entries


def _keys(redis: Redis, pattern: str) -> list[bytes]:
    return list(redis.scan_iter(match=pattern, count=1000))


def test_an_article_jobs_archive_alerts_and_deliveries_land_in_the_history_store(
    tmp_path: Path, redis: Redis, history_url: str, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(
        tmp_path, [f"{site.base_url}/feed.xml"], [webhook_sink(receiver.url, whsec)], history_url=history_url
    )
    rt = runtime(cfg, redis)
    history = rt.services.history
    assert history.url == history_url
    try:
        run_pass(rt)
        delivered = {p["alert_id"] for p in receiver.payloads}
        assert len(delivered) == len(expected_keys())

        archived = list(article_rows.read(history, 0))
        assert sorted(Path(a.article.url).stem for a in archived) == sorted({s for s, _ in expected_keys()})
        assert {a.story.id for a in archived} >= {p["story"]["id"] for p in receiver.payloads}

        alerts = alert_rows.recent(history, limit=100)
        assert {a.alert_id for a in alerts} == delivered
        made_for = alert_rows.made_for(history, sorted(delivered))
        entry_of = {a.article.url: a.entry_key for a in archived}
        assert all(made_for[a.alert_id] == entry_of[a.article.url] for a in alerts)

        rows = {d.item: d for d in delivery_rows.recent(history, limit=100)}
        assert set(rows) == delivered
        assert all((d.status, d.sink, d.kind) == ("delivered", "hooks", "alert") for d in rows.values())
        # The one whose first try failed (HTTP 500) went through the queue: two tries, both kept.
        [retried] = [d for d in rows.values() if d.tries == 2]
        assert all(d.tries == 1 for d in rows.values() if d is not retried)
        [(first_at, first, why), (last_at, last, _)] = delivery_rows.tries(history, retried.delivery_id)
        assert (first, last) == ("retrying", "delivered") and "HTTP 500" in why
        assert (retried.first, retried.last) == (first_at, last_at) and first_at <= last_at
        # What Redis says of each delivery is what the history store says.
        redis_rows = delivery_store.delivery_records(redis, [d.delivery_id for d in rows.values()])
        assert [tuple(r) for r in redis_rows if r] == [tuple(d) for d in rows.values()]
    finally:
        history.close()


def test_an_alert_and_its_delivery_expire_in_redis_with_the_story_window_not_seen_ttl(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    sink = {**webhook_sink(receiver.url, whsec), "retry_schedule": ["1h", "30h"]}
    cfg = write_config(
        tmp_path, [f"{site.base_url}/one.xml"], [sink], rules=ICC_ONLY, story_window="2d", seen_ttl="90d"
    )
    rt = runtime(cfg, redis)
    run_pass(rt)  # the first try fails: its job waits an hour, its record is under way
    [alert_key] = _keys(redis, "ww:alert:*")
    assert 2 * DAY < redis.ttl(alert_key) <= 3 * DAY  # story_window and a day
    [record_key] = _keys(redis, "ww:delivery:*")
    assert record_key.endswith(b"-hooks")
    # max(story_window, the whole retry schedule at its longest: 2 x 30 h x 1.2 = 72 h) + a day
    assert delivery.delivery_ttl(rt.config, "hooks") == 4 * DAY
    assert 3 * DAY < redis.ttl(record_key) <= 4 * DAY
    assert all(0 < redis.ttl(k) <= 4 * DAY for k in _keys(redis, "ww:delivery:*"))
    assert not redis.exists("ww:deliveries")  # no list of recent deliveries in Redis any more


def test_finished_delivery_jobs_are_deleted_and_a_rerun_delivers_nothing_twice(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(tmp_path, [f"{site.base_url}/feed.xml"], [webhook_sink(receiver.url, whsec)])
    rt = runtime(cfg, redis)
    run_pass(rt)  # the first try fails: that delivery is made by a job on the queue
    sent = sorted(p["alert_id"] for p in receiver.payloads)
    assert len(sent) == len(expected_keys()) and len(receiver.attempt_ids) == len(sent) + 1
    assert not _keys(redis, "rq:job:deliver-*")  # no job is kept once it finished
    assert FinishedJobRegistry(queue=rt.queues.alerts).count == 0

    # The article job run again (a retry, a crash): its alerts are "again", each delivery's
    # record says it was delivered, nothing goes out.
    counts = process_articles(rt, [e.to_json() for e in _feed_entries(site, rt)])
    assert counts == {"articles": len(_feed_entries(site, rt)), "alerts": 0}
    # A delivery job queued again for a delivered alert runs, sends nothing, and is gone.
    alert = alert_store.recent_alerts(redis, 1)[0]
    assert delivery.enqueue_delivery(rt.services, alert, "hooks")
    drain(rt)
    assert sorted(p["alert_id"] for p in receiver.payloads) == sent
    assert not Job.exists(f"deliver-{alert.delivery_id('hooks')}", connection=redis)
    assert len(alert_rows.recent(rt.services.history, limit=100)) == len(sent)  # each recorded once


def test_a_rerun_of_an_article_job_that_died_before_its_history_write_writes_its_deliveries(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    """The article job writes its first tries' deliveries with its archive, in one write at its
    end: a job that died before that write (its deliveries made, recorded in Redis) is run again,
    sends nothing twice, and writes them then, each with its try."""
    cfg = write_config(tmp_path, [f"{site.base_url}/feed.xml"], [webhook_sink(receiver.url, whsec)])
    rt = runtime(cfg, redis)
    history = rt.services.history
    run_pass(rt)
    sent = sorted(p["alert_id"] for p in receiver.payloads)
    before = {d.delivery_id: d for d in delivery_rows.recent(history, limit=100)}
    tries = {d: delivery_rows.tries(history, d) for d in before}
    assert sorted(d.item for d in before.values()) == sent
    with history.begin() as conn:  # as if the job had died before its history write
        conn.execute(delete(schema.deliveries))
        conn.execute(delete(schema.delivery_tries))
    assert delivery_rows.recent(history, limit=100) == []

    counts = process_articles(rt, [e.to_json() for e in _feed_entries(site, rt)])
    assert counts["alerts"] == 0  # "again"
    assert sorted(p["alert_id"] for p in receiver.payloads) == sent  # nothing sent twice
    after = {d.delivery_id: d for d in delivery_rows.recent(history, limit=100)}
    assert after == before
    # Each delivery's last try is written again (the one before it, of a delivery that needed
    # its job, is the job's to have written: a try Redis no longer tells apart).
    assert {d: delivery_rows.tries(history, d) for d in after} == {d: t[-1:] for d, t in tries.items()}


def test_an_alert_of_a_story_older_than_redis_remembers_is_checked_in_the_history_store(
    tmp_path: Path, redis: Redis, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(tmp_path, [], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY, story_window="3d")
    rt = runtime(cfg, redis)
    now = time.time()
    # A story its copies kept going for five days: its alert was made on the first day, and
    # Redis has forgotten it since (story_window and a day).
    story = StoryRef(id="0123456789abcdef", first_seen=iso_time(now - 5 * DAY))
    alert = make_alert(alert_id="b" * 20, sinks=("hooks",), story=story, created_at=iso_time(now - 5 * DAY))
    rt.services.recorder.alert(alert, "first-copy")
    assert delivery.alert_recorded(rt.services, [alert.alert_id, "c" * 20]) == {alert.alert_id}

    assert delivery.record_alert(rt, alert, "late-copy", _article(alert), story) == "copy"
    assert alert_store.recorded(redis, [alert.alert_id]) == {alert.alert_id}  # remembered again
    assert not delivery.deliver_backfilled(rt.services, alert, "late-copy")
    assert receiver.attempt_ids == []


def _article(alert: Alert) -> Article:
    a = alert.article
    return Article(url=a.url, title=a.title, text="", source=a.source, published=a.published)


def test_deliveries_and_backfill_answer_from_the_history_store_once_redis_forgot(
    tmp_path: Path, redis: Redis, redis_url: str, site: LoopbackSite, whsec: str
) -> None:
    ok = WebhookReceiver(whsec).start()
    refusing = WebhookReceiver(whsec, fail_first=100, fail_status=400).start()
    try:
        sinks = [webhook_sink(ok.url, whsec), webhook_sink(refusing.url, whsec, "other")]
        cfg = write_config(tmp_path, [f"{site.base_url}/one.xml"], sinks, rules=ICC_ONLY)
        rt = runtime(cfg, redis)
        run_pass(rt)
        [payload] = ok.payloads
    finally:
        ok.stop()
        refusing.stop()
    alert_id = payload["alert_id"]
    # Redis forgets the alert and its delivered record as their TTLs say (the dead letter stays).
    redis.delete(*_keys(redis, "ww:alert:*"), f"ww:delivery:{alert_id}-hooks")

    listed = _cli("-c", str(cfg), "deliveries", "--json", redis_url=redis_url)
    assert listed.exit_code == 0, listed.output
    rows = {r["delivery_id"]: r for r in json.loads(listed.output)}
    assert set(rows) == {f"{alert_id}-hooks", f"{alert_id}-other"}
    assert (rows[f"{alert_id}-hooks"]["status"], rows[f"{alert_id}-hooks"]["tries"]) == ("delivered", 1)
    only = _cli("-c", str(cfg), "deliveries", "--sink", "hooks", "--json", redis_url=redis_url)
    assert [r["delivery_id"] for r in json.loads(only.output)] == [f"{alert_id}-hooks"]
    failed = _cli("-c", str(cfg), "deliveries", "--failed", "--json", redis_url=redis_url)
    assert failed.exit_code == 1
    [dead] = json.loads(failed.output)
    assert dead["delivery_id"] == f"{alert_id}-other" and "HTTP 400" in dead["error"]
    # No Redis at all: the list is the history store's.
    away = _cli("-c", str(cfg), "deliveries", "--sink", "nope", redis_url="redis://127.0.0.1:9/0")
    assert away.exit_code == 0 and away.output.strip() == "no deliveries recorded"

    # Backfill with the config's rules: the alert is known to the history store, nothing is sent.
    again = _cli("-c", str(cfg), "backfill", "--send", redis_url=redis_url)
    assert again.exit_code == 0, again.output
    assert "1 rule matches: 1 alerted already, 0 never alerted, 0 queued" in again.output
    assert not _keys(redis, "rq:job:deliver-*-hooks")
