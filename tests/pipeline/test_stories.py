"""pipeline.stories without Redis: the story URL a page gives, signatures and their estimates,
and the placement decision."""

from __future__ import annotations

import pytest

from pipeline.stories import (
    BANDS,
    Candidate,
    KnownStory,
    Lookup,
    StoryPolicy,
    fingerprint,
    page_canonical,
    place,
    shingles,
    similarity,
    story_url,
    title_hash,
)

from .factories import long_text

POLICY = StoryPolicy()
NOW = 1_800_000_000.0


def _page(head: str) -> bytes:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body><p>x</p></body></html>".encode()


@pytest.mark.parametrize(
    ("head", "page_url", "expected"),
    [
        # An AMP page names its main version; tracking parameters go.
        ('<link rel="canonical" href="/world/story-1?utm_source=amp">', "https://www.example.org/amp/story-1",
         "https://www.example.org/world/story-1"),
        # A mobile page names the desktop one on the same registered domain.
        ('<link rel="canonical" href="https://www.bbc.co.uk/news/x">', "https://m.bbc.co.uk/news/x",
         "https://www.bbc.co.uk/news/x"),
        # og:url when there is no canonical link; canonical first when both are there.
        ('<meta property="og:url" content="https://example.org/a/1">', "https://example.org/a/1?ref=rss",
         "https://example.org/a/1"),
        ('<meta property="og:url" content="https://example.org/og"><link rel="canonical" '
         'href="https://example.org/canon">', "https://example.org/x", "https://example.org/canon"),
        # A page claiming another site's story is not believed: the feed's link stands.
        ('<link rel="canonical" href="https://other.example.net/their-story">', "https://example.org/a/2",
         "https://example.org/feed-link"),
        # Nor a non-http canonical, nor an empty one.
        ('<link rel="canonical" href="javascript:alert(1)">', "https://example.org/a/3",
         "https://example.org/feed-link"),
        ('<link rel="canonical" href="">', "https://example.org/a/4", "https://example.org/feed-link"),
        # Loopback hosts differ by port: two outlets on one machine are two sites.
        ('<link rel="canonical" href="http://127.0.0.1:9002/x">', "http://127.0.0.1:9001/x",
         "https://example.org/feed-link"),
    ],
)  # fmt: skip
def test_the_story_url_is_the_pages_own_canonical_on_its_own_site(
    head: str, page_url: str, expected: str
) -> None:
    assert story_url("https://example.org/feed-link?utm_medium=rss", page_url, _page(head)) == expected


def test_a_syndication_source_may_be_named_from_another_site() -> None:
    page = _page('<link rel="canonical" href="https://apnews.com/article/abc">')
    assert story_url("https://local.example.org/x", "https://local.example.org/x", page) == (
        "https://local.example.org/x"
    )
    assert (
        story_url(
            "https://local.example.org/x", "https://local.example.org/x", page, frozenset({"apnews.com"})
        )
        == "https://apnews.com/article/abc"
    )


def test_canonical_links_are_read_from_the_head_only_and_hostile_markup_is_no_crash() -> None:
    body_link = (
        b"<html><head></head><body>" + b'<link rel="canonical" href="https://example.org/b">' + b"</body>"
    )
    assert page_canonical(body_link, "https://example.org/a") is None
    assert page_canonical(b"\x00\xff<<<>>>", "https://example.org/a") is None
    assert page_canonical(b"", "https://example.org/a") is None


def test_no_page_or_no_link_gives_the_feed_link_or_nothing() -> None:
    assert story_url("https://example.org/a?fbclid=1", None, None) == "https://example.org/a"
    assert story_url(None, None, None) is None


def test_signatures_estimate_jaccard_and_containment() -> None:
    text = long_text(400, seed=1)
    same = fingerprint("a", text, None, 50)
    half = fingerprint("a", " ".join(text.split()[:200]), None, 50)
    other = fingerprint("a", long_text(400, seed=2), None, 50)
    assert same.signature is not None and half.signature is not None and other.signature is not None
    assert similarity(same.signature, same.shingles, same.signature, same.shingles) == (1.0, 1.0)
    jaccard, containment = similarity(same.signature, same.shingles, half.signature, half.shingles)
    assert 0.35 < jaccard < 0.65 and containment > 0.85  # the half is inside the whole
    jaccard, containment = similarity(same.signature, same.shingles, other.signature, other.shingles)
    assert jaccard < 0.05 and containment < 0.1
    assert len(same.bands) == BANDS and len(set(same.bands)) == BANDS


def test_short_texts_get_no_signature_and_short_titles_no_title_key() -> None:
    fp = fingerprint(
        "Kremlin says talks with Kyiv stalled", "Only a summary of twelve words, as feeds give.", None, 50
    )
    assert fp.signature is None and fp.bands == () and fp.shingles == 0
    assert fp.title_key == title_hash("KREMLIN says talks with Kyiv stalled!")  # folded words
    assert title_hash("Live updates") is None


def test_shingles_are_five_folded_words() -> None:
    expected = ["peskov said the kremlin would", "said the kremlin would respond"]
    assert shingles("Pěskov SAID: the Kremlin would respond.") == expected


def _candidate(text: str, story: str, first_seen: float, seen: float) -> Candidate:
    fp = fingerprint("", text, None, 50)
    assert fp.signature is not None
    return Candidate(f"m-{story}", story, first_seen, seen, fp.shingles, fp.signature)


def test_placement_order_own_then_url_then_text_then_title_else_new() -> None:
    text = long_text(300, seed=3)
    fp = fingerprint("Kremlin says talks with Kyiv stalled", text, "https://example.org/a", 50)
    similar = _candidate(text, "s-text", NOW - 100, NOW - 50)
    own = KnownStory("s-own", NOW - 10)
    by_url = KnownStory("s-url", NOW - 20)
    by_title = KnownStory("s-title", NOW - 30)
    assert place(fp, "me", Lookup(own, by_url, by_title, (similar,)), POLICY, NOW).why == "again"
    assert place(fp, "me", Lookup(None, by_url, by_title, (similar,)), POLICY, NOW).story_id == "s-url"
    joined = place(fp, "me", Lookup(None, None, by_title, (similar,)), POLICY, NOW)
    assert (joined.story_id, joined.why, joined.joined) == ("s-text", "similar", "m-s-text")
    # A long text never joins by its title alone: two stories may share a headline.
    assert place(fp, "me", Lookup(None, None, by_title, ()), POLICY, NOW).founded
    short = fingerprint("Kremlin says talks with Kyiv stalled", "A summary.", None, 50)
    assert place(short, "me", Lookup(None, None, by_title, ()), POLICY, NOW).story_id == "s-title"
    new = place(fp, "me", Lookup(), POLICY, NOW)
    assert (new.story_id, new.first_seen, new.founded) == ("me", NOW, True)


def test_the_earliest_similar_story_wins_and_the_window_forgets() -> None:
    text = long_text(300, seed=4)
    fp = fingerprint("", text, None, 50)
    later = _candidate(text, "later", NOW - 100, NOW - 100)
    earlier = _candidate(text, "earlier", NOW - 200, NOW - 90)
    assert place(fp, "me", Lookup(candidates=(later, earlier)), POLICY, NOW).story_id == "earlier"
    stale = _candidate(text, "stale", NOW - 5 * 86400, NOW - 4 * 86400)
    assert place(fp, "me", Lookup(candidates=(stale,)), POLICY, NOW).founded
    unrelated = _candidate(long_text(300, seed=5), "unrelated", NOW - 100, NOW - 100)
    assert place(fp, "me", Lookup(candidates=(unrelated,)), POLICY, NOW).founded
