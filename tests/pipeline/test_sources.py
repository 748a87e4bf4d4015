"""pipeline.sources: the registry of the kinds of source a feed can be (`type:`), the config's
check of it, and the one place a fetched body is read by its feed's kind."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from pipeline.config import FeedConfig, load_config
from pipeline.errors import ConfigError
from pipeline.feeds import FeedRef, ParsedFeed
from pipeline.fetch import Fetcher
from pipeline.models import Entry
from pipeline.polling import FeedEntries, Validators, poll_feed
from pipeline.sources import DEFAULT_KIND, SOURCE_KINDS, SourceKind, rss


def test_rss_is_the_one_kind_and_the_default() -> None:
    assert DEFAULT_KIND == "rss" and list(SOURCE_KINDS) == ["rss"]
    assert SOURCE_KINDS["rss"].parse is rss.parse_feed
    assert FeedConfig(url="https://news.example.com/rss.xml").type == "rss"


def test_an_unknown_kind_is_refused_naming_the_kinds() -> None:
    with pytest.raises(ValidationError) as info:
        FeedConfig(url="https://news.example.com/rss.xml", type="sitemap")
    assert "unknown kind of source 'sitemap' (the kinds are: rss)" in str(info.value)


def test_the_config_reports_an_unknown_kind_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "wirewatch.yaml"
    path.write_text("feeds:\n  - url: https://news.example.com/rss.xml\n    type: json\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    [issue] = info.value.issues
    assert (issue.line, issue.key) == (3, "feeds[0].type")
    assert "unknown kind of source 'json' (the kinds are: rss)" in issue.message


def _lines(content: bytes, feed: FeedRef, final_url: str | None, content_type: str) -> ParsedFeed:
    """A made-up kind: one entry per line of the body."""
    return ParsedFeed(
        tuple(
            Entry(feed_id=feed.id, feed_url=feed.url, source="lines", key=f"line:{n}", title=line)
            for n, line in enumerate(content.decode().splitlines())
        )
    )


def test_a_new_kind_is_one_line_in_the_registry_and_polls_read_its_feeds_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(SOURCE_KINDS, "lines", SourceKind(_lines, "one entry per line"))
    feed = FeedConfig(url="https://news.example.com/list.txt", type="lines")
    fetcher = Fetcher(
        "test",
        allow_private_networks=True,
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"one\ntwo")),
    )
    try:
        outcome = poll_feed(fetcher, feed, Validators(), 10_000)
    finally:
        fetcher.close()
    assert isinstance(outcome, FeedEntries)
    assert [(e.key, e.title) for e in outcome.entries] == [("line:0", "one"), ("line:1", "two")]
