"""pipeline.feeds: stable keys, canonical links, plain text, and bad input as an outcome (inline
documents, then every feed of the shared real-world corpus)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from pipeline.config import FeedConfig
from pipeline.errors import NotAFeedError
from pipeline.feeds import canonical_url
from pipeline.models import Entry
from pipeline.sources.rss import parse_feed
from tests.conftest import CORPUS, corpus_or_skip

FEED = FeedConfig(url="https://News.Example.com/world/rss.xml", name="Example World")

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example News</title><link>https://news.example.com/</link>
<language>en</language>
<item>
  <title>&lt;b&gt;Bold&lt;/b&gt; move &amp;amp; more</title>
  <link>/world/story-1?utm_source=rss&amp;utm_medium=feed&amp;id=7#comments</link>
  <guid isPermaLink="false">story-0001</guid>
  <pubDate>Wed, 06 Mar 2024 12:00:00 GMT</pubDate>
  <description>&lt;p&gt;First &lt;em&gt;para&lt;/em&gt;.&lt;/p&gt;&lt;p&gt;Second &amp;amp; last.&lt;/p&gt;
    &lt;script&gt;alert("x")&lt;/script&gt;</description>
</item>
<item>
  <title>No guid here</title>
  <link>HTTPS://Other.Example.COM/a/b?utm_campaign=spring&amp;story=42#top</link>
  <description>plain summary</description>
</item>
<item>
  <title>Neither guid nor link</title>
  <description>only some text</description>
</item>
<item>
  <title>Relative link</title>
  <link>story-2.html</link>
</item>
</channel></rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">
  <title>Example Blog</title><id>urn:example:blog</id><updated>2024-01-02T00:00:00Z</updated>
  <entry>
    <title type="html">&lt;i&gt;Italic&lt;/i&gt; news</title>
    <id>tag:blog.example.org,2024:1</id>
    <link rel="alternate" href="/posts/1.html"/>
    <updated>2024-01-02T10:30:00Z</updated>
    <summary type="html">&lt;div&gt;Summary with &lt;a href="/x"&gt;a link&lt;/a&gt;&lt;/div&gt;</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Full <b>content</b> here.</p>
      <p>Second paragraph.</p></div></content>
  </entry>
  <entry>
    <title>Second</title>
    <link href="https://Blog.Example.org/posts/2.html?utm_source=atom#frag"/>
    <updated>2024-01-03T00:00:00Z</updated>
  </entry>
</feed>
"""


def by_title(entries: tuple[Entry, ...]) -> dict[str, Entry]:
    return {e.title: e for e in entries}


# --- canonical_url -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://News.Example.COM/a/b", "https://news.example.com/a/b"),
        ("https://news.example.com/a#section-2", "https://news.example.com/a"),
        (
            "https://news.example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x",
            "https://news.example.com/a",
        ),
        ("https://news.example.com/a?utm_source=rss&id=7#c", "https://news.example.com/a?id=7"),
        ("http://news.example.com:80/a", "http://news.example.com/a"),
        ("  https://news.example.com/a  ", "https://news.example.com/a"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_keeps_parameters_that_name_the_story() -> None:
    # Two different stories must not collapse into one link (and one story key).
    a = canonical_url("https://www.example.com/watch?v=abc123&utm_source=feed")
    b = canonical_url("https://www.example.com/watch?v=def456")
    assert a == "https://www.example.com/watch?v=abc123"
    assert a != b
    assert canonical_url("https://ex.com/news.php?story=1") != canonical_url(
        "https://ex.com/news.php?story=2"
    )


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTPS://Ex.COM/p?b=2&a=1&utm_term=z#f")
    assert canonical_url(once) == once


# --- parse_feed on RSS and Atom --------------------------------------------------------------------


def test_rss_keys_links_and_text() -> None:
    parsed = parse_feed(RSS, FEED, content_type="application/rss+xml; charset=utf-8")
    assert parsed.title == "Example News"
    assert parsed.warning is None
    assert len(parsed.entries) == 4
    entries = by_title(parsed.entries)

    first = entries["Bold move & more"]  # HTML in the title is plain text now
    assert first.key == "guid:story-0001"
    assert first.link == "https://news.example.com/world/story-1?id=7"  # resolved, utm_* and fragment gone
    assert first.summary == "First para.\nSecond & last."
    assert "<" not in first.summary and "alert" not in first.summary  # sanitised, then flattened
    assert first.published == "2024-03-06T12:00:00+00:00"
    assert first.source == "Example World"
    assert first.feed_id == FEED.id and first.feed_url == FEED.url
    assert first.language == "en"

    second = entries["No guid here"]
    assert second.link == "https://other.example.com/a/b?story=42"
    assert second.key == "link:https://other.example.com/a/b?story=42"

    third = entries["Neither guid nor link"]
    assert third.link is None
    assert third.key.startswith("hash:")

    relative = entries["Relative link"]
    assert relative.link == "https://news.example.com/world/story-2.html"  # against the feed URL


def test_keys_are_stable_and_distinct() -> None:
    a = [e.key for e in parse_feed(RSS, FEED).entries]
    b = [e.key for e in parse_feed(RSS, FEED).entries]
    assert a == b
    assert len(set(a)) == len(a)
    # The hash key depends on the content: another summary is another entry.
    changed = parse_feed(RSS.replace(b"only some text", b"other text"), FEED)
    assert (
        by_title(changed.entries)["Neither guid nor link"].key
        != by_title(parse_feed(RSS, FEED).entries)["Neither guid nor link"].key
    )


def test_relative_links_resolve_against_the_final_url() -> None:
    parsed = parse_feed(RSS, FEED, final_url="https://cdn.example.net/feeds/world.xml")
    assert by_title(parsed.entries)["Relative link"].link == "https://cdn.example.net/feeds/story-2.html"


def test_atom_keys_links_and_text() -> None:
    parsed = parse_feed(
        ATOM, FeedConfig(url="https://blog.example.org/feeds/atom.xml"), content_type="application/atom+xml"
    )
    assert parsed.title == "Example Blog"
    assert parsed.warning is None
    entries = by_title(parsed.entries)
    assert set(entries) == {"Italic news", "Second"}

    first = entries["Italic news"]
    assert first.key == "guid:tag:blog.example.org,2024:1"
    assert first.link == "https://blog.example.org/posts/1.html"
    assert first.summary == "Summary with a link"
    assert first.content == "Full content here.\nSecond paragraph."
    assert first.published == "2024-01-02T10:30:00+00:00"
    assert first.source == "Example Blog"  # no configured name: the feed's title

    second = entries["Second"]
    assert second.link == "https://blog.example.org/posts/2.html"
    assert second.key == "link:https://blog.example.org/posts/2.html"


def test_same_story_in_two_feeds_has_one_canonical_link() -> None:
    a = parse_feed(RSS, FEED)
    b = parse_feed(
        RSS.replace(b"story-0001", b"mirror-0001").replace(b"utm_source=rss", b"utm_source=mirror"),
        FeedConfig(url="https://news.example.com/world/rss.xml"),
    )
    ka = by_title(a.entries)["Bold move & more"]
    kb = by_title(b.entries)["Bold move & more"]
    assert ka.key != kb.key
    assert ka.link == kb.link


# --- input that is no feed -----------------------------------------------------------------------

HTML_PAGE = b"""<!doctype html><html lang="en"><head><title>Example News</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>
<body><h1>Welcome</h1><p>This is the home page, not a feed.</p><a href="/story">A story</a></body></html>"""


@pytest.mark.parametrize(
    "content",
    [HTML_PAGE, b"", b"   \n", b"just some text", b"\x00\xff\xfe\x89PNG garbage", b'{"items": []}'],
    ids=["html", "empty", "whitespace", "text", "binary", "json"],
)
def test_not_a_feed_names_the_feed_url(content: bytes) -> None:
    with pytest.raises(NotAFeedError) as info:
        parse_feed(content, FEED)
    assert FEED.url in str(info.value)


EMPTY_RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'


def test_valid_feed_without_items_is_no_error() -> None:
    parsed = parse_feed(EMPTY_RSS, FEED, content_type="application/rss+xml")
    assert parsed.entries == ()
    assert parsed.title == "Quiet"


@pytest.mark.parametrize("content_type", ["", "text/html; charset=utf-8", "application/octet-stream"])
def test_valid_feed_without_items_and_a_wrong_content_type_is_no_error(content_type: str) -> None:
    parsed = parse_feed(EMPTY_RSS, FEED, content_type=content_type)
    assert parsed.entries == ()


@pytest.mark.parametrize(
    "content_type", ["", "text/html; charset=utf-8", "application/octet-stream", "text/xml"]
)
def test_feed_served_with_a_wrong_content_type_still_yields_entries(content_type: str) -> None:
    doc = RSS.replace(b"Example News", "Новости".encode())
    parsed = parse_feed(doc, FEED, content_type=content_type)
    assert parsed.title == "Новости"  # decoded as UTF-8 whatever the header says
    assert len(parsed.entries) == 4


def test_ill_formed_feed_still_yields_entries_with_a_warning() -> None:
    broken = RSS.replace(b"</channel></rss>", b"<item><title>Unclosed &nbsp; entity</title></item>")
    parsed = parse_feed(broken, FEED)
    assert parsed.warning
    assert "Bold move & more" in by_title(parsed.entries)


def _billion_laughs() -> bytes:
    decls = [b'<!ENTITY lol0 "lollollollollollollollollollol">']
    decls += [b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)]
    return (
        b'<?xml version="1.0"?><!DOCTYPE rss [' + b"".join(decls) + b"]>"
        b'<rss version="2.0"><channel><title>&lol9;</title>'
        b"<item><title>&lol9;</title><description>&lol9;</description><link>http://a.example/&lol9;</link></item>"
        b"</channel></rss>"
    )


@pytest.mark.timeout(30)
def test_entity_expansion_does_not_explode() -> None:
    started = time.monotonic()
    try:
        parsed = parse_feed(_billion_laughs(), FEED)
    except NotAFeedError:
        pass
    else:
        # Expanded, it would be 3 GB per field: whatever came out was not expanded.
        for e in parsed.entries:
            assert len(e.title) + len(e.summary) + len(e.link or "") < 100_000
    assert time.monotonic() - started < 20


def test_external_entities_are_not_read() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
        b'<rss version="2.0"><channel><title>t</title><item><title>x &xxe; y</title>'
        b"<description>d</description></item></channel></rss>"
    )
    try:
        parsed = parse_feed(xxe, FEED)
    except NotAFeedError:
        return
    with open("/etc/hostname", encoding="utf-8") as fh:
        hostname = fh.read().strip()
    for e in parsed.entries:
        assert not hostname or hostname not in e.title


# --- the real-world corpus -----------------------------------------------------------------------


def _feed_rows() -> list[Any]:
    manifest = CORPUS / "feeds" / "manifest.jsonl"
    if not manifest.exists():
        return [pytest.param(None, id="corpus-absent")]
    rows = [json.loads(line) for line in manifest.read_text("utf-8").splitlines() if line.strip()]
    return [pytest.param(row, id=row["path"]) for row in rows]


@pytest.mark.corpus
@pytest.mark.parametrize("row", _feed_rows())
def test_corpus_feed_parses_or_is_not_a_feed(row: dict[str, Any] | None) -> None:
    root = corpus_or_skip("feeds")
    if row is None:
        pytest.skip("feeds/manifest.jsonl is absent")
    content = (root / row["path"]).read_bytes()
    feed = FeedConfig(url="https://feeds.example.com/" + row["path"].rsplit("/", 1)[-1])
    try:
        parsed = parse_feed(content, feed)
    except NotAFeedError as exc:
        assert feed.url in str(exc)
        assert row["malformed"] or row["entries"] == 0, f"a well-formed feed with entries refused: {exc}"
        return
    if row["entries"] > 0 and not row["malformed"]:
        assert parsed.entries, "a well-formed feed with entries gave none"
    for e in parsed.entries:
        assert e.key.split(":", 1)[0] in ("guid", "link", "hash")
        assert e.link is None or e.link.startswith(("http://", "https://"))
        assert "#" not in (e.link or "")


# --- character references feedparser raises on ---------------------------------------------------


def _one_item(title: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{title}</title><guid>1</guid></item><item><title>two</title><guid>2</guid></item>"
        "</channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("reference", "becomes"),
    [
        ("&#55357;&#56832;", "😀"),  # an emoji as a surrogate pair of references: common in real feeds
        ("&#xD83D;&#xDE00;", "😀"),
        ("&#1114112;", "\ufffd"),  # beyond U+10FFFF: chr() raises
        ("&#x110000;", "\ufffd"),
        ("&#55296;", "\ufffd"),  # a lone surrogate: no UTF-8 form
        ("&#xDE00;&#xD83D;", "\ufffd\ufffd"),  # a pair in the wrong order is two lone ones
        ("&#99999999999;", "\ufffd"),  # too large for a C int
        ("&#0;", "\ufffd"),
    ],
)
def test_a_bad_character_reference_is_repaired_and_the_feed_keeps_its_items(
    reference: str, becomes: str
) -> None:
    parsed = parse_feed(_one_item(f"a {reference} b"), FEED, content_type="application/rss+xml")
    assert [e.title for e in parsed.entries] == [f"a {becomes} b", "two"]
    assert parsed.warning is not None and "bad character reference" in parsed.warning


def test_good_character_references_are_left_alone() -> None:
    parsed = parse_feed(_one_item("caf&#233; &#x1F600; &#10;x"), FEED, content_type="application/rss+xml")
    assert parsed.entries[0].title == "café 😀 x"
    assert parsed.warning is None


def test_every_corpus_feed_without_entries_is_empty_or_says_why() -> None:
    """A feed that gives no entries and no warning must really list no items: silence is never
    a lost feed. (In the corpus: picoFeed's empty-feed cases, a feed of Google Blog Search with no
    results, and feedparser cases about other things.)"""
    root = corpus_or_skip("feeds")
    silent = []
    for line in (root / "manifest.jsonl").read_text("utf-8").splitlines():
        path = root / json.loads(line)["path"]
        raw = path.read_bytes()
        try:
            parsed = parse_feed(raw, FEED, content_type="application/xml")
        except NotAFeedError:
            continue  # an error naming the feed: said
        if not parsed.entries and not parsed.warning:
            assert not re.search(rb"(?i)<(item|entry)[\s>]", raw), (
                f"{path}: items listed, none parsed, no warning"
            )
            silent.append(path.name)
    assert len(silent) >= 1  # the corpus does hold empty feeds


@pytest.mark.parametrize(
    "person",
    [
        b"<author><name>" + b"a." * 4000 + b"</name></author>",
        b"<author><name>Jane</name><email><![CDATA[a@" + b"a." * 4000 + b"]]></email></author>",
        b"<dc:creator>" + b"a@a." * 2000 + b"</dc:creator>",
    ],
)
def test_absurd_author_fields_are_cut_before_feedparser_sees_them(person: bytes) -> None:
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><title>t</title>'
        b"<entry><id>1</id><title>one</title>" + person + b"<summary>kept</summary></entry></feed>"
    )
    parsed = parse_feed(atom, FEED, content_type="application/atom+xml")
    assert [(e.title, e.summary) for e in parsed.entries] == [("one", "kept")]
    assert parsed.warning is not None and "1 author field(s) over 512 bytes cut" in parsed.warning


def test_ordinary_authors_are_left_alone() -> None:
    rss = _one_item("t").replace(
        b"<guid>1</guid>", b"<guid>1</guid><author>jane@example.org (Jane Doe)</author>"
    )
    assert parse_feed(rss, FEED, content_type="application/rss+xml").warning is None


def test_stable_keys_for_shared_guids_and_links() -> None:
    from pipeline.config import FeedConfig
    from pipeline.feeds import stable_keys
    from pipeline.models import Entry

    feed = FeedConfig(url="https://news.example.com/rss")

    def entry(guid: str, link: str | None, title: str) -> Entry:
        return Entry(
            feed_id=feed.id, feed_url=feed.url, source="x", key=f"guid:{guid}", link=link, title=title
        )

    entries = [
        entry("a", "https://news.example.com/1", "One"),  # guid and link its own
        entry("dup", "https://news.example.com/2", "Two"),  # shared guid, own link
        entry("dup", "https://news.example.com/home", "Three"),  # shared guid and shared link
        entry("dup", "https://news.example.com/home", "Four"),
    ]
    keyed, shared = stable_keys(feed, entries)
    assert shared == 3
    assert keyed[0].key == "guid:a" and keyed[0].alt_keys == (f"link:{feed.id}:https://news.example.com/1",)
    assert keyed[1].key == "link:https://news.example.com/2" and keyed[1].alt_keys == ()
    assert keyed[2].key.startswith("hash:") and keyed[3].key.startswith("hash:")
    assert keyed[2].key != keyed[3].key  # their texts differ
