"""Matching speed at 1,000 to 1,000,000 rules, against a naive loop; one JSON line per size.

    python bench/match.py [--sizes 1000,10000,100000,1000000] [--seed 7] [--no-compiled]
    python bench/match.py --words

Articles: the scrapinghub and readability sets of ../shared/corpus (ground-truth body text; the
page's <title> as title). Rules: generated with the whole language (see `generate`): terms,
phrases, AND, OR, NOT, NEAR/ONEAR with statement verbs, prefixes, =exact names, field scopes
and per-rule aliases (plus a shared alias table).

Each size runs in a fresh process, so `peak_rss_mb` is that size's own peak (the articles and
the interpreter included; `base_rss_mb` is the same process before building the matcher).
`build_s` is building the matcher, without generating the rules (`generate_s`: generated
twice, once for the matcher and once for the side that sends the helpers theirs), in
`build_processes` processes (by default, from 20,000 rules on, a helper process per extra CPU
parses chunks of the rules; `--processes 1` builds in this one alone);
`build_child_peak_rss_mb` is the largest helper's peak RSS (pages it shares with this process
included).
`median_ms`/`p95_ms`: deciding which rules match an article (`Matcher.match_ids`: indexing,
prefilter, exact evaluation), the work the naive loop does too, in steady state: each
article's fastest of 3 runs, after a first pass over all articles (`cold_median_ms`: that
pass, which compiles each candidate on first use). `explained_median_ms`/`explained_p95_ms`:
`Matcher.match`, which also builds every match's explanation (hits with offsets, snippet);
`explain_ms_per_match` is the difference over all articles divided by the matches. The
naive baseline evaluates every rule with one compiled regex per rule
(`pipeline.rules.reference`) on a sample of articles; above `--naive-rules` rules it runs a
random sample of that many rules and scales the time up (`naive_scaled`). Agreement: on every
article, the matcher's result equals the naive evaluator's over every rule (up to
`--check-rules` rules; else over a random sample of that many plus every rule reported).

`--words` instead: one line, the cost of one rule's match by how common its words are. Each
article (its URL made http://127.0.0.1/N, as bench/pipeline.py's are) against one rule at a
time: `url` (`url:127`, no word of the text), `rare` (the article's own rule: up to 20 of its
words found in no other article, OR-ed), `common` (the 20 most frequent words of the corpus,
OR-ed: "the OR to OR and ..."), `common_phrase` (six phrases of them) and `common_near` (a
NEAR of them). An article a rule does not match (a few are not in English) is left out of
that rule's timings (`matched_<kind>`: those kept). `match_<kind>_ms` (and `_p95_ms`):
`Matcher.match_ids`; `explain_<kind>_ms`: `Matcher.match` (the alert's matches: hits,
offsets, snippet); medians of each article's least CPU time of 3 runs, `_p95_ms` and
`_max_ms` of the same; `hits_<kind>`: the median hits shown (title and text).
`agree_<kind>`: on every article, the rule matched as the reference evaluator says, and its
matches are the ones the reference's explanation makes (`reference.reference_hits`: every
hit, found naively, through the same `build_match`; `hits_total` a lower bound of the
reference's count, see highlight.py).

Compiled (unless `--no-compiled`): the matcher is written as a compiled rules file
(pipeline.rules.compiled; `key_s`: its key over the rules, `save_s`, `compiled_mb`) and a fresh
process, with the corpus loaded (`loaded_base_rss_mb`), opens it: `load_s` is the time from the
file to a matcher ready to match (checksum verified), `loaded_rss_mb` that process's peak RSS
then (the file's pages read by the checksum included: they are shared with every process that
maps the file). It then runs the same passes (`loaded_median_ms`, `loaded_explained_median_ms`,
`loaded_cold_median_ms`, ...; `loaded_peak_rss_mb` after them) and must find what the build's
matcher found on every article (`loaded_agree`).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import html
import itertools
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.models import RuleHit  # noqa: E402
from pipeline.rules import Document, Matcher, parse_query, tokenize, words  # noqa: E402
from pipeline.rules.aliases import AliasTable  # noqa: E402
from pipeline.rules.compiled import open_compiled, rules_key, save_compiled  # noqa: E402
from pipeline.rules.highlight import MAX_HITS, build_match  # noqa: E402
from pipeline.rules.index import DocumentIndex  # noqa: E402
from pipeline.rules.nodes import FIELDS, Node  # noqa: E402
from pipeline.rules.parallel import build_processes, parse_in_helpers  # noqa: E402
from pipeline.rules.prefilter import word_cost  # noqa: E402
from pipeline.rules.reference import (  # noqa: E402
    ReferenceMatcher,
    compile_reference,
    haystack,
    needs_segments,
    reference_hits,
)

CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
SETS = ("scrapinghub/article-extraction-benchmark", "mozilla/readability")
VERBS = ["said", "told", "says", "claimed", "denied", "warned", "added", "stated", "announced"]
SHARED_ALIASES = {"Peskov": ["Peskow", "Песков*"], "Navalny": ["Navalnyi", "Навальн*"]}


_ENDINGS = [
    "ovsky",
    "enko",
    "berg",
    "ström",
    "ville",
    "tech",
    "corp",
    "ayev",
    "ović",
    "ington",
    "ardo",
    "quist",
]


class Rule(NamedTuple):
    id: str
    query: str
    aliases: Mapping[str, Sequence[str]]

    @property
    def display_title(self) -> str:
        return self.id


def rss_mb() -> float:
    """This process's peak RSS. Linux's VmHWM, which starts again at exec: getrusage's maxrss
    carries the parent's peak over into a child it spawns (the compiled file's reader)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_articles() -> list[Document]:
    docs = []
    for line in (CORPUS / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["source_repo"] not in SETS or not row.get("truth_path"):
            continue
        text = (CORPUS / row["truth_path"]).read_text(encoding="utf-8", errors="replace")
        page = (CORPUS / row["html_path"]).read_text(encoding="utf-8", errors="replace")
        found = re.search(r"<title[^>]*>(.*?)</title>", page, re.S | re.I)
        title = " ".join(html.unescape(found.group(1)).split()) if found else ""
        url = row.get("url") or ""
        host = re.sub(r"^https?://(www\.)?([^/]+).*$", r"\2", url)
        docs.append(Document(title=title, text=text, source=host, url=url, lang=row.get("lang") or ""))
    return docs


class Vocabulary:
    """Words, capitalised names and word pairs of the corpus, to draw rule terms from."""

    def __init__(self, docs: Sequence[Document]) -> None:
        counts: Counter[str] = Counter()
        names: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        for doc in docs:
            tokens = tokenize(doc.text)
            words = [t.folded for t in tokens]
            counts.update(words)
            for t in tokens:
                raw = doc.text[t.start : t.end]
                if raw[:1].isupper() and raw[1:].islower() and len(raw) > 3 and raw.isalpha():
                    names[raw] += 1
            pairs.update(itertools.pairwise(words))
        # Watch terms name things: leave out the 2,000 most frequent words ("people", "inside").
        frequent = {w for w, _ in counts.most_common(2000)}
        self.distinct = sorted(w for w in counts if _content(w) and w not in frequent)
        self.occurrences = [w for w in self.distinct for _ in range(min(counts[w], 50))]
        self.names = sorted(names)
        self.pairs = sorted(p for p in pairs if _content(p[0]) and _content(p[1]) and frequent.isdisjoint(p))
        self.hosts = sorted({d.source for d in docs if d.source})

    def word(self, rng: random.Random) -> str:
        return rng.choice(self.distinct if rng.random() < 0.85 else self.occurrences)

    def name(self, rng: random.Random) -> str:
        """A name-like word made from a corpus word: Kalinovsky, Brightwell, Stromberg..."""
        base = rng.choice(self.distinct)
        return (base[: rng.randint(3, max(3, len(base)))] + rng.choice(_ENDINGS)).capitalize()

    def words(self, rng: random.Random, n: int) -> list[str]:
        """`n` different words."""
        out: list[str] = []
        while len(out) < n:
            if (word := self.word(rng)) not in out:
                out.append(word)
        return out


def _content(word: str) -> bool:
    return len(word) >= 3 and word.isalpha() and word_cost(word) < 1.0


def generate(vocab: Vocabulary, size: int, seed: int) -> Iterator[Rule]:
    """`size` rules with the whole language, reproducible from `seed`.

    Standing rules are selective: each watches for a name or a combination that few articles
    carry. Every word of this corpus is in at least 1 of its 274 articles (0.4%), far more than
    a real watch term, so most single terms and OR members are names made from corpus words
    (`name`: a corpus word with a name-like ending, rarely in the corpus), and corpus words come
    in combinations (AND, NEAR, phrases, exclusions).
    """
    rng = random.Random(seed)
    w = vocab.word

    def name() -> str:
        return vocab.name(rng)

    def term() -> str:
        return w(rng) if rng.random() < 0.01 else name()

    for n in range(size):
        kind = rng.random()
        aliases: dict[str, list[str]] = {}
        if kind < 0.10:
            query = term()
        elif kind < 0.20:
            a, b = rng.choice(vocab.pairs)
            query = f'"{a} {b}"' if rng.random() < 0.05 else f'"{name()} {b}"'
        elif kind < 0.32:
            a, b = vocab.words(rng, 2)
            a = a if rng.random() < 0.3 else name()
            query = f"{a} {b}" if rng.random() < 0.5 else f"{a} AND {b}"
        elif kind < 0.42:
            query = " OR ".join(term() for _ in range(rng.randint(2, 4)))
        elif kind < 0.52:
            a, b, c = vocab.words(rng, 3)
            query = f"({term()} OR {a} {b}) -{c}"
        elif kind < 0.66:
            a, b = rng.choice(vocab.pairs)
            verbs = " OR ".join(rng.sample(VERBS, rng.randint(2, 4)))
            subject = f'"{a} {b}"' if rng.random() < 0.2 else f'"{name()} {b}"'
            query = f"({name()} OR {subject}) NEAR/{rng.randint(3, 15)} ({verbs})"
        elif kind < 0.71:
            a, b = vocab.words(rng, 2)
            query = f"{a} ONEAR/{rng.randint(1, 5)} {b}"
        elif kind < 0.76:
            stem = rng.choice([x for x in (w(rng) for _ in range(5)) if len(x) >= 6] or ["wirewatch"])
            query = f"{stem[: rng.randint(5, len(stem))]}* {w(rng)}"
        elif kind < 0.81:
            query = f"={rng.choice(vocab.names)} {w(rng)}"
        elif kind < 0.86:
            scope = rng.choice(["title", "source", "url"])
            word = rng.choice(vocab.hosts).split(".")[0] if scope != "title" else w(rng)
            query = f"{scope}:{word} {term()}"
        elif kind < 0.88:
            query = (
                f"lang:en {term()}" if rng.random() < 0.5 else f"Peskov NEAR/10 ({' OR '.join(VERBS[:3])})"
            )
        else:
            key, v1 = name(), name()
            b, c = vocab.words(rng, 2)
            aliases = {key: [v1, w(rng)]}
            query = f"{key} NEAR/8 {b}" if rng.random() < 0.5 else f"{key} {b} -{c}"
        yield Rule(f"r{n}", query, aliases)


def naive_sample(vocab: Vocabulary, size: int, seed: int, keep: set[int]) -> list[tuple[str, Node]]:
    """The parsed trees of the rules numbered in `keep` (regenerated, same seed)."""
    shared = AliasTable(SHARED_ALIASES)
    return [
        (rule.id, parse_query(rule.query, shared.extended(rule.aliases)))
        for n, rule in enumerate(generate(vocab, size, seed))
        if n in keep
    ]


class Timed:
    """Wraps the rule generator and adds up the time spent generating (not building)."""

    def __init__(self, rules: Iterator[Rule]) -> None:
        self.rules = rules
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Rule]:
        while True:
            t = time.perf_counter()
            rule = next(self.rules, None)
            self.seconds += time.perf_counter() - t
            if rule is None:
                return
            yield rule


class Passes(NamedTuple):
    """A matcher's times on every article (ms) and what it found (rule ids per article)."""

    cold: list[float]
    warm: list[float]
    explained: list[float]
    found: list[list[str]]


def passes(matcher: Matcher, docs: Sequence[Document]) -> Passes:
    """First sight of each article (rules compiled on first use), then the steady state: each
    article's fastest of 3 runs, without and with the explanations."""

    def run(repeat: int, explain: bool) -> tuple[list[float], list[list[str]]]:
        times, found = [], []
        for doc in docs:
            best = float("inf")
            for _ in range(repeat):
                t = time.perf_counter()
                ids = [h.rule_id for h in matcher.match(doc)] if explain else matcher.match_ids(doc)
                best = min(best, (time.perf_counter() - t) * 1000)
            times.append(best)
            found.append(ids)
        return times, found

    cold, found = run(1, explain=False)
    warm, again = run(3, explain=False)  # as in a worker that has been running a while
    explained, hits = run(3, explain=True)
    assert again == found == hits
    return Passes(cold, warm, explained, found)


def timings(runs: Passes, prefix: str = "") -> dict[str, float]:
    """The medians and p95s of a matcher's passes, as the JSON line names them."""
    out = {}
    for name, times in (("", runs.warm), ("explained_", runs.explained), ("cold_", runs.cold)):
        out[f"{prefix}{name}median_ms"] = round(statistics.median(times), 3)
        out[f"{prefix}{name}p95_ms"] = round(statistics.quantiles(times, n=20)[-1], 3)
    matched = max(1, sum(map(len, runs.found)))
    out[f"{prefix}explain_ms_per_match"] = round((sum(runs.explained) - sum(runs.warm)) / matched, 3)
    return out


def compiled_child(path: Path, key: str, expected: Path) -> dict[str, object]:
    """A fresh process ready to match from the compiled file at `path`: how long opening it
    takes, the memory it adds, and the passes (each article's matches must be the build's)."""
    docs = load_articles()
    gc.collect()
    base = rss_mb()
    t = time.perf_counter()
    matcher = open_compiled(path, key)
    load = time.perf_counter() - t
    gc.freeze()
    loaded_rss = rss_mb()
    runs = passes(matcher, docs)
    return {
        "load_s": round(load, 3),
        "loaded_base_rss_mb": round(base, 1),
        "loaded_rss_mb": round(loaded_rss, 1),
        "loaded_peak_rss_mb": round(rss_mb(), 1),
        **timings(runs, "loaded_"),
        "loaded_agree": runs.found == json.loads(expected.read_text()),
    }


def compiled(matcher: Matcher, rules: Iterator[Rule], found: list[list[str]]) -> dict[str, object]:
    """The matcher written as a compiled rules file, and a fresh process reading it."""
    t = time.perf_counter()
    key = rules_key(rules, SHARED_ALIASES)
    key_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="ww-match-") as tmp:
        path = Path(tmp) / f"{key}.rules"
        t = time.perf_counter()
        save_compiled(matcher, path, key)
        save_s = time.perf_counter() - t
        expected = Path(tmp) / "found.json"
        expected.write_text(json.dumps(found))
        cmd = [sys.executable, __file__, "--load", str(path), "--key", key, "--expect", str(expected)]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        return {
            "key_s": round(key_s, 2),
            "save_s": round(save_s, 2),
            "compiled_mb": round(path.stat().st_size / 1e6, 1),
            **json.loads(done.stdout),
        }


def child(
    size: int,
    seed: int,
    naive_rules: int,
    check_rules: int,
    naive_seconds: float,
    processes: int | None,
    with_compiled: bool,
) -> dict[str, object]:
    docs = load_articles()
    vocab = Vocabulary(docs)
    gc.collect()
    base = rss_mb()
    rules = Timed(generate(vocab, size, seed))
    theirs = Timed(generate(vocab, size, seed))  # the same rules, which the helpers' side reads
    count = build_processes(size, processes)
    # The cyclic GC paused over the whole build, as a Matcher pauses it over its own: the
    # collector catches up with what the build made after the timing, not while the helpers stop.
    gc.disable()
    t = time.perf_counter()
    with parse_in_helpers(theirs, SHARED_ALIASES, processes=count) as parsed:
        matcher = Matcher(rules, SHARED_ALIASES, parsed=parsed)
    build = time.perf_counter() - t - rules.seconds - theirs.seconds
    gc.enable()
    gc.collect()
    gc.freeze()  # as `wirewatch worker` does: the rules are never garbage
    built_rss = rss_mb()

    runs = passes(matcher, docs)
    found = runs.found
    candidates = [len(matcher.prefilter.candidates(DocumentIndex(doc))) for doc in docs]
    peak = rss_mb()

    # Naive: every rule (or a sample of naive_rules, scaled up), one regex each.
    rng = random.Random(seed + 1)
    sample = set(range(size)) if size <= naive_rules else set(rng.sample(range(size), naive_rules))
    naive = ReferenceMatcher(naive_sample(vocab, size, seed, sample))
    naive_times: list[float] = []
    started = time.perf_counter()
    order = list(range(len(docs)))
    random.Random(seed + 2).shuffle(order)
    for i in order:
        t = time.perf_counter()
        naive.match_ids(docs[i])
        naive_times.append((time.perf_counter() - t) * 1000 * size / len(sample))
        if len(naive_times) >= 3 and time.perf_counter() - started > naive_seconds:
            break
    del naive

    # Agreement on every article: a sample of rules (all of them for small sets), plus every rule
    # the matcher reported for that article, evaluated by the naive evaluator.
    checked = set(range(size)) if size <= check_rules else set(rng.sample(range(size), check_rules))
    reported = {int(r[1:]) for ids in found for r in ids}
    trees = dict(naive_sample(vocab, size, seed, checked | reported))
    patterns: dict[str, re.Pattern[str]] = {}
    disagreements = 0
    for doc, ids in zip(docs, found, strict=True):
        universe = {f"r{n}" for n in checked} | set(ids)
        text = haystack(doc, segments=False)  # generated rules have no NEAR/S nor said_by:
        expected = set()
        for rule_id in universe:
            pattern = patterns.get(rule_id)
            if pattern is None:
                pattern = patterns[rule_id] = compile_reference(trees[rule_id])
            if pattern.match(text):
                expected.add(rule_id)
        if expected != set(ids):
            disagreements += 1
    matches = [len(f) for f in found]
    helpers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # before the reader's
    with_file = compiled(matcher, generate(vocab, size, seed), found) if with_compiled else {}
    return {
        "bench": "match",
        "rules": size,
        "articles": len(docs),
        "build_s": round(build, 2),
        "build_processes": count,
        "build_child_peak_rss_mb": round(helpers_peak, 1),
        "generate_s": round(rules.seconds + theirs.seconds, 2),
        "base_rss_mb": round(base, 1),
        "built_rss_mb": round(built_rss, 1),
        "peak_rss_mb": round(peak, 1),
        **timings(runs),
        "median_candidates": statistics.median(candidates),
        "median_matches": statistics.median(matches),
        "mean_matches": round(statistics.mean(matches), 2),
        "naive_median_ms": round(statistics.median(naive_times), 1),
        "naive_articles": len(naive_times),
        "naive_rules_run": len(sample),
        "naive_scaled": len(sample) < size,
        "speedup": round(statistics.median(naive_times) / statistics.median(runs.warm)),
        "agree": disagreements == 0,
        "disagreements": disagreements,
        "checked_rules": len(checked),
        **with_file,
    }


# --words: one rule at a time, by how common its words are.
COMMON_WORDS = 20  # "the OR a OR of OR ...": the corpus's most frequent words
RARE_WORDS = 20  # an article's own words, found in no other article


def word_rules(docs: Sequence[Document]) -> tuple[list[str], dict[str, str], list[str]]:
    """The common words, the rules made of them (and the URL rule) by kind, and each article's
    rare-word rule."""
    counts: Counter[str] = Counter()
    seen_in: Counter[str] = Counter()
    per_doc = []
    for doc in docs:
        found = words(doc.text)
        counts.update(found)
        seen_in.update(set(found))
        per_doc.append(found)
    common = [w for w, _ in counts.most_common(COMMON_WORDS)]
    kinds = {
        "url": "url:127",
        "common": " OR ".join(common),
        "common_phrase": " OR ".join(f'"{a} the"' for a in ("of", "in", "to", "and", "on", "for")),
        "common_near": f"({' OR '.join(common[:4])}) NEAR/3 ({' OR '.join(common[4:8])})",
    }
    rare = []
    for found in per_doc:
        own = [w for w in dict.fromkeys(found) if seen_in[w] == 1 and w.isalpha()][:RARE_WORDS]
        rare.append(" OR ".join(own or common[:1]))  # (every corpus article has words of its own)
    return common, kinds, rare


def agrees(node: Node, doc: Document, hits: Sequence[RuleHit]) -> bool:
    """Whether the matcher's answer for one rule is the reference's: matched or not as its regex
    says, and each match the one that every hit the reference finds makes (`hits_total`, past
    the cap, a lower bound of the reference's count)."""
    matched = compile_reference(node).match(haystack(doc, needs_segments(node))) is not None
    if matched != bool(hits):
        return False
    if not hits:
        return True
    expected = reference_hits(node, doc) or []
    index = DocumentIndex(doc)
    truth = [build_match(f, index.field(f), expected) for f in FIELDS if any(h.field == f for h in expected)]
    if len(truth) != len(hits[0].matches):
        return False
    for got, want in zip(hits[0].matches, truth, strict=True):
        if got.model_copy(update={"hits_total": None}) != want.model_copy(update={"hits_total": None}):
            return False
        if (got.hits_total is None) != (want.hits_total is None):
            return False
        if got.hits_total is not None and not MAX_HITS < got.hits_total <= (want.hits_total or 0):
            return False
    return True


def words_child() -> dict[str, object]:
    docs = [dataclasses.replace(d, url=f"http://127.0.0.1/{n}") for n, d in enumerate(load_articles())]
    common, kinds, rare = word_rules(docs)
    matchers = {kind: Matcher([Rule(kind, query, {})]) for kind, query in kinds.items()}
    out: dict[str, object] = {"bench": "match_words", "articles": len(docs), "common_words": common}

    def fastest(run: Callable[[Document], object], doc: Document) -> float:
        """The least CPU time of 3 runs (ms): on a shared machine, a run's wall time is mostly
        other processes' at the top of the distribution, which is what this mode compares."""
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            run(doc)
            best = min(best, (time.process_time() - t) * 1000)
        return best

    for kind in ["url", "rare", *(k for k in kinds if k != "url")]:
        ids_ms, explained_ms, shown = [], [], []
        disagreements = 0
        for n, doc in enumerate(docs):
            query = kinds[kind] if kind != "rare" else rare[n]
            matcher = matchers[kind] if kind != "rare" else Matcher([Rule(kind, query, {})])
            hits = matcher.match(doc)  # first use compiles the rule's check
            disagreements += not agrees(parse_query(query), doc, hits)
            if not hits:  # an article without the words (a few are not in English): not timed
                continue
            shown.append(sum(len(m.hits) for m in hits[0].matches))
            ids_ms.append(fastest(matcher.match_ids, doc))
            explained_ms.append(fastest(matcher.match, doc))
        out[f"match_{kind}_ms"] = round(statistics.median(ids_ms), 3)
        out[f"match_{kind}_p95_ms"] = round(statistics.quantiles(ids_ms, n=20)[-1], 3)
        out[f"explain_{kind}_ms"] = round(statistics.median(explained_ms), 3)
        out[f"explain_{kind}_p95_ms"] = round(statistics.quantiles(explained_ms, n=20)[-1], 3)
        out[f"explain_{kind}_max_ms"] = round(max(explained_ms), 3)
        out[f"hits_{kind}"] = statistics.median(shown)
        out[f"matched_{kind}"] = len(shown)
        out[f"agree_{kind}"] = disagreements == 0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--naive-rules", type=int, default=20000, help="naive loop: rules actually run")
    ap.add_argument("--naive-seconds", type=float, default=30.0, help="naive loop: time budget per size")
    ap.add_argument("--check-rules", type=int, default=1000, help="agreement: rules checked per article")
    ap.add_argument("--processes", type=int, help="build in this many processes (default: automatic)")
    ap.add_argument("--words", action="store_true", help="one rule, by how common its words are")
    ap.add_argument(
        "--compiled",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also write the rules as a compiled file and time a fresh process reading it",
    )
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--load", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--key", help=argparse.SUPPRESS)
    ap.add_argument("--expect", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"bench/match.py: no corpus at {CORPUS}")
    if args.words:
        print(json.dumps(words_child()), flush=True)
        return
    if args.load:
        print(json.dumps(compiled_child(args.load, args.key, args.expect)), flush=True)
        return
    if args.child:
        result = child(
            args.child,
            args.seed,
            args.naive_rules,
            args.check_rules,
            args.naive_seconds,
            args.processes,
            args.compiled,
        )
        print(json.dumps(result), flush=True)
        return
    for size in (int(s) for s in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed)]
        cmd += ["--naive-rules", str(args.naive_rules), "--naive-seconds", str(args.naive_seconds)]
        cmd += ["--check-rules", str(args.check_rules)]
        cmd += ["--processes", str(args.processes)] if args.processes else []
        cmd += [] if args.compiled else ["--no-compiled"]
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
