"""The labelled evaluation set for story merging, built from real pages: which articles are one
story (a group) and which are not (any two groups).

    corpus originals      every page of ../shared/corpus/articles with 50 words or more,
                          extracted with trafilatura as the workers do; each its own story
    corpus captures       the same article captured in several extraction sets (listed below by
                          hand after reading them): one story each
    corpus near-copies    for a sample of originals, copies as outlets make them: other
                          boilerplate, a changed headline and standfirst, a shortened (wire)
                          version, a lengthened (rewritten) one, a translated byline with light
                          edits, and a syndicated one (boilerplate, the end cut, 3% of words changed)
    same-topic stories    bench/stories/same_topic.yaml: distinct stories on one topic on one
                          day (Peskov statements, ICC rulings, Navalny's movement), each at two
                          outlets with their own boilerplate; the first outlet's boilerplate is
                          the same for all of them
    seeds                 seeds/*.txt, three distinct stories sharing the three topics

Real same-event coverage by different outlets (the corpus has several: the Doobie Brothers'
reunion, a bubonic plague case, a "feather duvet lung" case, a Reuters AirAsia series) is
independently written, so its pairs are labelled distinct: they must not merge either.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.extract import extract_text
from pipeline.rules.text import words

ROOT = Path(__file__).resolve().parents[1]
SAME_TOPIC = ROOT / "bench" / "stories" / "same_topic.yaml"
# The same article captured more than once (same URL, same text); checked by hand. One listed
# URL pair of the corpus (businessinsider3 / okaymarketing) holds two different articles, so it
# is not here: those are two stories.
CAPTURES = [
    ["rdb-lifehacker-post-comment-load", "rdb-lifehacker-working"],
    ["nsp-arabic_article", "gse-test_cnn_arabic"],
    ["nsp-coolhunting.com1", "nsp-coolhunting.com2"],
    ["gse-test_businessWeek1", "gse-test_businessWeek4"],
    ["gse-test_get_canonical_url", "gse-test_marketplace"],
    ["gse-test_gizmodo1", "gse-test_gizmodo2", "gse-test_gizmodo3"],
    ["nsp-chinese_article", "gse-test_bbc_chinese"],
    ["rdb-medicalnewstoday", "trf-medicalnewstoday.com.318674"],
    ["trf-womencantalksports.com-top10", "trf-womencantalksports.com.top10"],
]
BOILERPLATE = [
    ("Wire Daily", "Sign up for our morning briefing and get the day's top stories in your inbox. "
     "Follow Wire Daily on social media for breaking news alerts.",
     "Copyright 2026 Wire Daily. All rights reserved. This material may not be published, broadcast, "
     "rewritten or redistributed without permission. Related coverage: more world news, politics and "
     "business from our correspondents."),
    ("The Evening Post", "THE EVENING POST - Updated 14 minutes ago. Listen to this article.",
     "Reporting by our correspondents; editing by the news desk. Our standards: the trust principles. "
     "Have a news tip? Contact us securely. Read more: the week in pictures, opinion and analysis."),
    ("Metro Online", "Metro Online | News | Share this story on Facebook, X and WhatsApp.",
     "Comments are closed on this article. Metro Online is part of a regional media group. Most "
     "popular: traffic updates, weather, local sport and what's on this weekend."),
    ("Nachrichten", "Nachrichten aus aller Welt. Lesezeit: 3 Minuten.",
     "Mit Material der Nachrichtenagenturen. Alle Rechte vorbehalten. Mehr zum Thema finden Sie in "
     "unserem Newsletter, den Sie jederzeit abbestellen koennen."),
]  # fmt: skip
BYLINES = ["Von unserem Korrespondenten", "Автор: собственный корреспондент", "Par notre correspondant"]
STANDFIRSTS = [
    "Here is what we know so far.",
    "The story, updated with more details and reaction.",
    "Officials and analysts weighed in on Tuesday.",
]


@dataclass(frozen=True)
class Item:
    id: str
    group: str  # the story it belongs to
    kind: str  # original, capture, boilerplate, headline, shortened, lengthened, byline, syndicated, topic
    title: str
    text: str
    source: str


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.splitlines() if p.strip()]


def _wrap(outlet: int, paragraphs: list[str]) -> str:
    _name, head, foot = BOILERPLATE[outlet % len(BOILERPLATE)]
    return "\n".join([head, *paragraphs, foot])


def _edit(paragraphs: list[str], rng: random.Random, share: float) -> list[str]:
    """Change `share` of the words (a word swapped for another of the text), as copy editors do."""
    out = []
    for p in paragraphs:
        ws = p.split()
        for i in range(len(ws)):
            if rng.random() < share:
                ws[i] = rng.choice(ws)
        out.append(" ".join(ws))
    return out


def _cut(paragraphs: list[str], share: float) -> list[str]:
    """The first `share` of the words, whole paragraphs (at least one)."""
    total = sum(len(p.split()) for p in paragraphs)
    kept: list[str] = []
    count = 0
    for p in paragraphs:
        if kept and count >= total * share:
            break
        kept.append(p)
        count += len(p.split())
    return kept


def _near_copies(item: Item, rng: random.Random, filler: list[str], outlet: int) -> list[Item]:
    paras = _paragraphs(item.text)
    extra_words = max(40, sum(len(p.split()) for p in paras) // 3)
    extra: list[str] = []
    while sum(len(p.split()) for p in extra) < extra_words and filler:
        extra.append(filler.pop())
    half = len(extra) // 2
    longer = [*paras[:2], *extra[:half], *paras[2:], *extra[half:]]
    standfirst = rng.choice(STANDFIRSTS)
    made = {
        "boilerplate": (item.title, _wrap(outlet, paras)),
        "headline": (f"{item.title.rstrip('.')}: what it means", "\n".join([standfirst, *paras])),
        "shortened": (item.title, "\n".join(_cut(paras, 0.55))),
        "lengthened": (item.title, "\n".join(longer)),
        "byline": (item.title, "\n".join([rng.choice(BYLINES), *_edit(paras, rng, 0.03)])),
        "syndicated": (item.title, _wrap(outlet + 1, _edit(_cut(paras, 0.8), rng, 0.03))),
    }
    outlets = [name for name, _head, _foot in BOILERPLATE]
    return [
        Item(f"{item.id}~{kind}", item.group, kind, title, text, outlets[(outlet + i) % len(outlets)])
        for i, (kind, (title, text)) in enumerate(made.items())
    ]


def corpus_originals(corpus: Path) -> list[Item]:
    """Every corpus page with 50 words or more of extracted text, each its own story."""
    base = corpus / "articles"
    manifest = (base / "manifest.jsonl").read_bytes()
    rows = [json.loads(line) for line in manifest.decode("utf-8").splitlines() if line]
    grouped = {i: group[0] for group in CAPTURES for i in group}
    items = []
    for row, found in zip(rows, _extracted(base, rows, manifest), strict=True):
        if found is None or len(words(found[1])) < 50:
            continue
        rid = row["id"]
        kind = "capture" if rid in grouped else "original"
        items.append(Item(rid, grouped.get(rid, rid), kind, found[0], found[1], row["source_repo"]))
    return items


def _extracted(base: Path, rows: list[dict[str, str]], manifest: bytes) -> list[tuple[str, str] | None]:
    """(title, text) of every page as the workers extract it, None for a page trafilatura cannot
    read. Extracting the corpus takes about a minute, and every test run and bench wants the same
    result, so it is kept in .cache/ under a key of everything it depends on: the manifest, our
    extraction code and trafilatura's version."""
    import hashlib

    import trafilatura

    code = (ROOT / "pipeline" / "extract.py").read_bytes()
    key = hashlib.sha256(b"\0".join([manifest, code, trafilatura.__version__.encode()])).hexdigest()[:16]
    cache = ROOT / ".cache" / f"corpus-extracted-{key}.json"
    if cache.exists():
        return [tuple(r) if r else None for r in json.loads(cache.read_text("utf-8"))]  # type: ignore[misc]
    out: list[tuple[str, str] | None] = []
    for row in rows:
        try:
            found = extract_text((base / row["html_path"]).read_bytes(), row.get("url") or "")
            out.append((found.title, found.text))
        except Exception:  # a page trafilatura cannot read is not in the set
            out.append(None)
    cache.parent.mkdir(exist_ok=True)
    partial = cache.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(out, ensure_ascii=False), "utf-8")
    partial.replace(cache)  # whole or not at all, should two runs write it at once
    return out


def build(corpus: Path, seeds: Path, copies_of: int = 150, seed: int = 7) -> list[Item]:
    """The whole set: originals, captures, near-copies of `copies_of` originals, the same-topic
    stories and the seeds."""
    rng = random.Random(seed)
    originals = corpus_originals(corpus)
    long_enough = [i for i in originals if i.kind == "original" and len(words(i.text)) >= 120]
    rng.shuffle(long_enough)
    # Filler for lengthened copies comes from originals kept out of the set, so that no story
    # shares text with another one.
    reserved = long_enough[copies_of : copies_of + 80]
    reserved_ids = {i.id for i in reserved}
    filler = [p for i in reserved for p in _paragraphs(i.text) if len(p.split()) >= 15]
    rng.shuffle(filler)
    items = [i for i in originals if i.id not in reserved_ids]
    for n, original in enumerate(long_enough[:copies_of]):
        items += _near_copies(original, rng, filler, n)
    topic = yaml.safe_load(SAME_TOPIC.read_text("utf-8"))["stories"]
    for story in topic:
        paras = _paragraphs(story["text"])
        sid, title = story["id"], story["title"]
        items.append(Item(f"{sid}@wire", sid, "topic", title, _wrap(0, paras), "Wire Daily"))
        items.append(Item(f"{sid}@post", sid, "topic-copy", title, _wrap(1, paras), "The Evening Post"))
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text("utf-8")
        items.append(Item(path.stem, f"seed-{path.stem}", "seed", text.splitlines()[0][:100], text, "seeds"))
    return items
