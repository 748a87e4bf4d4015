"""pipeline.sources.page on listing pages modelled on real ones (tests/fixtures/page/README.md):
the article links found automatically or by a selector, their anchor texts as provisional titles,
a first poll that only remembers, a digest of the links, and hostile pages bounded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.config import FeedConfig
from pipeline.errors import NotAFeedError
from pipeline.extract import build_article
from pipeline.feeds import Body, ParsedFeed
from pipeline.polling import triage_entries
from pipeline.sources import SOURCE_KINDS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "page"
COURT = "https://court.example.int/news"
PRESS = [
    "https://court.example.int/news/icc-pre-trial-chamber-issues-decision-request-prosecutor",
    "https://court.example.int/news/statement-icc-prosecutor-situation-ukraine-2026-12-06",
    "https://court.example.int/news/assembly-states-parties-concludes-twenty-fifth-session",  # no utm_
    "https://court.example.int/news/pr1800",
]


class _Poll:
    """FetchMore for a page: it fetches nothing more; `since`: the feed's last good poll."""

    def __init__(self, since: float | None) -> None:
        self.since = since

    def __call__(self, url: str) -> Body:
        raise AssertionError(f"a listing page is one request: {url} was asked for")


def _read(name: str, url: str = COURT, *, select: str | None = None, since: float | None = 1.0,
          content: bytes | None = None) -> ParsedFeed:  # fmt: skip
    feed = FeedConfig(url=url, type="page", select=select)
    body = (FIXTURES / f"{name}.html").read_bytes() if content is None else content
    return SOURCE_KINDS["page"].read(Body(body, feed.url, "text/html"), feed, _Poll(since))


def test_article_links_are_found_without_the_navigation_pager_sidebar_footer_or_other_sites() -> None:
    parsed = _read("press_releases")
    assert [e.link for e in parsed.entries] == PRESS
    first = parsed.entries[0]
    assert (
        first.title == "ICC Pre-Trial Chamber issues decision on the Prosecutor's request"
    )  # not "Read more"
    assert first.key == "link:" + first.link and first.kind == "page" and first.provisional_title
    assert first.published is None and not first.own_text
    assert parsed.title == "Press releases | International Court (test)" and parsed.warning is None


def test_links_ending_in_a_number_are_articles_too() -> None:
    parsed = _read("ru_news", "https://president.example.ru/events/president/news")
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == ["78123", "78121", "78117"]
    assert parsed.entries[0].title == "Песков: Кремль не признаёт решений Международного уголовного суда"


def test_a_selector_picks_the_links_itself_elements_holding_a_link_included() -> None:
    assert [e.link for e in _read("press_releases", select=".views-row .news-title").entries] == PRESS
    assert [e.link for e in _read("press_releases", select="h4.news-title > a").entries] == PRESS
    nothing = _read("press_releases", select="div.no-such-list a")
    assert nothing.entries == () and nothing.warning == (
        "no article links: the selector 'div.no-such-list a' picks none (give select: to pick them)"
    )


def test_a_bad_selector_is_refused_by_the_config() -> None:
    with pytest.raises(ValidationError, match=r"not a CSS selector: 'a\[href'"):
        FeedConfig(url=COURT, type="page", select="a[href")


def test_the_first_poll_only_remembers_and_the_digest_is_the_set_of_links() -> None:
    first = _read("press_releases", since=None)
    assert first.baseline and not _read("press_releases").baseline
    triage = triage_entries(
        first.entries, [False] * len(first.entries), 86400.0, datetime.now(UTC), first.baseline
    )
    assert triage.new == () and len(triage.stale) == len(PRESS)
    page_bytes = (FIXTURES / "press_releases.html").read_bytes()
    reordered_ads = page_bytes.replace(b"Press contact:", b"Media enquiries:")
    assert _read("press_releases", content=reordered_ads).digest == first.digest
    one_more = page_bytes.replace(
        b'<div class="view-content">',
        b'<div class="view-content"><div class="views-row">'
        b'<h4 class="news-title"><a href="/news/new-arrest-warrant-issued">New</a></h4></div>',
    )
    assert _read("press_releases", content=one_more).digest != first.digest


def test_the_article_title_replaces_the_anchor_text_once_the_page_is_read() -> None:
    entry = _read("press_releases").entries[0]
    story = "<p>" + "The Chamber issued its decision on the request of the Prosecutor today. " * 20 + "</p>"
    head = "<html><head><title>Decision on the Prosecutor's request | Court</title></head>"
    html = (
        f"{head}<body><article><h1>Decision on the Prosecutor's request</h1>{story}</article></body></html>"
    )
    article = build_article(entry, entry.link or "", html.encode(), min_text_chars=200)
    assert article.title.startswith("Decision on the Prosecutor's request")
    assert build_article(entry, entry.link or "", None, min_text_chars=200).title == entry.title  # no page


def test_a_page_of_a_hundred_thousand_links_is_read_up_to_the_bounds() -> None:
    rows = "".join(
        f'<li><a href="/news/story-number-{i}-of-the-day">Story {i}</a></li>' for i in range(100_000)
    )
    parsed = _read("press_releases", content=f"<html><body><ul>{rows}</ul></body></html>".encode())
    assert len(parsed.entries) == 500  # MAX_ENTRIES, of the first MAX_ANCHORS links
    assert parsed.entries[0].link == "https://court.example.int/news/story-number-0-of-the-day"


def test_bytes_that_are_no_page_fail_naming_the_feed() -> None:
    with pytest.raises(NotAFeedError, match=f"{COURT}: not an HTML page"):
        _read("press_releases", content=b"")
