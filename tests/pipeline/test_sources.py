"""pipeline.sources: the registry of the kinds of source a feed can be (`type:`), the config's
check of it, and the one place a fetched body is read by its feed's kind."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from pipeline.config import FeedConfig, load, load_config
from pipeline.errors import ConfigError, NotAFeedError
from pipeline.feeds import Body, FeedRef, FetchMore, ParsedFeed
from pipeline.fetch import Fetcher
from pipeline.models import Entry
from pipeline.polling import FOLLOW_UPS, FeedEntries, NotModified, PollFailed, Validators, poll_feed, poll_url
from pipeline.sources import DEFAULT_KIND, SOURCE_KINDS, SourceKind, rss

KINDS = ", ".join(sorted(SOURCE_KINDS))


def test_rss_is_the_default_kind() -> None:
    assert DEFAULT_KIND == "rss" and SOURCE_KINDS["rss"].read is rss.read
    assert FeedConfig(url="https://news.example.com/rss.xml").type == "rss"


def test_an_unknown_kind_is_refused_naming_the_kinds() -> None:
    with pytest.raises(ValidationError) as info:
        FeedConfig(url="https://news.example.com/rss.xml", type="gopher")
    assert f"unknown kind of source 'gopher' (the kinds are: {KINDS})" in str(info.value)


def test_the_config_reports_an_unknown_kind_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "wirewatch.yaml"
    path.write_text("feeds:\n  - url: https://news.example.com/rss.xml\n    type: json\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    [issue] = info.value.issues
    assert (issue.line, issue.key) == (3, "feeds[0].type")
    assert f"unknown kind of source 'json' (the kinds are: {KINDS})" in issue.message


def _lines(body: Body, feed: FeedRef, more: FetchMore) -> ParsedFeed:
    """A made-up kind: one entry per line of the body (a line "more URL" is fetched and read
    too); its digest is the lines' set."""
    lines = body.content.decode().splitlines()
    for line in lines:  # lines fetched are read too (and followed)
        if line.startswith("more "):
            lines += more(line.removeprefix("more ")).content.decode().splitlines()
    return ParsedFeed(
        tuple(
            Entry(feed_id=feed.id, feed_url=feed.url, source="lines", key=f"line:{n}", title=line)
            for n, line in enumerate(lines)
        ),
        digest=",".join(sorted(set(lines))),
    )


def test_a_new_kind_is_one_line_in_the_registry_and_polls_read_its_feeds_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(SOURCE_KINDS, "lines", SourceKind(_lines, "one entry per line", accept="text/plain"))
    feed = FeedConfig(url="https://news.example.com/list.txt", type="lines")
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers["accept"])
        return httpx.Response(200, content=b"one\ntwo")

    fetcher = Fetcher("test", allow_private_networks=True, transport=httpx.MockTransport(answer))
    try:
        outcome = poll_feed(fetcher, feed, Validators(), 10_000)
    finally:
        fetcher.close()
    assert isinstance(outcome, FeedEntries)
    assert [(e.key, e.title) for e in outcome.entries] == [("line:0", "one"), ("line:1", "two")]
    assert asked == ["text/plain"]  # the kind's own Accept
    assert outcome.validators.digest == "one,two"


def _lines_fetcher(bodies: dict[str, bytes]) -> Fetcher:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bodies[request.url.path])

    return Fetcher("test", allow_private_networks=True, transport=httpx.MockTransport(answer))


def test_a_body_whose_entries_did_not_change_counts_as_not_modified(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SOURCE_KINDS, "lines", SourceKind(_lines, "one entry per line"))
    feed = FeedConfig(url="https://news.example.com/list.txt", type="lines")
    fetcher = _lines_fetcher({"/list.txt": b"two\none"})
    try:
        same = poll_feed(fetcher, feed, Validators(digest="one,two"), 10_000)
        changed = poll_feed(fetcher, feed, Validators(digest="one"), 10_000)
    finally:
        fetcher.close()
    assert same == NotModified(200, validators=Validators(digest="one,two"))
    assert isinstance(changed, FeedEntries) and len(changed.entries) == 2


def test_a_kind_fetches_more_within_a_poll_each_paced_and_at_most_follow_ups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(SOURCE_KINDS, "lines", SourceKind(_lines, "one entry per line"))
    feed = FeedConfig(url="https://news.example.com/list.txt", type="lines")
    chain = {f"/{n}.txt": f"line {n}\nmore https://other.example.com/{n + 1}.txt".encode() for n in range(20)}
    fetcher = _lines_fetcher({"/list.txt": b"first\nmore https://other.example.com/0.txt", **chain})
    paced: list[str] = []
    try:
        outcome = poll_url(fetcher, feed, feed.url, Validators(), 10_000, pace=paced.append)
    finally:
        fetcher.close()
    assert isinstance(outcome, PollFailed) and not outcome.retriable
    assert f"more than {FOLLOW_UPS} further requests in one poll of {feed.url}" in outcome.error
    assert paced == [f"https://other.example.com/{n}.txt" for n in range(FOLLOW_UPS)]


def test_options_of_one_kind_are_refused_on_another() -> None:
    with pytest.raises(ValidationError) as info:
        FeedConfig(url="https://news.example.com/rss.xml", select="a.news")
    assert "select: is for feeds of type: page (this one is type: rss)" in str(info.value)
    with pytest.raises(ValidationError) as info:
        FeedConfig(url="https://news.example.com/rss.xml", follow_links=True)
    assert "follow_links: is for feeds of type: telegram (this one is type: rss)" in str(info.value)


# --- JSON Feed, read by the rss kind ----------------------------------------------------------


def _json_feed(version: str, **extra: object) -> bytes:
    return json.dumps(
        {
            "version": version,
            "title": "ICC\npress",
            "home_page_url": "https://icc.example/",
            "language": "en",
            "items": [
                {
                    "id": "p-1" if version.endswith("1.1") else 1,
                    "url": "/news/1?utm_source=feed",
                    "title": "Court issues a warrant <for> the 2 < 3 cases",
                    "content_html": "<p>The <b>ICC</b> said</p><script>x()</script>",
                    "summary": "The ICC said",
                    "date_published": "2026-12-07T10:00:00+01:00",
                },
                {
                    "url": "https://icc.example/news/2",
                    "content_text": "Plain text",
                    "date_modified": "2026-12-07T09:00:00Z",
                },
                "not an item",
                {"title": ""},
            ],
            **extra,
        }
    ).encode()


@pytest.mark.parametrize("version", ["https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1"])
def test_the_rss_kind_reads_json_feed_1_0_and_1_1(version: str) -> None:
    feed = FeedConfig(url="https://icc.example/feed.json")
    parsed = rss.read(
        Body(b"\xef\xbb\xbf\n" + _json_feed(version), feed.url, "application/feed+json"), feed, _no_more
    )
    first, second = parsed.entries
    assert parsed.title == "ICC press"
    assert first.key in ("guid:p-1", "guid:1") and first.link == "https://icc.example/news/1"
    assert (first.title, first.summary, first.content) == (
        "Court issues a warrant <for> the 2 < 3 cases",
        "The ICC said",
        "",
    )
    assert first.published == "2026-12-07T09:00:00+00:00" and first.language == "en"
    assert (second.key, second.content, second.published) == (
        "link:https://icc.example/news/2", "Plain text", "2026-12-07T09:00:00+00:00"
    )  # fmt: skip
    assert parsed.warning == "2 item(s) skipped: not an object, or no id, link or text"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"title": "no version", "items": []}', "JSON without a JSON Feed version"),
        (b"{" * 100_000, "JSON that does not parse"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": ', "JSON that does not parse"),
    ],
)
def test_a_json_body_that_is_no_json_feed_is_not_a_feed(body: bytes, why: str) -> None:
    feed = FeedConfig(url="https://icc.example/feed.json")
    with pytest.raises(NotAFeedError, match=f"https://icc.example/feed.json: not a feed \\({why}"):
        rss.read(Body(body, feed.url), feed, _no_more)


def _no_more(url: str) -> Body:
    raise AssertionError(f"the rss kind fetched {url}")


def test_websub_needs_the_web_listener_and_warns_on_a_plain_http_callback(tmp_path: Path) -> None:
    path = tmp_path / "wirewatch.yaml"
    path.write_text("metrics_listen: ''\nwebsub:\n  callback_url: https://w.example.org/websub\n", "utf-8")
    with pytest.raises(ConfigError, match="websub: needs the web listener"):
        load_config(path, env={})
    path.write_text("websub:\n  callback_url: http://w.example.org/websub\n", "utf-8")
    [warning] = [w for w in load(path, env={}).warnings if w.key == "websub.callback_url"]
    assert warning.line == 2 and "not https" in warning.message
