"""Statement attribution on the labelled set: speaker precision and recall per split, language
and form, and the cost per article on the corpus. One JSON line:

    python bench/statements.py            # the figures
    python bench/statements.py --show     # and every miss and false statement of DEV, for people

The set has two parts: DEV (bench/statements/dev.yaml), which the attributor is tuned on, and
TEST (bench/statements/test.yaml, ids starting with "t-"), written apart and never tuned on: its
figures are reported, its misses and false statements never shown (a part that is absent is
skipped). A found statement is right when its content holds a labelled statement's `says` and
its identity (mention, apposition, the person it refers back to) holds every word of the label's
`who`; each label and each found statement is paired at most once, a found statement of the
label's form first. Precision: right / found; recall: right / labelled; per language (the case's
`lang`), per form (recall over the labels of a form, precision over the statements found in that
form, `Statement.form` mapped to the label forms by `FORMS`), and the recall of the labels whose
speaker the text names by surname alone. The cost is `statements(text)` over every corpus page's
truth text (median, p95, ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.rules.inflection import name_lemmas  # noqa: E402
from pipeline.rules.text import words  # noqa: E402
from pipeline.statements import Statement, statements  # noqa: E402

DEV = ROOT / "bench" / "statements" / "dev.yaml"
TEST = ROOT / "bench" / "statements" / "test.yaml"
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
TEST_PREFIX = "t-"  # the ids of TEST cases start with it, DEV's never

# `Statement.form` -> the label form it is scored as (notes: labels.md). Each form the attributor
# has is one of the labels'; a form it gained without a label form here would count as itself.
FORMS = {
    "quote": "quote",
    "reported": "reported",
    "according-to": "according-to",
    "headline": "headline",
    "passive": "passive",
    "coordinated": "coordinated",
    "refusal": "refusal",
    "named-later": "named-later",
    "absolute": "absolute",
}


@dataclass(frozen=True)
class Label:
    case: str
    who: str
    says: str
    form: str = ""
    surname_only: bool = False


def load(path: Path) -> list[dict[str, Any]]:
    """The cases of one part of the set ([] when the file is absent)."""
    if not path.exists():
        return []
    return list(yaml.safe_load(path.read_text("utf-8"))["cases"])


def splits(dev: Path = DEV, test: Path = TEST) -> dict[str, list[dict[str, Any]]]:
    """The parts of the set, DEV and (when present) TEST, their ids checked: unique across both,
    TEST's starting with "t-" and DEV's not."""
    parts = {"dev": load(dev), "test": load(test)}
    seen: set[str] = set()
    for name, cases in parts.items():
        for case in cases:
            cid = str(case["id"])
            if cid in seen:
                raise ValueError(f"case id {cid!r} is not unique")
            if cid.startswith(TEST_PREFIX) != (name == "test"):
                raise ValueError(f"case {cid!r} in {name}: only test ids start with {TEST_PREFIX!r}")
            seen.add(cid)
    return {name: cases for name, cases in parts.items() if cases or name == "dev"}


def case_text(case: dict[str, Any], corpus: Path = CORPUS) -> str | None:
    """A case's text: written, a seed, or a corpus page's truth text cut before `until` (None
    when the corpus is absent)."""
    if "text" in case:
        return str(case["text"])
    if "seed" in case:
        return (ROOT / "seeds" / str(case["seed"])).read_text("utf-8")
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        return None
    row = next(
        r for r in map(json.loads, manifest.read_text("utf-8").splitlines()) if r["id"] == case["corpus"]
    )
    text = (corpus / str(row["truth_path"])).read_text("utf-8")
    cut = text.find(case["until"]) if case.get("until") else -1
    if case.get("until") and cut == -1:
        raise ValueError(f"case {case['id']}: {case['until']!r} is not in {row['truth_path']}")
    return text[:cut] if cut != -1 else text


def _holds(inside: str, part: str) -> bool:
    """Whether the words of `part` occur in `inside`, in order and together (folded)."""
    a, b = words(inside), words(part)
    return bool(b) and any(a[i : i + len(b)] == b for i in range(len(a) - len(b) + 1))


def right(found: Statement, label: Label) -> bool:
    """Whether `found` is the statement `label` names: its content holds what was said, and each
    word of `who` is one of its identity's or a case form of the same name (the label writes
    the speaker as the text does at one mention, "Пескова", the identity may hold another,
    "Песков": the person is the same; a woman's and a man's forms never are)."""
    ident = set(words(found.identity))
    return _holds(found.content, _said(label.says)) and all(_named(w, ident) for w in words(label.who))


# The word that opens a reported clause, which some labels copy with what was said ("dass Moskau
# keinen Frieden wolle") and the attributor leaves out: no part of what was said.
_OPENERS = ("that", "dass", "что", "що")


def _said(says: str) -> str:
    first, _, rest = says.partition(" ")
    return rest if first.lower() in _OPENERS and rest else says


def _named(word: str, ident: set[str]) -> bool:
    return word in ident or any(name_lemmas(word) & name_lemmas(other) for other in ident)


def _pair(found: list[Statement], labels: list[Label]) -> dict[int, int]:
    """Label index -> found index: each paired at most once, a statement found in the label's
    form first (so that a per-form figure counts the form that found it), then any right one."""
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for same_form in (True, False):
        for li, label in enumerate(labels):
            if li in pairs:
                continue
            for fi, f in enumerate(found):
                if fi in taken or (same_form and FORMS.get(f.form, f.form) != label.form):
                    continue
                if right(f, label):
                    pairs[li] = fi
                    taken.add(fi)
                    break
    return pairs


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _tally(rows: Iterable[tuple[str, str, bool]]) -> dict[str, dict[str, Any]]:
    """(key, "label" | "found", right) rows -> per key: labelled, found, right, precision, recall."""
    out: dict[str, dict[str, int]] = {}
    for key, kind, ok in rows:
        t = out.setdefault(key, {"labelled": 0, "found": 0, "right_labels": 0, "right_found": 0})
        t["labelled" if kind == "label" else "found"] += 1
        t["right_labels" if kind == "label" else "right_found"] += ok
    return {
        key: {
            "labelled": t["labelled"], "found": t["found"], "right": t["right_labels"],
            "precision": _ratio(t["right_found"], t["found"]),
            "recall": _ratio(t["right_labels"], t["labelled"]),
        }
        for key, t in sorted(out.items())
    }  # fmt: skip


def evaluate(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of one part of the set: overall, per language, per form, surname alone."""
    labelled = found_total = correct = 0
    misses: list[str] = []
    false: list[str] = []
    skipped = []
    by_lang: list[tuple[str, str, bool]] = []
    by_form: list[tuple[str, str, bool]] = []
    surname = [0, 0]  # labelled, right
    for case in cases:
        text = case_text(case)
        if text is None:
            skipped.append(case["id"])
            continue
        lang = str(case.get("lang", "?"))
        labels = [
            Label(case["id"], s["who"], s["says"], s.get("form", ""), bool(s.get("surname_only")))
            for s in case.get("statements") or []
        ]
        found = statements(text)
        pairs = _pair(found, labels)
        paired = set(pairs.values())
        labelled += len(labels)
        found_total += len(found)
        correct += len(pairs)
        for li, label in enumerate(labels):
            ok = li in pairs
            by_lang.append((lang, "label", ok))
            by_form.append((label.form or "?", "label", ok))
            if label.surname_only:
                surname[0] += 1
                surname[1] += ok
            if not ok:
                misses.append(f"{case['id']}: missed {label.who!r} says {label.says!r} ({label.form})")
        for fi, f in enumerate(found):
            ok = fi in paired
            by_lang.append((lang, "found", ok))
            by_form.append((FORMS.get(f.form, f.form), "found", ok))
            if not ok:
                false.append(f"{case['id']}: false {f.identity!r} {f.verb!r} ({f.form}): {f.content[:90]!r}")
    return {
        "cases": len(cases) - len(skipped), "labelled": labelled, "found": found_total, "right": correct,
        "precision": _ratio(correct, found_total), "recall": _ratio(correct, labelled),
        "by_lang": _tally(by_lang), "by_form": _tally(by_form),
        "surname_only": {
            "labelled": surname[0], "right": surname[1], "recall": _ratio(surname[1], surname[0])
        },
        "skipped": skipped, "misses": misses, "false": false,
    }  # fmt: skip


def cost(corpus: Path = CORPUS, work: Callable[[str], object] = statements, runs: int = 1) -> dict[str, Any]:
    """`work(text)` on every corpus page's truth text, ms: the median and p95 of each page's best
    of `runs` (bench/rules.py times its matcher with it too)."""
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        return {"articles": 0}
    times = []
    for row in map(json.loads, manifest.read_text("utf-8").splitlines()):
        path = corpus / (row.get("truth_path") or "")
        if not row.get("truth_path") or path.suffix != ".txt" or not path.exists():
            continue
        text = path.read_text("utf-8", "replace")
        best = float("inf")
        for _ in range(runs):
            t = time.perf_counter()
            work(text)
            best = min(best, time.perf_counter() - t)
        times.append(best * 1000)
    times.sort()
    return {
        "articles": len(times),
        "ms_median": round(statistics.median(times), 3),
        "ms_p95": round(times[int(len(times) * 0.95)], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every miss and false statement of DEV")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    for name, cases in splits().items():
        figures = evaluate(cases)
        if args.show and name == "dev":  # TEST's are never shown: it is never tuned on
            for line in figures["misses"] + figures["false"]:
                print(line, file=sys.stderr)
        out[name] = {k: v for k, v in figures.items() if k not in ("misses", "false")}
    out.update(cost())
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
