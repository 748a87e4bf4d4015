"""pipeline.sources.telegram on preview pages modelled on t.me/s/<name>'s markup
(tests/fixtures/telegram/README.md): every post an entry with its id, date, text, links and
forward, the text its article; malformed posts skipped and counted; a channel without a public
preview a clear error."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pipeline.config import FeedConfig, load_config
from pipeline.errors import ConfigError, NotAFeedError
from pipeline.feeds import Body, ParsedFeed
from pipeline.sources import SOURCE_KINDS, telegram

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"


class _Poll:
    """FetchMore of a poll: `since` its last good poll; `pages` what earlier preview pages answer."""

    def __init__(self, since: float | None = None, pages: dict[str, bytes] | None = None) -> None:
        self.since, self.pages, self.asked = since, pages or {}, list[str]()

    def __call__(self, url: str) -> Body:
        self.asked.append(url)
        if url not in self.pages:
            raise AssertionError(f"{url} was asked for")
        return Body(self.pages[url], url)


def _read(
    name: str, *, follow_links: bool = False, content: bytes | None = None, poll: _Poll | None = None
) -> ParsedFeed:
    feed = FeedConfig(url="https://t.me/kremlinpool_test", type="telegram", follow_links=follow_links)
    body = (FIXTURES / f"{name}.html").read_bytes() if content is None else content
    return SOURCE_KINDS["telegram"].read(Body(body, feed.url, "text/html"), feed, poll or _Poll())


def _when(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def test_a_busy_channel_is_read_back_page_by_page_until_a_post_the_last_poll_saw() -> None:
    page = (FIXTURES / "channel.html").read_bytes()
    earlier = (
        page.replace(b"kremlinpool_test/12", b"kremlinpool_test/11").replace(b"2026-12-07", b"2026-12-05")
        .replace(b"2026-12-06", b"2026-12-04").replace(b'data-before="1201"', b'data-before="1101"')
    )  # fmt: skip
    before = "https://t.me/s/kremlinpool_test?before=1201"
    # Every post of the page is newer than the last poll: the page before it is read too (and no
    # further: its posts reach back past the last poll).
    poll = _Poll(since=_when("2026-12-05T12:00:00+00:00"), pages={before: earlier})
    keys = [e.key for e in _read("channel", poll=poll).entries]
    assert poll.asked == [before]
    assert keys[:6] == [f"tg:kremlinpool_test/{n}" for n in (1212, 1210, 1207, 1206, 1204, 1203)]
    assert "tg:kremlinpool_test/1103" in keys and len(keys) == 12
    # A post of the page is older than the last poll, or it is the first poll: one page.
    for quiet in (_Poll(since=_when("2026-12-07T09:00:00+00:00")), _Poll(since=None)):
        assert len(_read("channel", poll=quiet).entries) == 6 and quiet.asked == []
    # An earlier page that fails: the posts read so far, and a warning.
    failing = _Poll(since=_when("2026-12-05T12:00:00+00:00"))
    failed = _read("channel", poll=_Poll(since=failing.since, pages={before: b""}))
    assert (
        len(failed.entries) == 6 and failed.warning is not None and "earlier posts not read" in failed.warning
    )


def test_each_post_is_an_entry_keyed_by_its_id_newest_first_with_its_own_text_as_the_article() -> None:
    parsed = _read("channel")
    assert parsed.title == "Кремлёвский пул (тест)" and parsed.warning is None
    # 1201 a service message, 1211 a photo and 1214 a poll: nothing to read; the rest, newest first
    assert [e.key for e in parsed.entries] == [
        f"tg:kremlinpool_test/{n}" for n in (1212, 1210, 1207, 1206, 1204, 1203)
    ]
    by_id = {e.key.rsplit("/", 1)[1]: e for e in parsed.entries}
    first = by_id["1203"]
    assert first.link == "https://t.me/kremlinpool_test/1203" and first.own_text and first.article_url is None
    assert first.kind == "telegram" and first.source == "Кремлёвский пул (тест)"
    assert first.published == "2026-12-07T08:14:37+00:00"
    assert first.title == "🔴 Песков заявил, что Кремль не признаёт юрисдикцию МУС"
    # <br/> are line breaks, entities decoded, the hashtag kept as text
    assert first.content.split("\n")[1].startswith("«Мы уже неоднократно говорили")
    assert "«пока не стоит на повестке дня»!" in first.content and first.content.endswith("#Песков")
    # a reply's text is its own, not the post it quotes
    assert by_id["1212"].content == "Дополнение: Песков отказался называть сроки возможного ответа."
    # forwards: the original post's address, or the hidden sender's name
    assert by_id["1206"].forwarded_from == "https://t.me/other_channel/456"
    assert by_id["1207"].forwarded_from == "Иван Петров"
    assert by_id["1203"].forwarded_from is None
    # links: the article's (text and preview, once), never t.me's own
    assert by_id["1210"].links == ("https://example.org/news/2026/12/07/peskov-icc",)
    assert by_id["1206"].links == ()


def test_an_edited_post_keeps_its_id_and_the_digest_follows_the_posts_not_the_view_counts() -> None:
    page = (FIXTURES / "channel.html").read_bytes()
    parsed = _read("channel")
    assert "tg:kremlinpool_test/1204" in [e.key for e in parsed.entries]  # marked "edited" on the page
    recounted = page.replace(b"18.3K</span>", b"19.9K</span>")
    assert recounted != page and _read("channel", content=recounted).digest == parsed.digest
    edited_again = page.replace("перенесён на 14:00".encode(), "перенесён на 15:00".encode())
    assert _read("channel", content=edited_again).digest != parsed.digest
    deleted = page.replace(b'data-post="kremlinpool_test/1207"', b'data-post="kremlinpool_test/1207x"')
    assert _read("channel", content=deleted).digest != parsed.digest


def test_with_follow_links_a_post_that_is_mostly_a_link_reads_the_article() -> None:
    by_id = {e.key: e for e in _read("channel", follow_links=True).entries}
    linked = by_id["tg:kremlinpool_test/1210"]
    assert linked.article_url == "https://example.org/news/2026/12/07/peskov-icc" and not linked.own_text
    assert linked.link == "https://t.me/kremlinpool_test/1210"  # its own address stays
    assert linked.content.startswith("Полный текст заявления:")  # the fallback if the page fails
    assert by_id["tg:kremlinpool_test/1203"].own_text  # a post of its own words: no link followed


def test_malformed_posts_are_skipped_and_counted_the_rest_read_and_a_huge_text_capped() -> None:
    huge = (FIXTURES / "malformed.html").read_bytes().replace(b"HUGE_TEXT_PLACEHOLDER", b"word " * 1_000_000)
    parsed = _read("malformed", content=huge)
    assert [e.key for e in parsed.entries] == [f"tg:malformed_test/{n}" for n in (506, 505, 504, 503, 500)]
    assert parsed.warning == "2 post(s) skipped: no data-post id of the form <channel>/<number>"
    by_id = {e.key.rsplit("/", 1)[1]: e for e in parsed.entries}
    assert by_id["503"].published is None and by_id["504"].published is None  # no time; a garbage one
    assert len(by_id["505"].content) <= telegram.MAX_POST_CHARS
    assert len(by_id["505"].title) <= telegram.MAX_TITLE_CHARS + 1
    assert by_id["506"].content.startswith("Unclosed bold and italic and a link")


def test_a_channel_without_a_public_preview_is_a_clear_error_and_an_empty_one_is_not() -> None:
    with pytest.raises(
        NotAFeedError, match=r"https://t\.me/s/kremlinpool_test: no posts.*has no public preview"
    ):
        _read("no_preview")
    with pytest.raises(NotAFeedError, match="not a Telegram channel's preview page"):
        _read("channel", content=b"")
    empty = b'<html><body><section class="tgme_channel_history"><div class="tme_no_messages_found">No posts'
    assert _read("channel", content=empty + b"</div></section></body></html>").entries == ()


@pytest.mark.parametrize(
    ("given", "polled"),
    [
        ("https://t.me/kremlinpool_test", "https://t.me/s/kremlinpool_test"),
        ("t.me/s/kremlinpool_test", "https://t.me/s/kremlinpool_test"),
        ("https://telegram.me/s/kremlinpool_test/", "https://t.me/s/kremlinpool_test"),
        ("http://127.0.0.1:8080/s/anything", "http://127.0.0.1:8080/s/anything"),  # any other URL: as it is
    ],
)
def test_a_channel_is_given_by_its_address_and_its_preview_is_polled(given: str, polled: str) -> None:
    assert FeedConfig(url=given, type="telegram").url == polled


def test_an_address_that_is_no_public_channel_is_a_config_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "wirewatch.yaml"
    path.write_text(
        "feeds:\n  - url: https://t.me/kremlinpool_test\n    type: telegram\n"
        "  - url: https://t.me/joinchat/AbCdEf\n    type: telegram\n",
        "utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    [issue] = info.value.issues
    assert issue.line == 4 and issue.key.startswith("feeds[1]")
    assert "not a public Telegram channel's address: 'https://t.me/joinchat/AbCdEf'" in issue.message
