"""NEARs that would make millions of ranges: the exact evaluation stops at its budget, and the
bounded one answers in linear memory, never matching what the reference does not."""

from __future__ import annotations

import logging
import random
import tracemalloc

import pytest

from pipeline.rules import Document, Matcher, parse_query
from pipeline.rules.evaluate import TooCostly, explain_hits, holds
from pipeline.rules.index import DocumentIndex
from pipeline.rules.nodes import And, Field, Near, Node, Not, Or
from pipeline.rules.reference import compile_reference, haystack

from .test_rules_reference import Spec, random_doc, random_query

COMMON = "(the OR a OR of OR and OR to OR in)"
# 3,000 words of nothing but common words: every word starts and ends a range of every NEAR.
COMMON_TEXT = " ".join(("the a of and to in is was for on " * 300).split())


def chain(links: int, distance: int = 1000) -> str:
    return f" NEAR/{distance} ".join([COMMON] * (links + 1))


def near_depth(node: Node) -> int:
    """How many NEARs deep the tree goes."""
    match node:
        case Near(left, right):
            return 1 + max(near_depth(left), near_depth(right))
        case And(children) | Or(children):
            return max((near_depth(c) for c in children), default=0)
        case Not(child) | Field(_, child):
            return near_depth(child)
    return 0


def test_exact_evaluation_stops_at_its_budget() -> None:
    index = DocumentIndex(Document(title="", text=COMMON_TEXT))
    with pytest.raises(TooCostly, match="200,000 word ranges"):
        holds(parse_query(chain(2)), index)
    with pytest.raises(TooCostly):
        explain_hits(parse_query(chain(2)), index)  # the inner NEAR's pairs, for the outer's ranges


def test_one_near_is_explained_without_listing_its_pairs() -> None:
    # Each of the 1,800 common words pairs with every other within 1,000 words: over a million
    # pairs, which the explanation never lists (nor goes over budget for).
    index = DocumentIndex(Document(title="", text=COMMON_TEXT))
    words = {"the", "a", "of", "and", "to", "in"}
    common = [p for p, word in enumerate(COMMON_TEXT.split()) if word in words]
    every = explain_hits(parse_query(chain(1)), index)
    assert every is not None and [h.start for h in every] == common
    first = explain_hits(parse_query(chain(1)), index, limit=101)
    assert first == every[:101]


@pytest.mark.parametrize("links", [2, 16])
def test_bounded_evaluation_of_a_long_chain_stays_small(links: int) -> None:
    node = parse_query(chain(links))
    index = DocumentIndex(Document(title="", text=COMMON_TEXT))
    tracemalloc.start()
    try:
        assert holds(node, index, bounded=True)
        hits = explain_hits(node, index, bounded=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert hits
    assert {COMMON_TEXT.split()[h.start] for h in hits} <= {"the", "a", "of", "and", "to", "in"}
    assert peak < 40_000_000, f"{peak / 1e6:.0f} MB for a {links}-NEAR chain"


def test_bounded_matches_only_what_the_reference_matches() -> None:
    """Sound on every random query; and exact for NEARs at most two deep, where it keeps enough."""
    rng = random.Random(20261201)
    pairs = [(q, node) for q in (random_query(rng) for _ in range(600)) if (node := _parsed(q)) is not None]
    documents = [random_doc(rng) for _ in range(60)]
    deep_differences = 0
    for document in documents:
        index = DocumentIndex(document)
        text = haystack(document)
        for query, node in pairs:
            expected = compile_reference(node).match(text) is not None
            got = holds(node, index, bounded=True)
            if got and not expected:
                pytest.fail(f"bounded matched {query!r} on {document!r}; the reference does not")
            if got != expected:
                assert near_depth(node) > 2, f"bounded missed {query!r} on {document!r}"
                deep_differences += 1
    assert deep_differences < 0.01 * len(pairs) * len(documents)


def test_bounded_keeps_a_long_first_range_when_one_nesting_needs_it() -> None:
    # [a NEAR/20 b] has the short range "a b" at 5-6 and the long one "a ... b" from 5 to 15;
    # only the long one ends within 2 words of c.
    text = "x x x x x a b x x x x x x x x b x c"
    node = parse_query("(a NEAR/20 b) NEAR/2 c")
    index = DocumentIndex(Document(title="", text=text))
    assert holds(node, index, bounded=True)
    assert holds(node, index)


def test_matcher_warns_naming_the_rule_and_still_matches(caplog: pytest.LogCaptureFixture) -> None:
    matcher = Matcher([Spec("stopwords", chain(64)), Spec("plain", "kremlin")])
    document = Document(title="", text=COMMON_TEXT, url="https://news.example/long")
    with caplog.at_level(logging.WARNING):
        hits = matcher.match(document)
    assert [h.rule_id for h in hits] == ["stopwords"]
    assert hits[0].matches and hits[0].matches[0].field == "text"
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith("Rule stopwords: its NEARs make more than 200,000 word ranges")
    assert "https://news.example/long" in warning


def test_ordinary_nested_near_stays_exact_and_quiet(caplog: pytest.LogCaptureFixture) -> None:
    matcher = Matcher([Spec("peskov", '("dmitry peskov" OR kremlin) NEAR/10 (said NEAR/3 reporters)')])
    text = ("Filler words about the weather. " * 400) + "Kremlin spokesman said to reporters on Monday."
    with caplog.at_level(logging.WARNING):
        assert matcher.match_ids(Document(title="", text=text)) == ["peskov"]
    assert caplog.records == []


def _parsed(query: str) -> Node | None:
    try:
        return parse_query(query)
    except ValueError:
        return None
