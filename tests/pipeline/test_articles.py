"""pipeline.articles without Redis: a fetched page (or why not) -> retry later or the article,
and an article placed in its story -> its archive record and alerts."""

from __future__ import annotations

import logging

from pipeline.articles import ArticleRead, Page, RetryLater, file_article, read_entry
from pipeline.config import Config, RuleConfig
from pipeline.errors import FetchPermanent, FetchRetriable
from pipeline.loglines import LogLine
from pipeline.models import Entry, StoryRef, iso_time
from pipeline.mutes import Mutes
from pipeline.rules import Matcher

LINK = "https://news.example.com/world/peskov-1"
ENTRY = Entry(
    feed_id="f", feed_url="https://news.example.com/rss.xml", source="Example News", key="guid:peskov-1",
    link=LINK, title="Kremlin says talks stalled",
    summary="Kremlin spokesman Dmitry Peskov said on Tuesday that talks had stalled.",
)  # fmt: skip
PAGE_TEXT = " ".join(["Kremlin spokesman Dmitry Peskov said on Tuesday that the talks had stalled."] * 8)
HTML = f"<html><body><article><h1>Talks stalled</h1><p>{PAGE_TEXT}</p></article></body></html>".encode()


def _read(page: Page, attempt: int = 0, tries: int = 3) -> RetryLater | ArticleRead:
    return read_entry(
        ENTRY, page, attempt, tries=tries, retry_in=60.0, min_text_chars=200, max_extract_time=None
    )


def test_a_page_that_may_load_later_is_retried_while_tries_are_left() -> None:
    down = Page(error=FetchRetriable(f"{LINK}: HTTP 503 Service Unavailable", http_status=503))
    assert _read(down, attempt=0) == RetryLater(
        (LogLine(logging.WARNING, "article %s %s: page fetch failed, will retry in %ds: %s",
                 (ENTRY.key, LINK, 60.0, "HTTP 503 Service Unavailable")),)
    )  # fmt: skip
    last = _read(down, attempt=2)  # the third of three tries: read from the feed's text
    assert isinstance(last, ArticleRead) and last.article.text_from == "feed"
    assert last.log == (
        LogLine(logging.WARNING, "article %s %s: page not fetched, using the feed's text: %s",
                (ENTRY.key, LINK, "HTTP 503 Service Unavailable")),
    )  # fmt: skip


def test_a_page_that_will_not_load_is_read_from_the_feed_at_once() -> None:
    gone = _read(Page(error=FetchPermanent(f"{LINK}: HTTP 404 Not Found", http_status=404)))
    assert isinstance(gone, ArticleRead) and gone.article.text == ENTRY.summary
    assert [line.args[-1] for line in gone.log] == ["HTTP 404 Not Found"]


def test_a_fetched_page_gives_its_text_and_no_log_line() -> None:
    read = _read(Page(content=HTML, url=LINK, final_url=LINK))
    assert isinstance(read, ArticleRead) and read.log == ()
    assert read.article.text_from == "page" and "Peskov" in read.article.text and read.article.url == LINK
    no_link = _read(Page())  # an entry without a link: nothing was fetched, nothing failed
    assert isinstance(no_link, ArticleRead) and no_link.log == () and no_link.article.url == LINK


def test_a_filed_article_is_archived_in_its_story_with_an_alert_per_matching_rule() -> None:
    read = _read(Page(content=HTML, url=LINK, final_url=LINK))
    assert isinstance(read, ArticleRead)
    story = StoryRef(id="story-1", first_seen="2026-12-01T10:00:00+00:00")
    rules = [RuleConfig(id="kremlin", query="Peskov"), RuleConfig(id="other", query="Zelensky")]
    filed = file_article(ENTRY, read.article, story, LINK, Matcher(rules), {"kremlin": ("hooks",)}, 1e9)
    assert filed.archived.article == read.article and filed.archived.story == story
    assert (filed.archived.entry_key, filed.archived.story_url) == (ENTRY.key, LINK)
    assert filed.archived.seen == iso_time(1e9)
    [alert] = filed.alerts
    assert (alert.rule_id, alert.sinks, alert.story, alert.created_at) == (
        "kremlin",
        ("hooks",),
        story,
        iso_time(1e9),
    )


def test_a_muted_article_is_archived_and_matched_by_no_rule() -> None:
    read = _read(Page(content=HTML, url=LINK, final_url=LINK))
    assert isinstance(read, ArticleRead)
    story = StoryRef(id="story-1", first_seen="2026-12-01T10:00:00+00:00")
    matcher = Matcher([RuleConfig(id="kremlin", query="Peskov")])
    config = Config.model_validate({
        "mute": ["title:live", "stalled NEAR/3 talks"],
        "feeds": [{"url": "https://other.example.org/rss.xml", "mute": "Kremlin"}],
    })  # fmt: skip
    mutes = Mutes.of(config)
    assert [m.id for m in mutes.shared] == ["mute-1", "mute-2"]
    filed = file_article(ENTRY, read.article, story, LINK, matcher, {}, 1e9, mutes=mutes)
    assert filed.alerts == () and filed.archived.article == read.article
    assert filed.muted is not None and filed.muted.mute.id == "mute-2"
    assert filed.muted.reason.startswith("muted by mute 'mute-2' (stalled NEAR/3 talks): ")
    # A feed's own mute takes that feed's articles only: this one comes from another feed.
    alone = Mutes.of(Config.model_validate({"feeds": config.model_dump(mode="json")["feeds"]}))
    assert file_article(ENTRY, read.article, story, LINK, matcher, {}, 1e9, mutes=alone).muted is None
    elsewhere = ENTRY.model_copy(update={"feed_url": "https://other.example.org/rss.xml"})
    taken = file_article(elsewhere, read.article, story, LINK, matcher, {}, 1e9, mutes=alone)
    assert taken.alerts == () and taken.muted is not None and taken.muted.mute.feed_url == elsewhere.feed_url
    assert Config.model_validate({"mute": "sport"}).mute[0].id == "mute"  # one query: one mute
