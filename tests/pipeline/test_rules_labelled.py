"""The labelled documents of the seeded rules (bench/rules/dev.yaml, and test.yaml once it exists)
are well-formed, and bench/rules.py counts true and false alerts and misses right.

Nothing here asserts how well the current rules do: they are tuned against the DEV part.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

import bench.rules as bench_rules
from bench.rules import CORPUS, DEV, LANGS, SETS, TEST, build_matcher, load_docs, score, to_document
from pipeline.config import RuleConfig, load_rules
from pipeline.rules import Matcher

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"id", "set", "lang", "title", "text", "seed", "corpus", "match", "why"}
SOURCES = ("text", "seed", "corpus")

SPLITS = [pytest.param(path, id=path.stem) for path in (DEV, TEST) if path.exists()]


def manifest() -> dict[str, dict[str, Any]] | None:
    path = CORPUS / "manifest.jsonl"
    if not path.exists():
        return None
    return {r["id"]: r for r in map(json.loads, path.read_text("utf-8").splitlines()) if r}


# --- the files ---------------------------------------------------------------------------------


def test_the_sets_are_the_seeded_rules() -> None:
    assert [r.id for r in load_rules(ROOT / "config" / "rules.yaml").rules] == list(SETS)


@pytest.mark.parametrize("path", SPLITS)
def test_every_document_is_well_formed(path: Path) -> None:
    rule_ids = {r.id for r in load_rules(ROOT / "config" / "rules.yaml").rules}
    expected_seeds = yaml.safe_load((ROOT / "seeds" / "expected.yaml").read_text("utf-8"))["alerts"]
    rows = manifest()
    docs = load_docs(path)
    for doc in docs:
        assert isinstance(doc, dict) and set(doc) <= KEYS, doc
        assert isinstance(doc.get("id"), str) and doc["id"], doc
        assert doc["id"].startswith("t-") == (path == TEST), doc["id"]  # test ids and only they
        assert doc.get("set") in SETS, doc["id"]
        assert doc.get("lang") in LANGS, doc["id"]
        assert isinstance(doc.get("why"), str) and doc["why"].strip(), doc["id"]
        match = doc.get("match")
        assert isinstance(match, list) and len(set(match)) == len(match), doc["id"]
        assert set(match) <= rule_ids, doc["id"]
        assert [s for s in SOURCES if s in doc] in (["text"], ["seed"], ["corpus"]), doc["id"]
        assert isinstance(doc.get("title", ""), str), doc["id"]
        if "text" in doc:
            assert isinstance(doc["text"], str) and doc["text"].strip(), doc["id"]
        if "seed" in doc:
            assert (ROOT / "seeds" / doc["seed"]).is_file(), doc["id"]
            assert set(match) == set(expected_seeds[doc["seed"]]), doc["id"]  # seeds/expected.yaml
        if "corpus" in doc and rows is not None:
            assert doc["corpus"] in rows, doc["id"]
            assert str(rows[doc["corpus"]].get("truth_path") or "").endswith(".txt"), doc["id"]
    texts = [d["text"] for d in docs if "text" in d]
    assert len(set(texts)) == len(texts), "a text written twice"
    pages = [d.get("seed") or d.get("corpus") for d in docs if "text" not in d]
    assert len(set(pages)) == len(pages), "a seed or corpus page listed twice"


def test_ids_are_unique_across_both_files() -> None:
    ids = [d["id"] for path in (DEV, TEST) if path.exists() for d in load_docs(path)]
    assert [i for i, n in Counter(ids).items() if n > 1] == []


@pytest.mark.parametrize("path", SPLITS)
def test_each_set_is_big_enough(path: Path) -> None:
    """DEV holds the issue's 100 documents a rule by itself; a blind TEST part 40 or more (12 a
    language), enough to tell a rule's misses from noise."""
    sizes = Counter(d["set"] for d in load_docs(path))
    assert all(sizes[s] >= (100 if path == DEV else 40) for s in SETS), sizes


def test_dev_sets_are_balanced_across_languages_and_labels() -> None:
    docs = load_docs(DEV)
    for rule_id in SETS:
        own = [d for d in docs if d["set"] == rule_id]
        by_lang = Counter(d["lang"] for d in own)
        assert all(by_lang[lang] >= 10 for lang in LANGS), (rule_id, by_lang)
        positives = sum(rule_id in d["match"] for d in own)
        assert 0.4 <= positives / len(own) <= 0.6, (rule_id, positives, len(own))  # about half
    assert {d["seed"] for d in docs if "seed" in d} == {p.name for p in (ROOT / "seeds").glob("*.txt")}
    assert sum("corpus" in d for d in docs) >= 15


def test_seed_documents_read_as_the_demo_reads_them() -> None:
    (doc,) = (d for d in load_docs(DEV) if d.get("seed", "").startswith("002_"))
    document = to_document(doc, None)
    assert document is not None
    title, _, text = (ROOT / "seeds" / doc["seed"]).read_text("utf-8").partition("\n")
    assert (document.title, document.text) == (title, text)


def test_a_corpus_document_is_skipped_without_the_corpus(tmp_path: Path) -> None:
    doc = {"id": "c", "set": "icc", "lang": "en", "corpus": "aeb-833caf3bdba5", "match": ["icc"], "why": "x"}
    result = score([doc], build_matcher(), corpus=tmp_path / "absent")
    assert (result.docs, result.skipped) == (0, ["c"])
    assert result.figures()["rules"]["icc"]["docs"] == 0


# --- the scoring ---------------------------------------------------------------------------------


def fruit_matcher() -> Matcher:
    rules = [
        RuleConfig(id="apple", title="Apples", query="apple"),
        RuleConfig(id="banana", title="Bananas", query="banana"),
    ]
    return Matcher(rules, {})


def doc(doc_id: str, text: str, match: list[str], lang: str = "en", set_: str = "apple") -> dict[str, Any]:
    return {"id": doc_id, "set": set_, "lang": lang, "title": "", "text": text, "match": match, "why": doc_id}


FRUIT = [
    doc("tp", "An apple a day.", ["apple"]),
    doc("fp", "Ein Bananenbrot? No: a banana.", [], lang="de", set_="banana"),
    doc("fn", "A pear, not the fruit asked for.", ["apple"]),
    doc("tn", "Nothing here.", []),
    doc("both", "Apple and banana.", ["apple", "banana"], lang="de", set_="banana"),
]


def test_true_and_false_alerts_and_misses_are_counted_per_rule() -> None:
    result = score(FRUIT, fruit_matcher(), rule_ids=("apple", "banana"))
    figures = result.figures()
    assert figures["docs"] == 5 and figures["skipped"] == 0
    apple, banana = figures["rules"]["apple"], figures["rules"]["banana"]
    assert {k: apple[k] for k in ("tp", "fp", "fn", "precision", "recall", "docs")} == {
        "tp": 2, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.667, "docs": 3,
    }  # fmt: skip
    assert {k: banana[k] for k in ("tp", "fp", "fn", "precision", "recall", "docs")} == {
        "tp": 1, "fp": 1, "fn": 0, "precision": 0.5, "recall": 1.0, "docs": 2,
    }  # fmt: skip
    # per language: the German documents hold banana's false alert and both rules' "both"
    assert banana["by_lang"] == {
        "de": {"tp": 1, "fp": 1, "fn": 0, "precision": 0.5, "recall": 1.0},
        "en": {"tp": 0, "fp": 0, "fn": 0, "precision": None, "recall": None},
    }
    assert list(apple["by_lang"]) == ["en", "de"]  # in the order of LANGS
    assert apple["by_lang"]["en"] == {"tp": 1, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.5}


def test_errors_name_the_document_and_a_false_alert_says_why() -> None:
    result = score(FRUIT, fruit_matcher(), rule_ids=("apple", "banana"))
    assert sorted((e.kind, e.rule_id, e.doc_id) for e in result.errors) == [
        ("FN", "apple", "fn"),
        ("FP", "banana", "fp"),
    ]
    (false,) = (e for e in result.errors if e.kind == "FP")
    assert false.describe().splitlines() == ["FP banana            fp            (fp)", "    text: banana"]


def test_a_rule_missing_from_the_file_misses_its_documents() -> None:
    docs = [*FRUIT, doc("cherry", "A cherry.", ["cherry"], set_="cherry")]
    cherry = score(docs, fruit_matcher(), rule_ids=("apple", "cherry")).figures()["rules"]["cherry"]
    assert {k: cherry[k] for k in ("tp", "fp", "fn", "precision", "recall", "docs")} == {
        "tp": 0, "fp": 0, "fn": 1, "precision": None, "recall": 0.0, "docs": 1,
    }  # fmt: skip


def test_show_prints_dev_errors_but_nothing_of_the_test_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        yaml.safe_dump({"rules": [{"id": "apple", "title": "A", "query": "apple"}]}), encoding="utf-8"
    )
    dev, test = tmp_path / "dev.yaml", tmp_path / "test.yaml"
    dev.write_text(yaml.safe_dump({"docs": [doc("dev-miss", "a pear", ["apple"])]}), encoding="utf-8")
    test.write_text(yaml.safe_dump({"docs": [doc("t-miss", "a plum", ["apple"])]}), encoding="utf-8")
    monkeypatch.setattr(bench_rules, "DEV", dev)
    monkeypatch.setattr(bench_rules, "TEST", test)
    monkeypatch.setattr(bench_rules, "SETS", ("apple",))
    monkeypatch.setattr(sys, "argv", ["rules.py", "--rules", str(rules), "--show"])
    bench_rules.main()
    out, err = capsys.readouterr()
    figures = json.loads(out)
    assert figures["dev"]["rules"]["apple"]["fn"] == 1
    assert figures["test"]["rules"]["apple"]["fn"] == 1
    assert "dev-miss" in err
    assert "t-miss" not in err and "plum" not in err
