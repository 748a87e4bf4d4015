"""pipeline.sources.sitemap through a poll (pipeline.polling.poll_url) on httpx.MockTransport: news
sitemaps, indexes (recent children only, bounded, never back to themselves), plain sitemaps
(recent URLs only), gzip, robots.txt; every request the poll's own."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import time_machine

from pipeline.config import FeedConfig
from pipeline.fetch import Fetcher
from pipeline.polling import (
    FOLLOW_UPS,
    FeedEntries,
    NotModified,
    PollFailed,
    PollOutcome,
    Validators,
    poll_url,
)
from pipeline.sources import sitemap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sitemap"
SITE = "https://news.example.org"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"SITE", SITE.encode())


def _routes() -> dict[str, bytes | int]:
    return {
        "/sitemaps/news.xml": _fixture("news.xml"),
        "/sitemaps/index.xml": _fixture("index.xml"),
        "/sitemaps/pages.xml.gz": gzip.compress(_fixture("plain.xml")),
        "/sitemaps/2026-10.xml": _fixture("plain.xml"),
        "/sitemaps/missing.xml": 404,
        "/robots.txt": _fixture("robots.txt"),
    }


def _poll(
    path: str,
    routes: dict[str, bytes | int] | None = None,
    *,
    since: float | None = None,
    validators: Validators | None = None,
    max_bytes: int = 10_000_000,
    asked: list[str] | None = None,
) -> PollOutcome:
    routes = _routes() if routes is None else routes
    log = [] if asked is None else asked

    def answer(request: httpx.Request) -> httpx.Response:
        log.append(request.url.path)
        found = routes.get(request.url.path, 404)
        return httpx.Response(found) if isinstance(found, int) else httpx.Response(200, content=found)

    feed = FeedConfig(url=SITE + path, type="sitemap")
    fetcher = Fetcher("test", allow_private_networks=True, transport=httpx.MockTransport(answer))
    paced: list[str] = []
    try:
        return poll_url(
            fetcher, feed, feed.url, validators or Validators(), max_bytes, pace=paced.append, since=since
        )
    finally:
        fetcher.close()


def _entries(outcome: PollOutcome) -> FeedEntries:
    assert isinstance(outcome, FeedEntries), outcome
    return outcome


def test_a_news_sitemap_gives_titles_dates_languages_and_keywords() -> None:
    got = _entries(_poll("/sitemaps/news.xml"))
    first, second, third = got.entries
    assert first.link == "https://news.example.org/world/2026/12/07/peskov-icc-warrant/"  # no utm_source
    assert first.key == "link:" + first.link and first.kind == "sitemap" and not first.own_text
    assert first.title == 'Kremlin says ICC warrant is "null and void", Peskov tells reporters'
    assert (first.published, first.language) == ("2026-12-07T09:05:00+00:00", "en")
    assert first.summary == "Kremlin, Dmitry Peskov, International Criminal Court"
    assert first.source == "Example News"
    assert (second.title, second.language) == ("Команда Навального выступила с заявлением", "ru")
    assert second.published == "2026-12-07T08:40:00+00:00"
    assert third.published == "2026-12-06T00:00:00+00:00"
    assert got.warning is None


def test_a_plain_sitemap_gives_only_its_recently_changed_urls() -> None:
    got = _entries(_poll("/sitemaps/2026-10.xml"))
    # pr-1801 (06:30 UTC today) and pr-1800 (yesterday); not the old pages, nor one with no lastmod
    assert [e.link for e in got.entries] == [
        "https://court.example.int/en/news/pr-1801",
        "https://court.example.int/en/news/pr-1800",
    ]
    assert [e.title for e in got.entries] == ["", ""]  # the page's own title, once it is read


def test_an_index_follows_its_changed_children_newest_first_never_itself_and_says_what_failed() -> None:
    asked: list[str] = []
    got = _entries(_poll("/sitemaps/index.xml", asked=asked))
    # news.xml and the gzipped plain sitemap (changed today), the 404 without lastmod; not itself
    assert asked[0] == "/sitemaps/index.xml" and asked.count("/sitemaps/index.xml") == 1
    assert set(asked[1:]) == {"/sitemaps/news.xml", "/sitemaps/pages.xml.gz", "/sitemaps/missing.xml",
                              "/sitemaps/2026-10.xml"}  # fmt: skip
    links = [e.link for e in got.entries]
    assert "https://court.example.int/en/news/pr-1801" in links and len(links) == 5
    assert got.warning is not None and "1 child sitemap(s) not read" in got.warning
    assert "missing.xml" in got.warning


def test_an_index_skips_children_unchanged_since_the_last_good_poll() -> None:
    asked: list[str] = []
    last_poll = datetime(2026, 12, 7, 8, 0, tzinfo=UTC).timestamp()
    _entries(_poll("/sitemaps/index.xml", since=last_poll, asked=asked))
    # the October sitemap is older than the last poll (less an hour of slack): not fetched again
    assert "/sitemaps/2026-10.xml" not in asked
    assert {"/sitemaps/news.xml", "/sitemaps/pages.xml.gz", "/sitemaps/missing.xml"} <= set(asked)


def test_robots_txt_names_the_sitemaps_to_read() -> None:
    asked: list[str] = []
    got = _entries(_poll("/robots.txt", asked=asked))
    assert asked[0] == "/robots.txt" and set(asked[1:]) == {"/sitemaps/news.xml", "/sitemaps/pages.xml.gz"}
    assert len(got.entries) == 5


def test_the_same_urls_again_count_as_not_modified() -> None:
    first = _entries(_poll("/sitemaps/news.xml"))
    again = _poll("/sitemaps/news.xml", validators=first.validators)
    assert isinstance(again, NotModified) and again.status == 200


def _index_of(n: int, make: Callable[[int], str]) -> bytes:
    children = "".join(f"<sitemap><loc>{make(i)}</loc></sitemap>" for i in range(n))
    return f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}</sitemapindex>'.encode()


def test_a_hostile_index_is_bounded_in_children_and_depth() -> None:
    # 500 children, each an index of 500 more: MAX_CHILDREN a level, and the poll's FOLLOW_UPS in all
    routes: dict[str, bytes | int] = {
        "/sitemaps/top.xml": _index_of(500, lambda i: f"{SITE}/sitemaps/a{i}.xml")
    }
    for i in range(500):
        routes[f"/sitemaps/a{i}.xml"] = _index_of(500, lambda j, i=i: f"{SITE}/sitemaps/a{i}-{j}.xml")
    asked: list[str] = []
    got = _entries(_poll("/sitemaps/top.xml", routes, asked=asked))
    assert len(asked) == 1 + FOLLOW_UPS
    assert len([p for p in asked if p.count("-") == 0]) - 1 <= sitemap.MAX_CHILDREN
    assert got.warning is not None and "494 changed child sitemap(s) left for later polls" in got.warning


def test_a_sitemap_index_that_lists_only_itself_is_read_once() -> None:
    asked: list[str] = []
    loop = _index_of(3, lambda i: f"{SITE}/sitemaps/loop.xml")
    got = _entries(_poll("/sitemaps/loop.xml", {"/sitemaps/loop.xml": loop}, asked=asked))
    assert asked == ["/sitemaps/loop.xml"] and got.entries == ()


def test_a_sitemap_of_millions_of_urls_is_cut_at_the_byte_cap_and_read_up_to_there() -> None:
    url = "<url><loc>https://news.example.org/a/{}</loc><lastmod>2026-12-07</lastmod></url>"
    huge = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(
        url.format(i) for i in range(200_000)) + "</urlset>").encode()  # fmt: skip
    got = _entries(_poll("/sitemaps/huge.xml", {"/sitemaps/huge.xml": huge}, max_bytes=1_000_000))
    assert 0 < len(got.entries) <= 500  # MAX_ENTRIES
    assert got.warning is not None and "cut at the byte cap" in got.warning


def test_a_gzip_bomb_is_inflated_only_to_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemap, "MAX_INFLATED", 100_000)
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b" " * 50_000_000
    got = _entries(_poll("/sitemaps/bomb.xml.gz", {"/sitemaps/bomb.xml.gz": gzip.compress(body)}))
    assert got.entries == () and got.warning is not None and "cut at the byte cap" in got.warning


@pytest.mark.parametrize("body", [b"<html><body>Not a sitemap</body></html>", b"\x00\x01binary", b""])
def test_a_body_that_is_no_sitemap_fails_the_poll_naming_the_feed(body: bytes) -> None:
    got = _poll("/sitemaps/x.xml", {"/sitemaps/x.xml": body})
    assert isinstance(got, PollFailed) and got.error.startswith(f"{SITE}/sitemaps/x.xml: not a sitemap")
