"""Statement attribution on the labelled set (bench/statements/cases.yaml): speaker precision and
recall, and the cost per article on the corpus. One JSON line:

    python bench/statements.py            # the figures
    python bench/statements.py --show     # and every miss and false statement, for people

A found statement is right when its content holds a labelled statement's `says` and its identity
(mention, apposition, the person it refers back to) holds every word of the label's `who`; each
label and each found statement is paired at most once. Precision: right / found; recall: right /
labelled. The cost is `statements(text)` over every corpus page's truth text (median, p95, ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.rules.text import words  # noqa: E402
from pipeline.statements import Statement, statements  # noqa: E402

CASES = ROOT / "bench" / "statements" / "cases.yaml"
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"


@dataclass(frozen=True)
class Label:
    case: str
    who: str
    says: str


def case_text(case: dict[str, Any], corpus: Path = CORPUS) -> str | None:
    """A case's text: written, a seed, or a corpus page's truth text cut before `until` (None
    when the corpus is absent)."""
    if "text" in case:
        return str(case["text"])
    if "seed" in case:
        return (ROOT / "seeds" / case["seed"]).read_text("utf-8")
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        return None
    row = next(
        r for r in map(json.loads, manifest.read_text("utf-8").splitlines()) if r["id"] == case["corpus"]
    )
    text = (corpus / row["truth_path"]).read_text("utf-8")
    cut = text.find(case["until"]) if case.get("until") else -1
    if case.get("until") and cut == -1:
        raise ValueError(f"case {case['id']}: {case['until']!r} is not in {row['truth_path']}")
    return text[:cut] if cut != -1 else text


def _holds(inside: str, part: str) -> bool:
    """Whether the words of `part` occur in `inside`, in order and together (folded)."""
    a, b = words(inside), words(part)
    return bool(b) and any(a[i : i + len(b)] == b for i in range(len(a) - len(b) + 1))


def right(found: Statement, label: Label) -> bool:
    ident = set(words(found.identity))
    return _holds(found.content, label.says) and set(words(label.who)) <= ident


def evaluate(cases: list[dict[str, Any]]) -> dict[str, Any]:
    labelled = found_total = correct = 0
    misses: list[str] = []
    false: list[str] = []
    skipped = []
    for case in cases:
        text = case_text(case)
        if text is None:
            skipped.append(case["id"])
            continue
        labels = [Label(case["id"], s["who"], s["says"]) for s in case.get("statements") or []]
        found = statements(text)
        labelled += len(labels)
        found_total += len(found)
        free = list(found)
        for label in labels:
            match = next((f for f in free if right(f, label)), None)
            if match is None:
                misses.append(f"{case['id']}: missed {label.who!r} says {label.says!r}")
            else:
                free.remove(match)
                correct += 1
        false += [f"{case['id']}: false {f.identity!r} {f.verb!r}: {f.content[:90]!r}" for f in free]
    return {
        "cases": len(cases) - len(skipped), "labelled": labelled, "found": found_total, "right": correct,
        "precision": round(correct / found_total, 3) if found_total else None,
        "recall": round(correct / labelled, 3) if labelled else None,
        "skipped": skipped, "misses": misses, "false": false,
    }  # fmt: skip


def cost(corpus: Path = CORPUS) -> dict[str, Any]:
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        return {"articles": 0}
    times = []
    for row in map(json.loads, manifest.read_text("utf-8").splitlines()):
        path = corpus / (row.get("truth_path") or "")
        if not row.get("truth_path") or path.suffix != ".txt" or not path.exists():
            continue
        text = path.read_text("utf-8", "replace")
        t = time.perf_counter()
        statements(text)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "articles": len(times),
        "ms_median": round(statistics.median(times), 3),
        "ms_p95": round(times[int(len(times) * 0.95)], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every miss and false statement")
    args = parser.parse_args()
    cases = yaml.safe_load(CASES.read_text("utf-8"))["cases"]
    figures = evaluate(cases)
    if args.show:
        for line in figures["misses"] + figures["false"]:
            print(line, file=sys.stderr)
    out = {k: v for k, v in figures.items() if k not in ("misses", "false")}
    out.update(cost())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
