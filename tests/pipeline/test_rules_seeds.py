"""The shipped rules (config/rules.yaml) against the shipped seeds and a few obvious negatives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.rules import Document, Matcher
from pipeline.schema import RuleConfig

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    data = yaml.safe_load((ROOT / "config" / "rules.yaml").read_text(encoding="utf-8"))
    rules = [RuleConfig.model_validate(r) for r in data["rules"]]
    assert [r.id for r in rules] == ["kremlin-spokesman", "icc", "navalny"]
    return Matcher(rules, data.get("aliases") or {})


def seed(prefix: str) -> Document:
    (path,) = sorted((ROOT / "seeds").glob(f"{prefix}_*.txt"))
    title, _, text = path.read_text(encoding="utf-8").partition("\n")
    return Document(title=title, text=text)


def matched(matcher: Matcher, doc: Document) -> set[str]:
    return {h.rule_id for h in matcher.match(doc)}


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("000", {"kremlin-spokesman", "icc", "navalny"}),
        ("001", {"kremlin-spokesman", "navalny"}),
        ("002", {"kremlin-spokesman", "icc"}),
    ],
)
def test_seed_matches_exactly(matcher: Matcher, prefix: str, expected: set[str]) -> None:
    assert matched(matcher, seed(prefix)) == expected


def test_seed_match_records_quote_the_text(matcher: Matcher) -> None:
    doc = seed("000")
    for found in matcher.match(doc):
        assert found.matches, found.rule_id
        for m in found.matches:
            field_text = getattr(doc, m.field)
            assert m.offsets and m.terms and m.highlights
            assert all(" ".join(field_text[a:b].split()) in m.terms for a, b in m.offsets)
            assert all(m.snippet[a:b] in m.terms for a, b in m.highlights)
    spokesman = matcher.match(doc)[0]
    assert spokesman.rule_id == "kremlin-spokesman"
    assert spokesman.rule_title == "Statements by the Kremlin spokesman"
    (text_match,) = spokesman.matches
    assert {"Kremlin spokesman", "Peskov", "said", "told"} <= set(text_match.terms)
    assert "Kremlin spokesman Dmitry Peskov said" in text_match.snippet


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The ICC cricket council met in Dubai to discuss the World Cup schedule.", set()),
        ("The Kremlin said on Tuesday that talks would continue.", set()),
        ("A spokesman for the Kremlin museum said it would reopen.", set()),
        ("Peskov's statement was published on Tuesday.", set()),
        ("The naval base at Sevastopol was hit; officials said nothing.", set()),
        ("Judges at the International Criminal Court issued a warrant.", {"icc"}),
        ("Kremlin spokesperson Dmitry Peskow told reporters nothing new.", {"kremlin-spokesman"}),
        ("Юлия Навальная призвала к протесту.", {"navalny"}),
        ("Supporters of the Anti-Corruption Foundation gathered.", {"navalny"}),
    ],
)
def test_shipped_rules_on_small_texts(matcher: Matcher, text: str, expected: set[str]) -> None:
    assert matched(matcher, Document(title="", text=text)) == expected


@pytest.mark.xfail(strict=True, reason="shipped rule: any Peskov near 'said' matches, not only the spokesman")
def test_another_peskov_is_not_the_kremlin_spokesman(matcher: Matcher) -> None:
    doc = Document(title="", text="Russian footballer Ivan Peskov said he was happy with the win.")
    assert matched(matcher, doc) == set()


@pytest.mark.xfail(strict=True, reason="shipped rule: ICC NEAR/15 judges also fires on cricket stories")
def test_cricket_judges_are_not_the_criminal_court(matcher: Matcher) -> None:
    doc = Document(title="", text="The ICC has named three umpires and two judges for the cricket final.")
    assert matched(matcher, doc) == set()


@pytest.mark.xfail(
    strict=True, reason='shipped rule: the phrase misses the possessive "the Kremlin\'s spokesman"'
)
def test_possessive_kremlin_spokesman(matcher: Matcher) -> None:
    doc = Document(title="", text="The Kremlin's spokesman said talks would continue.")
    assert matched(matcher, doc) == {"kremlin-spokesman"}
