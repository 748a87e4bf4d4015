"""Quiet hours on real parts (the seed site on loopback, Redis, a worker, a webhook receiver that
verifies every signature), the clock moved: alerts made at 23:00 in Berlin reach a quiet sink at
07:00 as one digest, an urgent rule's at once, and a feed notice waits for 07:00 too."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from redis import Redis
from rq.registry import ScheduledJobRegistry

from pipeline.digests import quiet_until
from pipeline.models import Notice, iso_time
from pipeline.values import QuietHours
from workers import delivery
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.store import digests

from ..pipeline.factories import make_alert
from .helpers import drain, run_pass, runtime, webhook_sink, write_config

RULES = [
    {"id": "navalny", "title": "Navalny", "query": "Navalny"},  # seeds 000 and 001
    {"id": "court", "title": "The ICC", "query": "ICC", "urgent": True},  # seeds 000 and 002
]
QUIET = {"from": "22:00", "to": "07:00", "timezone": "Europe/Berlin"}
EVENING = datetime(2027, 1, 15, 22, 0, tzinfo=UTC).timestamp()  # 23:00 in Berlin (CET)
MORNING = datetime(2027, 1, 16, 6, 0, tzinfo=UTC).timestamp()  # 07:00 in Berlin


def test_alerts_at_23h_reach_a_quiet_sink_at_07h_as_one_digest_and_an_urgent_rule_at_once(
    tmp_path: Path, redis: Redis, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    sink = {**webhook_sink(receiver.url, whsec), "quiet_hours": QUIET}
    rt = runtime(write_config(tmp_path, [f"{site.base_url}/feed.xml"], [sink], rules=RULES,
                              max_entry_age="3650d"), redis)  # fmt: skip
    scheduled = ScheduledJobRegistry(queue=rt.queues.alerts)
    with time_machine.travel(EVENING, tick=True):
        run_pass(rt)
        # The urgent rule's alerts went at once, each alone; the others wait for the morning.
        assert sorted((p["type"], p["rule"]["id"]) for p in receiver.payloads) == [("alert", "court")] * 2
        assert digests.waiting(redis) == {"hooks/~quiet": 2}
        notice = Notice(type="feed.unhealthy", feed_url=f"{site.base_url}/feed.xml", feed_name="Seeds",
                        error="HTTP 503", failures=5, since=iso_time(time.time()))  # fmt: skip
        assert delivery.enqueue_delivery(rt.services, notice, "hooks")
        [job_id] = scheduled.get_job_ids()
        assert scheduled.get_scheduled_time(job_id).timestamp() == pytest.approx(MORNING, abs=2)
        assert delivery.flush_due(rt.services, time.time() + 3600) == 0  # still night at midnight
    assert delivery.flush_due(rt.services, MORNING - 1) == 0
    with time_machine.travel(MORNING + 1, tick=True):
        assert delivery.flush_due(rt.services, time.time()) == 1
        drain(rt, with_scheduler=True)
        drain(rt)
    assert receiver.bad_signatures == 0
    [digest] = [p for p in receiver.payloads if p["type"] == "digest"]
    assert digest["group"] == "hooks/~quiet" and digest["flushed_at"] == iso_time(MORNING)
    assert sorted(a["rule"]["id"] for a in digest["alerts"]) == ["navalny", "navalny"]
    assert [p["type"] for p in receiver.payloads].count("feed.unhealthy") == 1
    assert len(receiver.payloads) == 4 and not digests.waiting(redis)


@pytest.mark.parametrize(
    ("utc", "until"),
    [
        ((2027, 1, 15, 20, 59), None),  # 21:59 in Berlin: not yet
        ((2027, 1, 15, 21, 0), (2027, 1, 16, 6, 0)),  # 22:00: from here to 07:00
        ((2027, 1, 16, 5, 59), (2027, 1, 16, 6, 0)),  # 06:59, the next day
        ((2027, 1, 16, 6, 0), None),  # 07:00: over
        ((2027, 3, 27, 23, 0), (2027, 3, 28, 5, 0)),  # the night the clocks go forward: 07:00 CEST
    ],
)
def test_quiet_until_the_windows_end_across_midnight_and_daylight_saving(
    utc: tuple[int, ...], until: tuple[int, ...] | None
) -> None:
    quiet = QuietHours.model_validate(QUIET)
    now = datetime(*utc, tzinfo=UTC).timestamp()  # type: ignore[misc]
    expected = datetime(*until, tzinfo=UTC).timestamp() if until else None  # type: ignore[misc]
    assert quiet_until(quiet, now) == expected
    daytime = QuietHours.model_validate({"from": "12:00", "to": "13:00"})  # UTC, not across midnight
    assert (
        quiet_until(daytime, datetime(2027, 1, 15, 12, 30, tzinfo=UTC).timestamp())
        == datetime(2027, 1, 15, 13, 0, tzinfo=UTC).timestamp()
    )
    assert quiet_until(daytime, datetime(2027, 1, 15, 13, 30, tzinfo=UTC).timestamp()) is None


def test_an_alert_held_just_before_the_end_is_not_sent_again_by_a_job_run_after_it(
    tmp_path: Path, redis: Redis, whsec: str
) -> None:
    """A job that handed an alert to the quiet group at 06:59:59 and died is run again after
    07:00: the alert is in the quiet group already, and is not delivered on its own too."""
    sink = {**webhook_sink("http://127.0.0.1:9/hook", whsec), "quiet_hours": QUIET}
    rt = runtime(write_config(tmp_path, [], [sink], rules=RULES), redis)
    alert = make_alert(alert_id="late", rule_id="navalny", sinks=("hooks",))
    assert delivery.hold(rt.services, alert, "hooks", MORNING - 1)
    assert digests.waiting(redis) == {"hooks/~quiet": 1}
    assert delivery.hold(rt.services, alert, "hooks", MORNING + 1)  # handed already: held, not sent
    other = make_alert(alert_id="fresh", rule_id="navalny", sinks=("hooks",))
    assert not delivery.hold(rt.services, other, "hooks", MORNING + 1)  # a new one after 07:00 goes
