"""Search and backfill through the full-text index give exactly what reading every archived
article gives: random queries in the rule language over an archive of random articles, on both
backends of the history store."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from pipeline.alerts import article_document
from pipeline.config import RuleConfig
from pipeline.models import Archived, Article, StoryRef, iso_time
from pipeline.rules import Matcher, RuleErrors
from pipeline.rules.candidates import index_words
from tests.pipeline.test_candidates import DOC_WORDS, SEPARATORS, queries
from workers.history import History
from workers.history import articles as article_rows
from workers.searching import index_query, matching

T0 = 1_800_000_000.0
ARTICLES = 400


def _text(rng: random.Random, least: int, most: int) -> str:
    words = [rng.choice(DOC_WORDS) for _ in range(rng.randint(least, most))]
    return "".join(w + rng.choice(SEPARATORS) for w in words)


def _article(rng: random.Random, n: int) -> Archived:
    return Archived(
        article=Article(
            url=f"https://news.example/{n}-{rng.choice(['icc', 'kremlin', 'x'])}",
            title=_text(rng, 0, 6),
            text=_text(rng, 3, 30),
            source=_text(rng, 0, 2) or "Example",
            language=rng.choice(["en", "ru", None]),
        ),
        entry_key=f"entry-{n}",
        feed_url="https://news.example/feed.xml",
        story=StoryRef(id=f"story{n}", first_seen=iso_time(T0 + n)),
        seen=iso_time(T0 + n),
    )


@pytest.fixture
def archive(history_url: str) -> Iterator[History]:
    history = History(history_url)
    rng = random.Random(23)
    with history.begin() as conn:
        article_rows.add(conn, [_article(rng, n) for n in range(ARTICLES)])
    yield history
    history.close()


def _matcher(query: str) -> Matcher | None:
    try:
        return Matcher([RuleConfig(id="q", title="q", query=query)])
    except RuleErrors:
        return None  # a query the rule language refuses (e.g. only NOT): nothing to compare


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(query=queries())
def _index_path_is_a_full_scan(history: History, query: str) -> None:
    matcher = _matcher(query)
    if matcher is None:
        return
    scanned = [
        item.entry_key
        for item in article_rows.read(history, T0, newest_first=True)
        if matcher.match(article_document(item.article))
    ]
    found = [f.item.entry_key for f in matching(history, matcher, T0, newest_first=True)]
    assert found == scanned, (query, index_query(history, (r.node for r in matcher.rules)))


def test_search_through_the_index_finds_what_a_full_scan_finds(archive: History) -> None:
    _index_path_is_a_full_scan(archive)


def test_the_index_is_asked_and_narrows_the_reading(archive: History) -> None:
    """Not a scan in disguise: a query with a word asks the index, which hands over only the
    articles that hold it."""
    matcher = _matcher("peskov")
    assert matcher is not None
    query = index_query(archive, (r.node for r in matcher.rules))
    assert query is not None
    holding = [
        a
        for a in article_rows.read(archive, T0)
        if "peskov" in index_words(a.article.title, a.article.text).split()
    ]
    assert 0 < article_rows.count(archive, T0, match=query) == len(holding) < ARTICLES


def test_an_article_the_index_holds_in_part_is_always_read(history_url: str) -> None:
    history = History(history_url)
    long_text = "filler " * 30_000 + "peskov said"  # past the index's cap: its end is not indexed
    item = _article(random.Random(1), 1).model_copy(
        update={"article": Article(url="https://news.example/long", title="Long", text=long_text, source="X")}
    )
    with history.begin() as conn:
        article_rows.add(conn, [item])
    matcher = _matcher('"peskov said"')
    assert matcher is not None
    assert [f.item.entry_key for f in matching(history, matcher, T0)] == [item.entry_key]
    history.close()
