"""The seeded rules (config/rules.yaml) on their labelled documents: per rule, true and false
alerts and misses, precision and recall, on the DEV part and on the TEST part. One JSON line:

    python bench/rules.py                    # the figures
    python bench/rules.py --show             # and, on stderr, every false alert and miss of DEV
    python bench/rules.py --rules FILE       # another rules file (a candidate tuning)
    python bench/rules.py --dev-only         # no TEST figures (while tuning)

The documents: bench/rules/dev.yaml (tuned on) and bench/rules/test.yaml (written apart and never
tuned on; skipped when absent). Each document belongs to one rule's labelled set (its topic and
look-alikes of it, in English, Russian, Ukrainian and German) and lists in `match` every rule that
must alert on it, by the users' intent. Its text is written in the file, a seed (`seed:`, first
line the title, as `wirewatch demo` reads them) or a corpus page's truth text (`corpus:`; skipped,
and counted as skipped, when ../shared/corpus is absent).

Every document is matched once with the rules file (shared aliases, people and all, as the
workers load it) and judged for each of the three seeded rules, whichever set it belongs to: a
rule that alerts and is in `match` is a true positive, one that alerts and is not a false
positive, one in `match` that does not alert a false negative. Precision: tp / (tp + fp); recall:
tp / (tp + fn); None when undefined. `docs` is the size of the rule's own set; `by_lang` the same
counts over the documents of each language.

The cost: `load_s`, loading the rules file and building the matcher in this process (the Russian
and Ukrainian dictionaries that decline `names` included: pipeline.rules.inflection), and
`ms_median`/`ms_p95`, `Matcher.match` over every corpus page's truth text (statements found
included: the spokesman rule is a statement rule), each page's fastest of 3.

`--show` prints the DEV part's errors only: the id, the label's note (`why`), and for a false
alert the rule's explanation (per field, the matched terms). The TEST part's figures are printed
but never its documents: it must stay untuned, so nothing of it should guide a change of the rules.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.statements import cost as corpus_cost  # noqa: E402
from pipeline.config import load_rules, person_variants  # noqa: E402
from pipeline.models import RuleHit  # noqa: E402
from pipeline.rules import Document, Matcher  # noqa: E402

RULES = ROOT / "config" / "rules.yaml"
DEV = ROOT / "bench" / "rules" / "dev.yaml"
TEST = ROOT / "bench" / "rules" / "test.yaml"
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
SEEDS = ROOT / "seeds"

SETS = ("kremlin-spokesman", "icc", "navalny")  # the seeded rules, each with its labelled set
LANGS = ("en", "ru", "uk", "de")


def load_docs(path: Path) -> list[dict[str, Any]]:
    """The `docs:` list of a labelled file."""
    docs = yaml.safe_load(path.read_text("utf-8"))["docs"]
    assert isinstance(docs, list), path
    return docs


def _corpus_rows(corpus: Path) -> dict[str, dict[str, Any]] | None:
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        return None
    rows = (json.loads(line) for line in manifest.read_text("utf-8").splitlines() if line.strip())
    return {row["id"]: row for row in rows}


def to_document(
    doc: dict[str, Any], corpus_rows: dict[str, dict[str, Any]] | None, corpus: Path = CORPUS
) -> Document | None:
    """What the rules see of a labelled document; None for a corpus page when the corpus is absent."""
    lang = str(doc.get("lang", ""))
    if "seed" in doc:
        title, _, text = (SEEDS / doc["seed"]).read_text("utf-8").partition("\n")
        return Document(title=title, text=text, lang=lang)
    if "corpus" in doc:
        if corpus_rows is None:
            return None
        row = corpus_rows[doc["corpus"]]
        truth = str(row.get("truth_path") or "")
        if not truth.endswith(".txt"):
            raise ValueError(f"doc {doc['id']}: corpus page {doc['corpus']} has no plain-text truth")
        text = (corpus / truth).read_text("utf-8")
        return Document(title=str(doc.get("title") or ""), text=text, lang=lang)
    return Document(title=str(doc.get("title") or ""), text=str(doc["text"]), lang=lang)


def build_matcher(rules_path: Path = RULES) -> Matcher:
    """The rules file's matcher, loaded as tests/pipeline/test_rules_seeds.py loads it."""
    loaded = load_rules(rules_path)
    return Matcher(loaded.rules, loaded.aliases, people=person_variants(loaded.people))


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, expected: bool, alerted: bool) -> None:
        self.tp += expected and alerted
        self.fp += alerted and not expected
        self.fn += expected and not alerted

    def figures(self) -> dict[str, Any]:
        found, labelled = self.tp + self.fp, self.tp + self.fn
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn,
            "precision": round(self.tp / found, 3) if found else None,
            "recall": round(self.tp / labelled, 3) if labelled else None,
        }  # fmt: skip


@dataclass
class Error:
    """A false alert (with the rule's hit) or a miss, for `--show`."""

    doc_id: str
    rule_id: str
    kind: str  # "FP" or "FN"
    why: str
    hit: RuleHit | None = None

    def describe(self) -> str:
        line = f"{self.kind} {self.rule_id:<17} {self.doc_id:<13} ({self.why})"
        if self.hit is not None:
            line += "".join(f"\n    {m.field}: {' | '.join(m.terms)}" for m in self.hit.matches)
        return line


@dataclass
class Score:
    docs: int = 0
    skipped: list[str] = field(default_factory=list)
    per_rule: dict[str, Counts] = field(default_factory=dict)
    per_lang: dict[str, dict[str, Counts]] = field(default_factory=dict)
    set_sizes: dict[str, int] = field(default_factory=dict)
    errors: list[Error] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        rules = {}
        for rule_id, counts in self.per_rule.items():
            langs = self.per_lang[rule_id]
            rules[rule_id] = {
                **counts.figures(),
                "docs": self.set_sizes.get(rule_id, 0),
                "by_lang": {lang: langs[lang].figures() for lang in sorted(langs, key=_lang_order)},
            }
        return {"docs": self.docs, "skipped": len(self.skipped), "rules": rules}


def _lang_order(lang: str) -> tuple[int, str]:
    return (LANGS.index(lang) if lang in LANGS else len(LANGS), lang)


def score(
    docs: Iterable[dict[str, Any]],
    matcher: Matcher,
    rule_ids: Sequence[str] = SETS,
    corpus: Path = CORPUS,
) -> Score:
    """Match every document and count, per rule of `rule_ids`, its true and false alerts and misses."""
    out = Score(per_rule={r: Counts() for r in rule_ids}, per_lang={r: {} for r in rule_ids})
    rows = _corpus_rows(corpus)
    for doc in docs:
        document = to_document(doc, rows, corpus)
        if document is None:
            out.skipped.append(doc["id"])
            continue
        out.docs += 1
        out.set_sizes[doc["set"]] = out.set_sizes.get(doc["set"], 0) + 1
        hits = {h.rule_id: h for h in matcher.match(document)}
        expected = set(doc.get("match") or [])
        for rule_id in rule_ids:
            want, got = rule_id in expected, rule_id in hits
            out.per_rule[rule_id].add(want, got)
            out.per_lang[rule_id].setdefault(doc["lang"], Counts()).add(want, got)
            if want != got:
                kind = "FP" if got else "FN"
                out.errors.append(Error(doc["id"], rule_id, kind, str(doc.get("why", "")), hits.get(rule_id)))
    return out


def cost(matcher: Matcher, corpus: Path = CORPUS) -> dict[str, Any]:
    """`Matcher.match` per corpus page (its truth text), ms: median and p95 of each page's best of 3."""
    return corpus_cost(corpus, lambda text: matcher.match(Document(title="", text=text)), runs=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rules", type=Path, default=RULES, help="the rules file to score (default: config/rules.yaml)"
    )
    parser.add_argument("--show", action="store_true", help="print each false alert and miss of the DEV part")
    parser.add_argument("--dev-only", action="store_true", help="leave the TEST part out (while tuning)")
    args = parser.parse_args()
    started = time.perf_counter()
    matcher = build_matcher(args.rules)
    out: dict[str, Any] = {"rules_file": str(args.rules), "load_s": round(time.perf_counter() - started, 3)}
    out.update(cost(matcher))
    for split, path in (("dev", DEV), ("test", TEST)):
        if not path.exists() or (split == "test" and args.dev_only):
            continue
        result = score(load_docs(path), matcher, SETS)
        out[split] = result.figures()
        if args.show and split == "dev":  # never the test part's documents: it stays untuned
            for error in sorted(result.errors, key=lambda e: (e.rule_id, e.kind, e.doc_id)):
                print(error.describe(), file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
