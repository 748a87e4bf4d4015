"""pipeline.polling without Redis: one conditional GET per feed (httpx.MockTransport), which
entries become articles, and when a feed is due again."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pipeline.fetch import Fetcher
from pipeline.models import Entry
from pipeline.polling import (
    RETRY_FIRST,
    FeedEntries,
    NotModified,
    PollFailed,
    Validators,
    next_due,
    next_poll_in,
    poll_feed,
    triage_entries,
)
from pipeline.schema import FeedConfig

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


def test_a_feed_is_due_again_after_its_interval_and_sooner_after_a_passing_failure() -> None:
    assert next_poll_in(NotModified(), 300, 0) == 300
    assert next_poll_in(FeedEntries((), Validators()), 300, 0) == 300
    passing = PollFailed("down", retriable=True)
    assert [next_poll_in(passing, 300, n) for n in (1, 2, 3, 4, 5)] == [
        RETRY_FIRST, RETRY_FIRST * 2, RETRY_FIRST * 4, 240, 300,
    ]  # fmt: skip
    assert next_poll_in(PollFailed("gone", retriable=False), 300, 7) == 300


def test_next_due_keeps_the_cadence_from_when_the_feed_was_due() -> None:
    rng = random.Random(1)
    due_at, now = 1000.0, 1040.0  # the poll ran 40 s late
    ok = [next_due(NotModified(), due_at, now, 300, 0, 20, rng) for _ in range(200)]
    assert all(1290 <= t <= 1310 for t in ok) and max(ok) - min(ok) > 10  # 1300 +- jitter / 2
    late = next_due(NotModified(), due_at, 5000.0, 300, 0, 0, rng)  # a whole interval behind
    assert late == 5001.0  # due again at once, not in the past
    failed = next_due(PollFailed("down", retriable=True), due_at, now, 300, 2, 20, rng)
    assert failed == now + 2 * RETRY_FIRST  # failures count from now, without jitter
