"""How well and how cheaply articles are merged into stories. One JSON line.

    python bench/stories.py [--copies 150] [--sweep]

Builds the labelled set of bench/story_set.py from ../shared/corpus, bench/stories/ and seeds/,
then places every article, in a shuffled order, through the real story index
(workers.store.stories.place_article) in a fresh embedded Redis, with the default thresholds:

    pair_precision   of the pairs placed in one story, the share that are one story in truth
    pair_recall      of the pairs that are one story in truth, the share placed in one story
    wrong_merges     pairs placed in one story that are not (the target is 0), with their ids
    recall_by_kind   per kind of near-copy: the share placed with its original
    ms_per_article   median wall time of fingerprint + placement (both Redis round trips)
    bytes_per_article  Redis memory (used_memory) added per article placed

--sweep adds, per threshold pair, the same pair figures computed without Redis from the
signatures (a pair merges when it shares an LSH band and passes the thresholds), to choose the
defaults from.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.story_set import Item, build  # noqa: E402
from pipeline.models import StoryCopy  # noqa: E402
from pipeline.stories import StoryPolicy, fingerprint, similarity  # noqa: E402
from workers.redis_embedded import EmbeddedRedis  # noqa: E402
from workers.services import connect  # noqa: E402
from workers.store.stories import member_id, place_article  # noqa: E402

BASE_TIME = 1_800_000_000.0


def pair_figures(items: list[Item], story_of: dict[str, str]) -> dict[str, object]:
    groups: dict[str, list[str]] = defaultdict(list)
    for item in items:
        groups[item.group].append(item.id)
    true_pairs = sum(len(g) * (len(g) - 1) // 2 for g in groups.values())
    placed: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        placed[story_of[item.id]].append(item)
    merged_true = wrong = 0
    wrong_pairs = []
    for members in placed.values():
        for a, b in itertools.combinations(members, 2):
            if a.group == b.group:
                merged_true += 1
            else:
                wrong += 1
                wrong_pairs.append([a.id, b.id])
    by_id = {i.id: i for i in items}
    kinds: dict[str, list[bool]] = defaultdict(list)
    for item in items:
        if "~" in item.id:
            original = by_id.get(item.id.split("~")[0])
            if original is not None:
                kinds[item.kind].append(story_of[item.id] == story_of[original.id])
        elif item.kind in ("topic-copy", "capture") and item.id != item.group:
            first = next(i for i in items if i.group == item.group and i.id != item.id)
            kinds[item.kind].append(story_of[item.id] == story_of[first.id])
    return {
        "pair_precision": round(merged_true / (merged_true + wrong), 4) if merged_true + wrong else 1.0,
        "pair_recall": round(merged_true / true_pairs, 4) if true_pairs else 1.0,
        "true_pairs": true_pairs,
        "wrong_merges": wrong,
        "wrong_pairs": wrong_pairs[:20],
        "recall_by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(kinds.items())},
    }


def run_index(items: list[Item], policy: StoryPolicy) -> tuple[dict[str, str], list[float], float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp))
        redis = connect(server.start())
        try:
            redis.config_set("appendonly", "no")
            before = int(redis.info("memory")["used_memory"])
            story_of, times = {}, []
            for n, item in enumerate(items):
                now = BASE_TIME + n  # an article a second: all within the window
                copy = StoryCopy(
                    source=item.source, url=f"https://example.org/{n}", title=item.title, seen=""
                )
                started = time.perf_counter()
                fp = fingerprint(item.title, item.text, copy.url, policy.min_words)
                placed = place_article(redis, fp, member_id(item.id), copy, policy, now, 7 * 86400)
                times.append((time.perf_counter() - started) * 1000)
                story_of[item.id] = placed.story_id
            used = int(redis.info("memory")["used_memory"]) - before
        finally:
            server.stop()
    return story_of, times, used / len(items)


def sweep(items: list[Item], policy: StoryPolicy) -> list[dict[str, float | int | None]]:
    prints = {i.id: fingerprint(i.title, i.text, None, policy.min_words) for i in items}
    by_band: dict[bytes, list[str]] = defaultdict(list)
    for item_id, fp in prints.items():
        for band in fp.bands:
            by_band[band].append(item_id)
    candidates = {tuple(sorted(p)) for ids in by_band.values() for p in itertools.combinations(ids, 2)}
    group = {i.id: i.group for i in items}
    scored = []
    for a, b in candidates:
        fa, fb = prints[a], prints[b]
        assert fa.signature is not None and fb.signature is not None
        scored.append(
            (group[a] == group[b], *similarity(fa.signature, fa.shingles, fb.signature, fb.shingles))
        )
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(group.values()).values())
    rows: list[dict[str, float | int | None]] = []
    for jaccard in (0.3, 0.4, 0.5, 0.6, 0.7):
        for containment in (0.6, 0.7, 0.8, 0.9, 1.01):
            hit = [same for same, j, c in scored if j >= jaccard or c >= containment]
            right = sum(hit)
            rows.append({
                "jaccard": jaccard, "containment": containment if containment <= 1 else None,
                "precision": round(right / len(hit), 4) if hit else 1.0,
                "recall": round(right / true_pairs, 4), "wrong": len(hit) - right,
            })  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=150, help="originals given near-copies")
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not (corpus / "articles" / "manifest.jsonl").exists():
        sys.exit(f"bench/stories.py: no corpus at {corpus}")
    items = build(corpus, ROOT / "seeds", args.copies)
    random.Random(11).shuffle(items)
    policy = StoryPolicy()
    story_of, times, per_article = run_index(items, policy)
    out: dict[str, object] = {
        "articles": len(items),
        "stories_true": len({i.group for i in items}),
        "stories_placed": len(set(story_of.values())),
        **pair_figures(items, story_of),
        "ms_per_article": round(statistics.median(times), 3),
        "ms_p90": round(sorted(times)[int(len(times) * 0.9)], 3),
        "bytes_per_article": round(per_article),
        "thresholds": {
            "jaccard": policy.jaccard,
            "containment": policy.containment,
            "min_words": policy.min_words,
        },
    }
    if args.sweep:
        out["sweep"] = sweep(items, policy)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
