"""NEAR/S: both sides in one sentence (the sentences of pipeline.statements, where a quote of
several sentences is one); the matcher agrees with the reference evaluator on random texts."""

from __future__ import annotations

import random

import pytest

from pipeline.config import RuleConfig
from pipeline.rules import Document, Matcher, QuerySyntaxError, explain, parse_query, tree
from pipeline.rules.reference import ReferenceMatcher


def _holds(query: str, text: str) -> bool:
    return bool(Matcher([RuleConfig(id="r", query=query)]).match(Document(title="", text=text)))


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("Peskov NEAR/S sanctions", "Peskov said on Monday, after a silence, that sanctions hurt.", True),
        ("Peskov NEAR/S sanctions", "Peskov spoke. Sanctions were not discussed.", False),
        ("Peskov ONEAR/S sanctions", "Sanctions, Peskov said, were pointless.", False),
        ("Peskov NEAR/S sanctions", "Sanctions, Peskov said, were pointless.", True),
        ('Peskov NEAR/S sanctions', '"We spoke. The sanctions will go," Peskov said.', True),  # one quote
        ("title:(Peskov NEAR/S talks)", "Peskov talks.", False),  # the title is empty
        ("(Peskov NEAR/S talks) OR navalny", "Navalny is gone.", True),
    ],
)  # fmt: skip
def test_near_s(query: str, text: str, expected: bool) -> None:
    assert _holds(query, text) is expected


def test_near_s_reads_back() -> None:
    assert explain(parse_query("a NEAR/S b")) == "NEAR/S(term:a, term:b)"
    assert tree(parse_query("a ONEAR/S b"))[0] == "ONEAR/S (in one sentence, in this order)"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(a NEAR/S b) NEAR/3 c", "NEAR/3: a NEAR/S cannot be a side of another NEAR"),
        ("quote:(a NEAR/S b)", "NEAR/S cannot be inside it"),
        ("a NEAR/T b", "NEAR needs a distance in words, e.g. NEAR/5, or S for one sentence"),
    ],
)
def test_near_s_errors(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query)


WORDS = ["peskov", "sanctions", "kremlin", "talks", "court", "war"]


def test_random_sentence_queries_agree_with_the_reference() -> None:
    rng = random.Random(77)
    rules, nodes = [], []
    for n in range(300):
        a, b = rng.sample(WORDS, 2)
        side = rng.choice([a, f"({a} OR {rng.choice(WORDS)})", f'"{a} {b}"', f"({a} NEAR/2 {b})"])
        query = f"{side} {rng.choice(['NEAR', 'ONEAR'])}/S {rng.choice(WORDS)}"
        if rng.random() < 0.3:
            query += f" -{rng.choice(WORDS)}"
        if rng.random() < 0.2:
            query = f"({query}) OR ({rng.choice(WORDS)} NEAR/1 {rng.choice(WORDS)})"
        node = parse_query(query)
        rules.append(RuleConfig(id=f"q{n}", query=query))
        nodes.append((f"q{n}", node))
    matcher, reference = Matcher(rules), ReferenceMatcher(nodes)
    matched = 0
    for _ in range(150):
        parts = []
        for _ in range(rng.randint(1, 4)):
            sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 7))).capitalize()
            parts.append(
                f'"{sentence}," he said.' if rng.random() < 0.2 else sentence + rng.choice([".", "!", "?"])
            )
        document = Document(title="", text=" ".join(parts))
        expected = reference.match_ids(document)
        assert matcher.match_ids(document) == expected, document.text
        matched += len(expected)
    assert 0.02 < matched / (150 * len(rules)) < 0.95
