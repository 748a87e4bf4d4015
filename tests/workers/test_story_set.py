"""The story evaluation set (bench/story_set.py) through the real story index: no wrong merge,
and at least 95% of the pairs that are one story placed in one. bench/stories.py prints the
same figures with costs."""

from __future__ import annotations

import random

import pytest
from redis import Redis

from bench.stories import pair_figures
from bench.story_set import build
from pipeline.models import StoryCopy
from pipeline.stories import StoryPolicy, fingerprint
from tests.conftest import corpus_or_skip
from workers.store.stories import member_id, place_article

from .helpers import ROOT


@pytest.mark.corpus
def test_the_evaluation_set_merges_copies_and_never_distinct_stories(redis: Redis) -> None:
    corpus = corpus_or_skip("articles").parent
    items = build(corpus, ROOT / "seeds", copies_of=60)
    random.Random(3).shuffle(items)
    policy = StoryPolicy()
    story_of = {}
    for n, item in enumerate(items):
        copy = StoryCopy(source=item.source, url=f"https://example.org/{n}", title=item.title, seen="")
        fp = fingerprint(item.title, item.text, copy.url, policy.min_words)
        placed = place_article(redis, fp, member_id(item.id), copy, policy, 1_800_000_000.0 + n, 86400)
        story_of[item.id] = placed.story_id
    figures = pair_figures(items, story_of)
    assert figures["wrong_merges"] == 0, figures["wrong_pairs"]
    assert isinstance(figures["pair_recall"], float) and figures["pair_recall"] >= 0.95, figures
