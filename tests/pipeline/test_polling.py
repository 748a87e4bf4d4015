"""pipeline.polling without Redis: one conditional GET per feed (httpx.MockTransport), which
entries become articles, and when a feed is due again."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from pipeline.config import FeedConfig
from pipeline.feeds import FeedHints
from pipeline.fetch import Fetcher
from pipeline.loglines import LogLine
from pipeline.models import Entry
from pipeline.notices import Spell
from pipeline.polling import (
    Cadence,
    Deferred,
    FeedEntries,
    NotModified,
    PollDecision,
    PollFailed,
    PollOutcome,
    PollPolicy,
    PollState,
    Schedule,
    Validators,
    adaptive_interval,
    cadence_after,
    decide_poll,
    poll_feed,
    poll_url,
    schedule,
    triage_entries,
)
from pipeline.sources.rss import parse_feed

FEED = FeedConfig(url="https://news.example.com/rss.xml", name="Example News")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Example</title>
<link>https://news.example.com/</link>
<item><title>One</title><link>https://news.example.com/1</link><guid>g1</guid>
<pubDate>Tue, 01 Dec 2026 11:00:00 GMT</pubDate></item>
<item><title>Two</title><link>/2</link><guid>g2</guid></item>
</channel></rss>"""

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], Fetcher]]:
    made: list[Fetcher] = []

    def make(handler: Handler) -> Fetcher:
        # allow_private_networks: the made-up hosts are never resolved (no DNS in these tests)
        fetcher = Fetcher("test", 5.0, allow_private_networks=True, transport=httpx.MockTransport(handler))
        made.append(fetcher)
        return fetcher

    yield make
    for f in made:
        f.close()


def test_a_matching_etag_is_not_modified_and_the_validators_are_sent(
    serve: Callable[[Handler], Fetcher],
) -> None:
    sent: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers)
        return httpx.Response(304)

    outcome = poll_feed(serve(handler), FEED, Validators('"v1"', "Tue, 01 Dec 2026 10:00:00 GMT"), 10_000)
    assert outcome == NotModified()
    assert sent[0]["if-none-match"] == '"v1"'
    assert sent[0]["if-modified-since"] == "Tue, 01 Dec 2026 10:00:00 GMT"


def test_a_changed_feed_gives_its_entries_and_new_validators(serve: Callable[[Handler], Fetcher]) -> None:
    fetcher = serve(
        lambda r: httpx.Response(200, content=RSS, headers={"ETag": '"v2"', "Last-Modified": "x"})
    )
    outcome = poll_feed(fetcher, FEED, Validators(), 10_000)
    assert isinstance(outcome, FeedEntries)
    assert outcome.validators == Validators('"v2"', "x")
    assert [e.link for e in outcome.entries] == ["https://news.example.com/1", "https://news.example.com/2"]
    assert outcome.moved_to is None


@pytest.mark.parametrize(
    ("status", "retriable"), [(503, True), (429, True), (500, True), (404, False), (410, False), (401, False)]
)
def test_an_http_error_is_a_failed_poll_retriable_or_not(
    serve: Callable[[Handler], Fetcher], status: int, retriable: bool
) -> None:
    outcome = poll_feed(serve(lambda r: httpx.Response(status)), FEED, Validators(), 10_000)
    assert isinstance(outcome, PollFailed)
    assert outcome.retriable is retriable
    assert f"HTTP {status}" in outcome.error and FEED.url in outcome.error


def test_a_network_error_is_retriable_and_bytes_that_are_no_feed_are_not(
    serve: Callable[[Handler], Fetcher],
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    down = poll_feed(serve(refuse), FEED, Validators(), 10_000)
    assert isinstance(down, PollFailed) and down.retriable
    html = poll_feed(
        serve(lambda r: httpx.Response(200, content=b"<html><p>hi</p></html>")), FEED, Validators(), 10_000
    )
    assert isinstance(html, PollFailed) and not html.retriable and "not a feed" in html.error


@pytest.mark.parametrize("status", [503, 429, 404, 410, 401])
def test_a_failed_poll_carries_the_http_status_the_server_answered(
    serve: Callable[[Handler], Fetcher], status: int
) -> None:
    outcome = poll_feed(serve(lambda r: httpx.Response(status)), FEED, Validators(), 10_000)
    assert isinstance(outcome, PollFailed) and outcome.http_status == status


def test_a_failed_poll_without_an_http_answer_has_no_status(serve: Callable[[Handler], Fetcher]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    down = poll_feed(serve(refuse), FEED, Validators(), 10_000)
    html = poll_feed(
        serve(lambda r: httpx.Response(200, content=b"<html></html>")), FEED, Validators(), 10_000
    )
    big = poll_feed(serve(lambda r: httpx.Response(200, content=RSS)), FEED, Validators(), 100)
    assert [o.http_status for o in (down, html, big) if isinstance(o, PollFailed)] == [None, None, None]


def test_a_body_over_the_cap_is_a_permanent_failure(serve: Callable[[Handler], Fetcher]) -> None:
    outcome = poll_feed(serve(lambda r: httpx.Response(200, content=RSS)), FEED, Validators(), 100)
    assert isinstance(outcome, PollFailed) and not outcome.retriable and "cap" in outcome.error


@pytest.mark.parametrize(
    ("chain", "moved"),
    [([301], True), ([308, 301], True), ([301, 302], False), ([307], False)],
)
def test_only_a_wholly_permanent_redirect_moves_the_feed(
    serve: Callable[[Handler], Fetcher], chain: list[int], moved: bool
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        hop = int(request.url.params.get("hop", "0"))
        if hop < len(chain):
            return httpx.Response(
                chain[hop], headers={"Location": f"https://feeds.example.com/rss?hop={hop + 1}"}
            )
        return httpx.Response(200, content=RSS)

    outcome = poll_feed(serve(handler), FEED, Validators(), 10_000)
    assert isinstance(outcome, FeedEntries)
    final = f"https://feeds.example.com/rss?hop={len(chain)}"
    assert outcome.moved_to == (final if moved else None)


def _entry(key: str, published: datetime | None) -> Entry:
    return Entry(
        feed_id="f", feed_url=FEED.url, source="s", key=key,
        published=published.isoformat() if published else None,
    )  # fmt: skip


def test_triage_skips_the_seen_remembers_the_old_and_keeps_the_undated() -> None:
    fresh = _entry("fresh", NOW - timedelta(hours=3))
    old = _entry("old", NOW - timedelta(days=3))
    undated = _entry("undated", None)
    seen = _entry("seen", NOW)
    triage = triage_entries([fresh, old, undated, seen], [False, False, False, True], 2 * 86400, NOW)
    assert [e.key for e in triage.new] == ["fresh", "undated"]
    assert [e.key for e in triage.stale] == ["old"]
    longer = triage_entries([old], [False], 7 * 86400, NOW)
    assert [e.key for e in longer.new] == ["old"]


POLICY = PollPolicy(start=300, min_interval=120, max_interval=6 * 3600, max_backoff=6 * 3600, jitter=20)
HOUR = 3600.0


NO_HISTORY = Cadence()


def _due(
    outcome: PollOutcome, cadence: Cadence = NO_HISTORY, policy: PollPolicy = POLICY,
    errors: int = 0, due_at: float = 1000.0, now: float = 1040.0, seed: int = 1,
) -> Schedule:  # fmt: skip
    return schedule(outcome, cadence, policy, due_at, now, errors, random.Random(seed))


def test_a_healthy_feed_keeps_its_cadence_from_when_it_was_due() -> None:
    ok = [_due(NotModified(), seed=n) for n in range(200)]  # the poll ran 40 s late
    assert {s.why for s in ok} == {"start"} and {s.interval for s in ok} == {300}
    dues = [s.due for s in ok if s.due is not None]
    assert all(1290 <= t <= 1310 for t in dues) and max(dues) - min(dues) > 10  # 1300 +- jitter / 2
    assert (
        _due(NotModified(), now=5000.0, policy=replace(POLICY, jitter=0)).due == 5001.0
    )  # never in the past


def test_the_interval_is_pinned_else_adaptive_else_the_start_and_never_below_the_feeds_floor() -> None:
    assert _due(NotModified(), policy=replace(POLICY, pinned=60)).why == "pinned"
    assert _due(NotModified(), policy=replace(POLICY, pinned=60)).interval == 60  # a pin is not clamped
    adaptive = Cadence(adaptive=1800)
    assert (_due(NotModified(), adaptive).interval, _due(NotModified(), adaptive).why) == (1800, "adaptive")
    ttl = Cadence(adaptive=1800, floor=HOUR)
    assert (_due(NotModified(), ttl).interval, _due(NotModified(), ttl).why) == (HOUR, "ttl")
    cached = Cadence(adaptive=1800, floor=600, max_age=2 * HOUR)
    assert (_due(NotModified(), cached).interval, _due(NotModified(), cached).why) == (2 * HOUR, "max-age")
    pinned_below_ttl = _due(NotModified(), ttl, replace(POLICY, pinned=60))
    assert (pinned_below_ttl.interval, pinned_below_ttl.why) == (HOUR, "ttl")  # the publisher's floor wins
    assert _due(NotModified(), Cadence(floor=7 * 86400)).interval == 86400  # at most a day


def test_adaptive_interval_is_half_the_median_gap_of_the_last_week_clamped() -> None:
    now = 10 * 86400.0
    hourly = [now - n * HOUR for n in range(1, 30)]
    assert adaptive_interval(hourly, now, POLICY) == 1800
    assert adaptive_interval(hourly[:2], now, POLICY) is None  # two entries tell nothing yet
    old = [now - 8 * 86400 - n * 60 for n in range(30)]  # busy, but more than a week ago
    assert adaptive_interval(old, now, POLICY) is None
    every_minute = [now - n * 60 for n in range(30)]
    assert adaptive_interval(every_minute, now, POLICY) == 120  # min_interval
    daily = [now - n * 86400 for n in range(7)]
    assert adaptive_interval(daily, now, POLICY) == 6 * HOUR  # max_interval
    duplicates = [now - HOUR] * 10 + [now - 3 * HOUR, now - 5 * HOUR]  # one time, many entries
    assert adaptive_interval(duplicates, now, POLICY) == HOUR


def test_a_new_feed_body_teaches_the_cadence_a_304_keeps_it() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    entries = tuple(_entry(f"e{n}", now - timedelta(hours=2 * n)) for n in range(1, 6))
    body = FeedEntries(entries, Validators(), max_age=600, hints=FeedHints(HOUR, frozenset({3})))
    learned = cadence_after(body, Cadence(), now.timestamp(), POLICY)
    assert learned == Cadence(adaptive=HOUR, floor=HOUR, max_age=600, skip_hours=frozenset({3}))
    kept = cadence_after(NotModified(max_age=60), learned, now.timestamp(), POLICY)
    assert kept == Cadence(adaptive=HOUR, floor=HOUR, max_age=60, skip_hours=frozenset({3}))
    assert cadence_after(PollFailed("down", retriable=True), learned, now.timestamp(), POLICY) == learned
    undated = FeedEntries((_entry("u", None),), Validators())
    assert cadence_after(undated, learned, now.timestamp(), POLICY).adaptive == HOUR  # nothing new to learn


def test_failures_back_off_from_the_interval_to_max_backoff_with_jitter() -> None:
    down = PollFailed("down", retriable=True)
    delays = [_due(down, errors=n, seed=n).interval for n in range(1, 12)]
    assert 240 <= delays[0] <= 360  # the interval, +-20%
    assert 480 <= delays[1] <= 720
    assert max(delays) == 6 * HOUR and all(d <= 6 * HOUR for d in delays)  # however long it fails
    assert {_due(down, errors=3).why, _due(PollFailed("404", retriable=False), errors=9).why} == {"backoff"}
    assert _due(down, errors=1).due == pytest.approx(1040 + _due(down, errors=1).interval)  # from now


def test_retry_after_holds_the_next_poll_back_and_410_retires() -> None:
    wait = _due(PollFailed("429", retriable=True, retry_after=900.0))
    assert (wait.due, wait.why) == (1040 + 900, "Retry-After")
    assert _due(PollFailed("503", retriable=True, retry_after=5 * 86400.0)).interval == 86400
    gone = _due(PollFailed("410", retriable=False, gone=True))
    assert (gone.due, gone.why) == (None, "retired")


def test_skip_hours_move_a_due_time_to_the_next_hour_not_skipped() -> None:
    midnight = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    night = Cadence(skip_hours=frozenset({0, 1, 2}))
    due = _due(NotModified(), night, replace(POLICY, jitter=0), due_at=midnight - 100, now=midnight - 90).due
    assert due == midnight + 3 * HOUR
    assert _due(NotModified(), Cadence(skip_hours=frozenset({5})), due_at=midnight, now=midnight).due == (
        pytest.approx(midnight + 300, abs=10)
    )


def test_fetch_reads_retry_after_and_max_age_and_410_is_gone() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return {
            "/limited": httpx.Response(429, headers={"Retry-After": "120"}),
            "/busy": httpx.Response(503, headers={"Retry-After": "Tue, 01 Dec 2026 12:10:00 GMT"}),
            "/gone": httpx.Response(410),
            "/cached": httpx.Response(200, content=RSS, headers={"Cache-Control": "public, max-age=900"}),
        }[request.url.path]

    fetcher = Fetcher("test", transport=httpx.MockTransport(answer), allow_private_networks=True)
    base = "https://news.example.com"
    with time_machine.travel(NOW, tick=False):
        limited = poll_url(fetcher, FEED, f"{base}/limited", Validators(), 10**6)
        busy = poll_url(fetcher, FEED, f"{base}/busy", Validators(), 10**6)
    gone = poll_url(fetcher, FEED, f"{base}/gone", Validators(), 10**6)
    cached = poll_url(fetcher, FEED, f"{base}/cached", Validators(), 10**6)
    assert isinstance(limited, PollFailed) and limited.retry_after == 120 and "Retry-After" in limited.error
    assert isinstance(busy, PollFailed) and busy.retry_after == 600
    assert isinstance(gone, PollFailed) and gone.gone and not gone.retriable
    assert isinstance(cached, FeedEntries) and cached.max_age == 900


def test_feed_hints_ttl_syndication_and_skip_hours() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
    <channel><title>x</title><ttl>30</ttl><sy:updatePeriod>hourly</sy:updatePeriod>
    <sy:updateFrequency>4</sy:updateFrequency><skipHours><hour>0</hour><hour> 23 </hour></skipHours>
    <item><title>a</title><guid>a</guid></item></channel></rss>"""
    assert parse_feed(feed, FEED).hints == FeedHints(1800.0, frozenset({0, 23}))  # ttl 30 min > 15 min
    silly = feed.replace(b"<ttl>30</ttl>", b"<ttl>999999</ttl>").replace(b"<hour>0</hour>", b"")
    assert parse_feed(silly, FEED).hints == FeedHints(86400.0, frozenset({23}))
    every_hour = b"".join(b"<hour>%d</hour>" % h for h in range(24))
    never = feed.replace(b"<hour>0</hour>", every_hour)
    assert parse_feed(never, FEED).hints.skip_hours == frozenset()  # that would be never: ignored


# --- decide_poll: one poll's outcome -> everything the job saves, queues, counts and logs -------------

HOUR_DELTA, DAY = timedelta(hours=1), timedelta(days=1)
T = NOW.timestamp()  # the clock of every decision below
STAMP = "2026-12-01T12:00:00+00:00"
NEW_FEED = PollState()  # never polled
SPELL_AND_CADENCE = (
    "adaptive", "floor", "max_age", "skip_hours", "spell_since", "spell_notified", "spell_reminders"
)  # fmt: skip


def _decide(
    outcome: PollOutcome, past: PollState = NEW_FEED, seen: tuple[bool, ...] = (), seed: int = 7,
    unhealthy_after: int = 5,
) -> PollDecision:  # fmt: skip
    return decide_poll(
        FEED, past, outcome, seen, policy=POLICY, due_at=T - 40, now=T, rng=random.Random(seed),
        max_entry_age=2 * 86400, unhealthy_after=unhealthy_after,
    )  # fmt: skip


def test_a_304_records_the_poll_keeps_the_validators_and_is_due_one_interval_after_it_was_due() -> None:
    past = PollState(Validators('"v1"', "lm"), errors=2, spell=Spell(since="2026-12-01T10:00:00+00:00"))
    decision = _decide(NotModified(), past)
    plan = schedule(NotModified(), Cadence(), POLICY, T - 40, T, 0, random.Random(7))
    assert decision.plan == plan and plan.why == "start"
    assert decision.write == {
        "last_poll": int(T), "last_ok": STAMP, "last_status": 304,
        "interval": 300, "why": "start", "next_poll": round(plan.due or 0),
    }  # fmt: skip
    assert set(decision.delete) == {"last_error", "errors", "moved_to", *SPELL_AND_CADENCE}
    assert decision.state == PollState(Validators('"v1"', "lm"), errors=0, last_ok=T)  # failures reset
    assert (decision.kind, decision.labels, decision.notices) == ("not_modified", ("not_modified", "3xx"), ())
    assert decision.log == (LogLine(logging.DEBUG, "feed %s %s: not modified", (FEED.id, FEED.url)),)


def test_a_new_body_saves_its_validators_and_splits_its_entries_into_new_and_stale() -> None:
    fresh, old, seen = _entry("fresh", NOW - HOUR_DELTA), _entry("old", NOW - 3 * DAY), _entry("seen", NOW)
    body = FeedEntries((fresh, old, seen), Validators('"v2"', None), warning="SAXParseException: junk")
    decision = _decide(body, seen=(False, False, True))
    assert ([e.key for e in decision.new], [e.key for e in decision.stale]) == (["fresh"], ["old"])
    assert decision.write["etag"] == '"v2"' and decision.write["entries"] == 3
    assert (
        decision.write["last_status"] == 200 and decision.write["last_warning"] == "SAXParseException: junk"
    )
    assert decision.write["per_day"] == 1.0  # three dated entries over three days
    assert {"last_modified", "errors", "last_error"} <= set(decision.delete)
    assert decision.state.validators == Validators('"v2"', None)
    assert (decision.kind, decision.listed, decision.labels) == ("entries", 3, ("entries", "2xx"))
    assert decision.log == (
        LogLine(logging.WARNING, "feed %s %s: ill-formed, %d entries recovered: %s",
                (FEED.id, FEED.url, 3, "SAXParseException: junk")),
        LogLine(logging.INFO, "feed %s %s: %d entries, %d new%s",
                (FEED.id, FEED.url, 3, 1, ", 1 too old to alert")),
    )  # fmt: skip


def test_a_deferred_feed_only_changes_its_schedule() -> None:
    past = PollState(Validators('"v1"'), errors=1, moved_to="https://new.example.com/rss")
    decision = _decide(Deferred(12.0), past)
    assert decision.write == {"interval": 300, "why": "host delay", "next_poll": round(T + 12)}
    assert decision.delete == () and decision.state == past
    assert (decision.kind, decision.labels, decision.notices) == ("deferred", ("deferred", "none"), ())
    assert decision.log == (
        LogLine(logging.DEBUG, "feed %s %s: its host is busy, deferred %ds",
                (FEED.id, "https://new.example.com/rss", 12.0)),
    )  # fmt: skip


def test_failures_count_up_back_off_and_a_success_resets_them() -> None:
    down = PollFailed(f"{FEED.url}: HTTP 503 Service Unavailable", retriable=True, http_status=503)
    first = _decide(down)
    assert first.state.errors == 1 and first.write["errors"] == 1
    assert first.write["last_error"] == down.error and first.write["last_error_at"] == STAMP
    assert first.write["spell_since"] == STAMP and first.plan.why == "backoff"
    assert (first.kind, first.labels) == ("failed", ("failed", "5xx"))
    assert first.log == (
        LogLine(logging.WARNING, "feed %s %s: %s; next poll in %ds (%s)",
                (FEED.id, FEED.url, "HTTP 503 Service Unavailable", (first.plan.due or 0) - T, "backoff")),
    )  # fmt: skip
    second = _decide(down, first.state)
    assert second.state.errors == 2 and second.plan.interval > first.plan.interval  # doubling
    broken = _decide(PollFailed("not a feed", retriable=False), second.state)
    assert broken.state.errors == 3 and broken.labels == ("failed", "error")  # no HTTP answer to class
    assert broken.log[-1].level == logging.ERROR  # a permanent failure is an error, a passing one a warning
    back = _decide(NotModified(), broken.state)
    assert back.state.errors == 0 and "errors" in back.delete and back.notices == ()


def test_unhealthy_after_failures_in_a_row_sends_one_notice_then_recovers() -> None:
    down, state, sent = PollFailed("timeout", retriable=True), PollState(), []
    for n in range(1, 7):
        decision = _decide(down, state, seed=n)
        sent.append([notice.type for notice in decision.notices])
        state = decision.state
    assert sent == [[], [], [], [], ["feed.unhealthy"], []]  # the fifth, then not again the same day
    assert state.spell == Spell(since=STAMP, notified=T, reminders=1)
    recovered = _decide(NotModified(), state)
    assert [n.type for n in recovered.notices] == ["feed.recovered"] and recovered.state.spell == Spell()


def test_410_retires_the_feed_with_a_notice() -> None:
    gone = PollFailed(f"{FEED.url}: HTTP 410 Gone", retriable=False, gone=True, http_status=410)
    decision = _decide(gone)
    assert (decision.plan.due, decision.plan.why) == (None, "retired")
    assert decision.write["retired"] == STAMP and decision.write["retired_reason"] == gone.error
    assert "next_poll" in decision.delete
    assert decision.labels == ("gone", "4xx") and [n.type for n in decision.notices] == ["feed.retired"]
    assert decision.log == (
        LogLine(logging.ERROR, "feed %s %s: %s; retired, no more polls (wirewatch feeds revive %s)",
                (FEED.id, FEED.url, "HTTP 410 Gone", FEED.url)),
    )  # fmt: skip


def test_a_301_moves_the_feed_once() -> None:
    new_url = "https://new.example.com/rss"
    decision = _decide(NotModified(moved_to=new_url))
    assert decision.write["moved_to"] == new_url and decision.state.moved_to == new_url
    assert [n.type for n in decision.notices] == ["feed.moved"]
    assert decision.log[-1] == LogLine(
        logging.WARNING, "feed %s %s: moved permanently to %s; polled there from now on",
        (FEED.id, FEED.url, new_url),
    )  # fmt: skip
    again = _decide(NotModified(moved_to=new_url), decision.state)  # polled at the new address
    assert again.write["moved_to"] == new_url and again.notices == () and len(again.log) == 1
