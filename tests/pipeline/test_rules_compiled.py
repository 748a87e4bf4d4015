"""Compiled rules files: a matcher read back from one matches as the matcher that was written, and
a file that is missing, corrupt or compiled for other rules is refused, never read."""

from __future__ import annotations

from array import array
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.config import RuleConfig
from pipeline.rules import Document, Matcher
from pipeline.rules import matcher as matcher_module
from pipeline.rules import prefilter as prefilter_module
from pipeline.rules.compiled import MAGIC, Unusable, open_compiled, read_compiled, rules_key, save_compiled
from pipeline.rules.evaluate import holds
from pipeline.rules.index import DocumentIndex
from pipeline.rules.people import Person

from .test_rules_prefilter import SHARED, random_documents, random_rules

RULES = [
    RuleConfig(id="peskov", title="Peskov speaks", query="Peskov NEAR/5 (said OR told)"),
    RuleConfig(id="navalny", query="Навальн* OR Navaln*"),
    RuleConfig(id="icc", query='=ICC OR "International Criminal Court"', aliases={"ICC": ["МУС"]}),
    RuleConfig(id="title-only", query="title:kremlin -sport"),
]


def saved(tmp_path: Path, rules: list[RuleConfig]) -> tuple[Path, str]:
    key = rules_key(rules)
    path = tmp_path / f"{key}.rules"
    save_compiled(Matcher(rules), path, key)
    return path, key


@pytest.mark.parametrize("seed", [1, 2])
def test_a_matcher_read_back_matches_as_the_one_written(tmp_path: Path, seed: int) -> None:
    rules = random_rules(300, seed)
    built = Matcher(rules, SHARED)
    key = rules_key(rules, SHARED)
    save_compiled(built, tmp_path / "r.rules", key)
    loaded = open_compiled(tmp_path / "r.rules", key)
    assert len(loaded) == len(built) == 300
    assert list(loaded.rules) == list(built.rules)  # ids, titles and trees alike
    compiled = list(built.rules)
    matched = 0
    for n, doc in enumerate(random_documents(60, seed)):
        expected = [r.rule_id for r in compiled if holds(r.node, DocumentIndex(doc))]
        assert loaded.match_ids(doc) == built.match_ids(doc) == expected
        if n % 6 == 0:
            assert loaded.match(doc) == built.match(doc)
        matched += len(expected)
    assert matched > 100  # not vacuous


def test_hits_carry_ids_and_titles_as_written(tmp_path: Path) -> None:
    path, key = saved(tmp_path, RULES)
    loaded = open_compiled(path, key)
    doc = Document(title="Kremlin", text="Peskov told reporters; the ICC and Навальный")
    assert [(h.rule_id, h.rule_title) for h in loaded.match(doc)] == [
        ("peskov", "Peskov speaks"),
        ("navalny", "navalny"),
        ("icc", "icc"),
        ("title-only", "title-only"),
    ]


def test_the_key_names_the_rules_their_aliases_and_people() -> None:
    key = rules_key(RULES, SHARED)
    assert rules_key(list(RULES), dict(SHARED)) == key
    changed = [
        rules_key([*RULES[:3], RuleConfig(id="title-only", query="title:kremlin -sports")], SHARED),
        rules_key([*RULES[:3], RuleConfig(id="title-only", title="T", query="title:kremlin -sport")], SHARED),
        rules_key([RULES[1], RULES[0], *RULES[2:]], SHARED),
        rules_key(RULES[:3], SHARED),
        rules_key([*RULES[:2], RuleConfig(id="icc", query=RULES[2].query, aliases={"ICC": ["CPI"]})], SHARED),
        rules_key(RULES, {**SHARED, "Peskov": ["Peskow"]}),
        rules_key(RULES, SHARED, {"peskov": Person(names=("Peskov",))}),
        rules_key(RULES, SHARED, {"peskov": Person(names=("Peskov",), context="Kremlin")}),
    ]
    assert len({key, *changed}) == len(changed) + 1


def test_a_missing_file_is_unusable_and_said_to_be_missing(tmp_path: Path) -> None:
    with pytest.raises(Unusable) as caught:
        open_compiled(tmp_path / "none.rules", rules_key(RULES))
    assert caught.value.missing


def test_a_file_compiled_for_other_rules_is_not_read(tmp_path: Path) -> None:
    path, _ = saved(tmp_path, RULES)
    with pytest.raises(Unusable, match="compiled for other rules") as caught:
        open_compiled(path, rules_key(RULES[:3]))
    assert not caught.value.missing


@pytest.mark.parametrize("where", [0.05, 0.5, 0.95])
def test_a_corrupt_file_is_not_read(tmp_path: Path, where: float) -> None:
    path, key = saved(tmp_path, RULES)
    image = bytearray(path.read_bytes())
    image[100 + int((len(image) - 101) * where)] ^= 0x40  # past the header: its checksum tells
    path.write_bytes(bytes(image))
    with pytest.raises(Unusable, match="corrupt"):
        open_compiled(path, key)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda image: image[: len(image) // 2], "corrupt"),  # a copy cut short
        (lambda image: image[:40], "too short"),
        (lambda image: b"", "too short"),
        (lambda image: b"x" * len(MAGIC) + image[len(MAGIC) :], "not a compiled rules file"),
        (lambda image: image[:8] + (99).to_bytes(4, "little") + image[12:], "format 99"),
    ],
)
def test_a_damaged_file_is_not_read(tmp_path: Path, damage: Callable[[bytes], bytes], reason: str) -> None:
    path, key = saved(tmp_path, RULES)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(Unusable, match=reason):
        open_compiled(path, key)


def test_saving_replaces_the_file_whole_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path, key = saved(tmp_path, RULES)
    mapped = open_compiled(path, key)  # a reader of the old file keeps reading it
    other = RULES[:2]
    save_compiled(Matcher(other), path, rules_key(other))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert [r.rule_id for r in open_compiled(path, rules_key(other)).rules] == ["peskov", "navalny"]
    assert len(mapped) == 4 and mapped.match_ids(Document(title="", text="Peskov said")) == ["peskov"]


def test_an_image_in_memory_reads_as_the_file(tmp_path: Path) -> None:
    path, key = saved(tmp_path, RULES)
    image = memoryview(path.read_bytes())
    assert list(read_compiled(image, key).rules) == list(Matcher(RULES).rules)


def test_rules_with_one_query_share_one_tree_and_each_still_hits() -> None:
    rules = [
        RuleConfig(id="a", title="A", query="Peskov NEAR/5 said"),
        RuleConfig(id="b", query="Navalny"),
        RuleConfig(id="c", title="C", query="PESKOV NEAR/5 Said"),  # the same tree, written otherwise
    ]
    matcher = Matcher(rules)
    assert len(matcher) == 3
    hits = matcher.match(Document(title="", text="Peskov said so"))
    assert [(h.rule_id, h.rule_title) for h in hits] == [("a", "A"), ("c", "C")]
    assert hits[0].matches == hits[1].matches
    assert [r.rule_id for r in matcher.rules] == ["a", "b", "c"]
    assert matcher.sections["tree_of"] == array("I", [0, 1, 0]).tobytes()


def test_what_is_kept_for_next_time_is_bounded_and_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matcher_module, "KEPT_MAX", 3)
    monkeypatch.setattr(prefilter_module, "_KEPT_MAX", 2)
    rules = random_rules(100, 5)
    matcher = Matcher(rules, SHARED)
    compiled = list(matcher.rules)
    candidates: set[int] = set()
    for doc in random_documents(30, 5):
        assert matcher.match_ids(doc) == [r.rule_id for r in compiled if holds(r.node, DocumentIndex(doc))]
        found = matcher.prefilter.candidates(DocumentIndex(doc))
        candidates |= set(found)
        assert len(matcher._checks) <= max(3, len(found))  # forgotten, but for this document's
    assert len(candidates) > 10  # not vacuous: far more were compiled than kept
