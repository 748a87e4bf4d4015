"""Stories: which articles are one piece of news, whichever outlet carries it under which URL.

An article belongs to a story by, in this order:

    its own earlier placement   the same article seen again (a retried job): the same story
    its story URL               `<link rel=canonical>` or `og:url` of its page when that is on
                                the page's own site (or a site listed as a syndication source),
                                else the feed's link; normalised (courlan, no tracking parameters)
    its text                    a MinHash of its 5-word shingles, looked up by LSH bands: Jaccard
                                similarity or containment with an earlier member above thresholds
    its title                   only for short texts (feed-only items): an identical title

else it founds a new story. Everything here is pure: the Redis side (`workers.store.stories`) looks the
bands up, and `place` decides. Thresholds and their figures: bench/stories.py and bench/README.md.
"""

from __future__ import annotations

import hashlib
import ipaddress
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import unescape
from typing import TYPE_CHECKING, Literal, NamedTuple
from urllib.parse import urljoin, urlsplit

import lxml.etree
import rensa
from courlan.urlutils import get_tldinfo

from .feeds import canonical_url
from .models import StoryCopy, StoryRef, followed, unix_time
from .rules.text import words

if TYPE_CHECKING:
    from .config import Config

NUM_PERM = 128
# 42 bands of 3 values (126 of the 128): P(candidate) 0.29 at Jaccard 0.2, 0.68 at 0.3, 0.94 at
# 0.4, 0.995 at 0.5. 32 bands of 4 missed 6% of the true pairs of bench/stories.py as candidates.
BANDS = 42
ROWS = 3
SHINGLE_WORDS = 5
MINHASH_SEED = 1_129_469  # fixed: signatures made by every worker, on every run, must agree
MIN_TITLE_WORDS = 4  # a shorter title ("Live updates", "Briefing") never joins a story by itself
MAX_CANDIDATES = 64  # members compared per article at most (a flood of one boilerplate is not news)
HEAD_BYTES = 256_000  # canonical links are looked for in this much of a page, up to </head>
# Signatures are kept b-bit (Li and König): the low 8 bits of each minimum, a quarter of the
# memory of full values. Two different minima agree on them with probability 1/256; `similarity`
# takes that chance out of its estimate.
SIGNATURE_BITS = 8
SIGNATURE_MASK = (1 << SIGNATURE_BITS) - 1
_CHANCE = 1 / (1 << SIGNATURE_BITS)
# Containment is estimated from Jaccard and the two sizes, so for very different sizes a few
# chance agreements look like a lot of it: below this Jaccard it does not count.
MIN_JACCARD_FOR_CONTAINMENT = 0.1

Why = Literal["again", "url", "similar", "title", "new"]


@dataclass(frozen=True)
class StoryPolicy:
    """When an article joins an earlier story (`stories:` and `defaults.story_window` in the config)."""

    window: float = 3 * 86400.0  # seconds: stories older than this are forgotten
    jaccard: float = 0.4
    containment: float = 0.8
    min_words: int = 50  # shorter texts join only by story URL or identical title
    syndication: frozenset[str] = frozenset()  # sites whose canonical links count from other sites

    @classmethod
    def of(cls, cfg: Config) -> StoryPolicy:
        s = cfg.stories
        return cls(cfg.defaults.story_window, s.jaccard, s.containment, s.min_words, frozenset(s.syndication))


# --- the story URL -------------------------------------------------------------------------------


def _site(url: str) -> str | None:
    """A URL's site: its registered domain ("bbc.co.uk" for m.bbc.co.uk), or for an IP address or
    a single-label host its host and port; None when it is not an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        _stripped, domain = get_tldinfo(url, fast=True)
        if domain:
            return str(domain).lower()
    try:
        port = parts.port
    except ValueError:
        return None
    return f"{host}:{port or (443 if parts.scheme == 'https' else 80)}"


def _head(page: bytes) -> bytes:
    head = page[:HEAD_BYTES]
    end = head.lower().find(b"</head")
    return head if end < 0 else head[:end]


def page_canonical(page: bytes, page_url: str) -> str | None:
    """The URL a page names as its own: `<link rel="canonical">`, else `og:url` (an AMP or mobile
    page names its main version so), resolved against the page's URL; None when it names none."""
    try:
        root = lxml.etree.fromstring(_head(page), lxml.etree.HTMLParser(recover=True, no_network=True))
    except (lxml.etree.ParserError, ValueError):
        return None
    if root is None:
        return None
    found: list[str] = []
    for el in root.iter("link", "meta"):
        if el.tag == "link" and "canonical" in (el.get("rel") or "").lower().split():
            found.insert(0, el.get("href") or "")
        elif el.tag == "meta" and (el.get("property") or el.get("name") or "").lower() == "og:url":
            found.append(el.get("content") or "")
    for raw in found:
        href = unescape(raw).strip()
        if href:
            url = urljoin(page_url, href)
            if urlsplit(url).scheme in ("http", "https"):
                return url
    return None


def story_url(
    feed_link: str | None, page_url: str | None, page: bytes | None, syndication: frozenset[str] = frozenset()
) -> str | None:
    """The best URL for an article's story: the page's canonical URL when it is on the page's own
    site or a syndication source's, else the feed's link; normalised."""
    if page is not None and page_url:
        named = page_canonical(page, page_url)
        if named is not None:
            site = _site(named)
            if site is not None and (site == _site(page_url) or site in syndication):
                return canonical_url(named)
    return canonical_url(feed_link) if feed_link else None


# --- fingerprints --------------------------------------------------------------------------------


def url_hash(url: str) -> bytes:
    return hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest()


def title_hash(title: str) -> bytes | None:
    """An identical title, as far as stories go: the same folded words; None when too short."""
    folded = words(title)
    if len(folded) < MIN_TITLE_WORDS:
        return None
    return hashlib.blake2b(" ".join(folded).encode("utf-8"), digest_size=8).digest()


def shingles(text: str, size: int = SHINGLE_WORDS) -> list[str]:
    """Distinct runs of `size` folded words, in first-seen order."""
    return _shingles(words(text), size)


def _shingles(folded: list[str], size: int = SHINGLE_WORDS) -> list[str]:
    return list(dict.fromkeys(" ".join(folded[i : i + size]) for i in range(len(folded) - size + 1)))


@dataclass(frozen=True)
class Fingerprint:
    """What an article is compared by. `signature` is None for a short text."""

    url: str | None
    url_key: bytes | None
    title_key: bytes | None
    signature: tuple[int, ...] | None  # NUM_PERM values, SIGNATURE_MASK bits each
    bands: tuple[bytes, ...]  # BANDS keys: the band's number and a hash of its full-width rows
    shingles: int  # distinct shingles (0 for a short text)


def fingerprint(title: str, text: str, url: str | None, min_words: int) -> Fingerprint:
    folded = words(text)
    grams = _shingles(folded) if len(folded) >= min_words else []
    if not grams:
        return Fingerprint(url, url_hash(url) if url else None, title_hash(title), None, (), 0)
    minhash = rensa.RMinHash(NUM_PERM, MINHASH_SEED)
    minhash.update(grams)
    digest = minhash.digest()
    bands = tuple(
        bytes([b]) + hashlib.blake2b(struct.pack(f"<{ROWS}I", *digest[b * ROWS : (b + 1) * ROWS]),
                                     digest_size=4).digest()
        for b in range(BANDS)
    )  # fmt: skip
    signature = tuple(v & SIGNATURE_MASK for v in digest)
    return Fingerprint(url, url_hash(url) if url else None, title_hash(title), signature, bands, len(grams))


def similarity(a: Sequence[int], a_size: int, b: Sequence[int], b_size: int) -> tuple[float, float]:
    """Estimated (Jaccard, containment) of two shingle sets from their signatures. Containment
    is |A ∩ B| / min(|A|, |B|): a short wire version inside a longer rewrite is near 1."""
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
    jaccard = max(0.0, (agree - _CHANCE) / (1 - _CHANCE))
    smaller = min(a_size, b_size)
    if smaller <= 0 or jaccard < MIN_JACCARD_FOR_CONTAINMENT:
        return jaccard, 0.0
    shared = jaccard * (a_size + b_size) / (1 + jaccard)
    return jaccard, min(1.0, shared / smaller)


# --- placing an article --------------------------------------------------------------------------


class Candidate(NamedTuple):
    """An earlier member of a story that shares an LSH band with the article."""

    member_id: str
    story_id: str
    story_first_seen: float
    seen: float
    shingles: int
    signature: tuple[int, ...]


class KnownStory(NamedTuple):
    """A story found by URL or title: its id and when it was first seen."""

    story_id: str
    first_seen: float


@dataclass(frozen=True)
class Lookup:
    """What the index knows that bears on one article."""

    own: KnownStory | None = None  # this very article, placed before
    by_url: KnownStory | None = None
    by_title: KnownStory | None = None
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True)
class Placement:
    """The story an article belongs to, and why."""

    story_id: str
    first_seen: float
    why: Why
    jaccard: float | None = None
    containment: float | None = None
    joined: str | None = None  # the member it was found similar to

    @property
    def founded(self) -> bool:
        return self.why == "new"


def place(fp: Fingerprint, member_id: str, lookup: Lookup, policy: StoryPolicy, now: float) -> Placement:
    """The story of an article: its own earlier one, the one its URL names, the earliest one
    with a similar enough member in the window, the one with its title (short texts only), or a
    new one founded by it (its id is the article's member id)."""
    for found, why in ((lookup.own, "again"), (lookup.by_url, "url")):
        if found is not None:
            return Placement(found.story_id, found.first_seen, why)  # type: ignore[arg-type]
    if fp.signature is not None:
        best = _most_similar(fp, lookup.candidates, policy, now)
        if best is not None:
            return best
    elif lookup.by_title is not None:
        return Placement(lookup.by_title.story_id, lookup.by_title.first_seen, "title")
    return Placement(member_id, now, "new")


def _most_similar(
    fp: Fingerprint, candidates: Iterable[Candidate], policy: StoryPolicy, now: float
) -> Placement | None:
    """The earliest story with a member similar enough (the one it was first alerted as)."""
    assert fp.signature is not None
    chosen: Placement | None = None
    for c in candidates:
        if c.seen < now - policy.window or not c.signature:
            continue
        jaccard, containment = similarity(fp.signature, fp.shingles, c.signature, c.shingles)
        if jaccard < policy.jaccard and containment < policy.containment:
            continue
        if chosen is None or c.story_first_seen < chosen.first_seen:
            chosen = Placement(c.story_id, c.story_first_seen, "similar", jaccard, containment, c.member_id)
    return chosen


# --- the timeline --------------------------------------------------------------------------------

TIMELINE_MAX = 20  # copies an alert carries (the API and status page list every one)


def timeline(copies: Sequence[StoryCopy]) -> tuple[StoryCopy, ...]:
    """A story's copies in the order the outlets had them, the first outlet's first: by when each
    published it as its page or feed says (never later than wirewatch read it: a clock that is
    off, a zone taken for UTC), else by when wirewatch read it."""

    def when(copy: StoryCopy) -> tuple[float, float]:
        seen = unix_time(copy.seen)
        try:
            published = unix_time(copy.published) if copy.published else seen
        except ValueError:  # not a time as records write them: the page said something odd
            published = seen
        return (min(published, seen), seen)

    return tuple(sorted(copies, key=when))


def with_timeline(story: StoryRef, copies: Sequence[StoryCopy]) -> StoryRef:
    """The story with its timeline (the first TIMELINE_MAX copies of it, and how many in all)."""
    ordered = timeline(copies)
    return story.model_copy(
        update={"copies": ordered[:TIMELINE_MAX], "copies_total": len(ordered), "followed": followed(ordered)}
    )
