"""Feed notices decided without Redis: when a feed is unhealthy, recovered, retired or moved,
and what the sinks make of a notice."""

from __future__ import annotations

import json

from pipeline.config import FeedConfig
from pipeline.models import Notice
from pipeline.notices import REMIND_EVERY, Spell, notices_after
from pipeline.sinks.email import EmailSink, EmailSinkConfig
from pipeline.sinks.payload import notice_payload

FEED = FeedConfig(url="https://news.example.com/rss.xml", name="Example News")
T0 = 1_800_000_000.0


def test_unhealthy_after_n_failures_once_then_daily_then_recovered() -> None:
    spell, errors, sent = Spell(), 0, []
    for n in range(8):  # failures an hour apart
        found, spell = notices_after("failed", FEED, spell, errors, "HTTP 500", T0 + n * 3600, 5)
        errors += 1
        sent += found
    errors += 1  # the reminder's failure, below
    [unhealthy] = sent
    assert (unhealthy.type, unhealthy.failures, unhealthy.error) == ("feed.unhealthy", 5, "HTTP 500")
    assert unhealthy.since == "2027-01-15T08:00:00+00:00"  # the first failure, not the fifth
    later, spell = notices_after("failed", FEED, spell, errors, "HTTP 500", T0 + 4 * 3600 + REMIND_EVERY, 5)
    [reminder] = later
    assert reminder.sequence == 1 and reminder.since == unhealthy.since
    assert reminder.notice_id != unhealthy.notice_id  # a new webhook-id for a new message
    back, spell = notices_after("ok", FEED, spell, errors + 1, "", T0 + 2 * REMIND_EVERY, 5)
    [recovered] = back  # after the 8 failures, the reminder's ninth and one more
    assert (recovered.type, recovered.failures, recovered.since) == ("feed.recovered", 10, unhealthy.since)
    assert spell == Spell()
    assert notices_after("ok", FEED, spell, 0, "", T0 + 3 * REMIND_EVERY, 5)[0] == []


def test_a_failure_spell_below_the_threshold_says_nothing_either_way() -> None:
    spell = Spell()
    for n in range(4):
        found, spell = notices_after("failed", FEED, spell, n, "timeout", T0 + n, 5)
        assert found == []
    assert notices_after("ok", FEED, spell, 4, "", T0 + 10, 5) == ([], Spell())


def test_retired_and_moved_are_one_notice_each() -> None:
    [retired], spell = notices_after("retired", FEED, Spell(), 0, "HTTP 410 Gone", T0, 5)
    assert (retired.type, retired.error, spell) == ("feed.retired", "HTTP 410 Gone", Spell())
    [moved], _ = notices_after("ok", FEED, Spell(), 0, "", T0, 5, moved_to="https://new.example.com/rss")
    assert (moved.type, moved.moved_to) == ("feed.moved", "https://new.example.com/rss")


def test_a_notice_as_a_webhook_body_and_as_an_email() -> None:
    notice = Notice(
        type="feed.unhealthy", feed_url=FEED.url, feed_name="Example\r\nBcc: x@y", error="HTTP 500",
        failures=5, since="2027-01-15T08:00:00+00:00",
    )  # fmt: skip
    body = notice_payload(notice)
    assert body == {
        "version": 1, "type": "feed.unhealthy", "feed": {"url": FEED.url, "name": "Example\r\nBcc: x@y"},
        "error": "HTTP 500", "failures": 5, "since": "2027-01-15T08:00:00+00:00",
    }  # fmt: skip
    assert json.loads(json.dumps(body)) == body
    desk = {
        "id": "desk",
        "type": "email",
        "host": "127.0.0.1",
        "from": "ww@test.invalid",
        "to": ["d@test.invalid"],
    }
    sink = EmailSink(EmailSinkConfig.model_validate(desk))
    msg = sink.build_notice(notice, notice.delivery_id("desk"))
    assert msg["Subject"] == "[wirewatch] feed unhealthy: Example Bcc: x@y"  # one line, no header made
    assert msg["Bcc"] is None
    assert "has failed 5 times in a row" in msg.get_content()
