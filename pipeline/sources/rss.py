"""RSS, Atom and RDF bodies -> entries (JSON Feed bodies go to pipeline.sources.jsonfeed):
feedparser on bytes we fetched, and what feedparser needs around it (hostile author fields cut,
bad character references repaired, <skipHours> read from the bytes).

Bad input is an outcome, not a crash: a feed feedparser flags as ill-formed (`bozo`) still
yields its entries; bytes that hold no feed at all raise NotAFeedError naming the feed URL.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from ..errors import NotAFeedError
from ..feeds import (
    MAX_ENTRIES,
    MAX_HINT,
    Body,
    FeedHints,
    FeedRef,
    FetchMore,
    ParsedFeed,
    canonical_url,
    entry_key,
    html_to_text,
    source_name,
    stable_keys,
)
from ..models import Entry
from .jsonfeed import looks_like_json, parse_json_feed

MAX_PERSON_BYTES = 512  # an author's name and address; feedparser's e-mail regex is slow past this
_PERSON_NAMES = rb"author|managingEditor|webMaster|creator|contributor|name|email"
_PERSON_TAG = rb"<(?:[\w-]{1,40}:)?(?:" + _PERSON_NAMES + rb")\b[^>]{0,1000}>"
# The text (or CDATA) right inside a person element, when longer than the cap: the class is one
# character set, so the match is linear in the input, never backtracking.
_LONG_PERSON = re.compile(
    rb"(" + _PERSON_TAG + rb"\s{0,100}(?:<!\[CDATA\[)?)([^<\]]{%d})[^<\]]+" % MAX_PERSON_BYTES
)


def cap_person_fields(content: bytes) -> tuple[bytes, int]:
    """Author-like fields cut to MAX_PERSON_BYTES before feedparser sees them: it runs an e-mail
    regex over each that takes seconds on a few KB of `a@a.a.a...` (one hostile feed would hold
    a worker for minutes). Returns the bytes and how many fields were cut."""
    if len(content) < MAX_PERSON_BYTES:
        return content, 0
    return _LONG_PERSON.subn(rb"\1\2", content)


_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")
_REPLACEMENT = b"&#65533;"


def _code(m: re.Match[bytes]) -> int:
    return int(m.group(1), 16) if m.group(1) else int(m.group(2))


def _bad_code(code: int) -> bool:
    """What XML 1.0 has no character for (and feedparser raises on): beyond U+10FFFF, surrogates,
    and C0 controls other than tab, line feed and carriage return."""
    return code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or (code < 0x20 and code not in (9, 10, 13))


def repair_char_refs(content: bytes) -> tuple[bytes, int]:
    """Numeric character references feedparser would raise on, made good: a surrogate pair
    written as two references (how many feeds write an emoji) becomes its one character, any
    other bad reference U+FFFD. Returns the bytes and how many references were replaced."""
    if b"&#" not in content:
        return content, 0
    refs = list(_CHAR_REF.finditer(content))
    out: list[bytes] = []
    pos = replaced = i = 0
    while i < len(refs):
        m = refs[i]
        code = _code(m)
        if not _bad_code(code):
            i += 1
            continue
        out.append(content[pos : m.start()])
        low = refs[i + 1] if i + 1 < len(refs) and refs[i + 1].start() == m.end() else None
        if 0xD800 <= code <= 0xDBFF and low is not None and 0xDC00 <= _code(low) <= 0xDFFF:
            out.append(b"&#%d;" % (0x10000 + ((code - 0xD800) << 10) + (_code(low) - 0xDC00)))
            pos, i = low.end(), i + 2
        else:
            out.append(_REPLACEMENT)
            pos, i = m.end(), i + 1
        replaced += 1
    if not replaced:
        return content, 0
    out.append(content[pos:])
    return b"".join(out), replaced


_UPDATE_PERIODS = {"hourly": 3600.0, "daily": 86400.0, "weekly": 7 * 86400.0, "monthly": 30 * 86400.0,
                   "yearly": 365 * 86400.0}  # fmt: skip
# feedparser keeps only the last <hour> of <skipHours>, so the element is read from the bytes.
_SKIP_HOURS = re.compile(rb"<skipHours\b[^>]*>(.{0,2000}?)</skipHours>", re.S | re.I)
_HOUR = re.compile(rb"<hour\b[^>]*>\s*(\d{1,2})\s*</hour>", re.I)


def feed_hints(channel: Any, content: bytes) -> FeedHints:
    """The feed's own polling hints; absurd or unreadable values are ignored."""
    floors: list[float] = []
    ttl = str(channel.get("ttl", "") or "").strip()
    if ttl.isdigit() and int(ttl) > 0:
        floors.append(int(ttl) * 60.0)
    period = _UPDATE_PERIODS.get(str(channel.get("sy_updateperiod", "") or "").strip().lower())
    frequency = str(channel.get("sy_updatefrequency", "") or "1").strip()
    if period and frequency.isdigit() and int(frequency) > 0:
        floors.append(period / int(frequency))
    skip: set[int] = set()
    found = _SKIP_HOURS.search(content)
    if found:
        skip = {int(h) % 24 for h in _HOUR.findall(found.group(1))}
    if len(skip) == 24:  # a feed that skips every hour would never be polled: ignore it
        skip = set()
    return FeedHints(min(max(floors), MAX_HINT) if floors else None, frozenset(skip))


def _published(raw: Any) -> str | None:
    # dict.get: feedparser's own get() maps a missing published_parsed to updated_parsed with a warning
    struct = dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed")
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC).isoformat()
    except (OverflowError, ValueError, TypeError):
        return None


def _http_link(raw: Any) -> str | None:
    link = raw.get("link") or ""
    if not link:
        for candidate in raw.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if urlsplit(link).scheme in ("http", "https"):
        return canonical_url(link)
    return None


def read(body: Body, feed: FeedRef, more: FetchMore) -> ParsedFeed:
    """The `rss` kind (pipeline.sources): one body, nothing more fetched; a JSON body is read as
    a JSON Feed (pipeline.sources.jsonfeed), anything else by feedparser."""
    if looks_like_json(body.content):
        return parse_json_feed(body.content, feed, body.url)
    return parse_feed(body.content, feed, body.url, body.content_type)


def parse_feed(
    content: bytes, feed: FeedRef, final_url: str | None = None, content_type: str = ""
) -> ParsedFeed:
    """Parse fetched bytes. Raises NotAFeedError when nothing feed-like is in them."""
    headers = {"content-location": final_url or feed.url}
    if content_type:
        headers["content-type"] = content_type
    # No HTML sanitising or relative-URI resolution inside content: feed HTML only ever becomes
    # plain text here (html_to_text), and entry links are resolved by feedparser either way.
    content, repaired = repair_char_refs(content)
    content, cut = cap_person_fields(content)
    try:
        parsed = feedparser.parse(
            content,
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except (ValueError, OverflowError, UnicodeError) as exc:  # what feedparser raises on bad input
        raise NotAFeedError(f"{feed.url}: feedparser failed: {type(exc).__name__}: {exc}") from exc
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    notes = [f"{repaired} bad character reference(s) replaced"] if repaired else []
    notes += [f"{cut} author field(s) over {MAX_PERSON_BYTES} bytes cut"] if cut else []
    fixed = "; ".join(notes) or None
    raw_entries = parsed.get("entries") or []
    if not raw_entries:
        if not parsed.get("version"):  # feedparser found no RSS/Atom/RDF root at all
            reason = f"{type(bozo).__name__}: {bozo}" if bozo is not None else "no RSS/Atom/RDF root element"
            raise NotAFeedError(f"{feed.url}: not a feed ({reason})")
        warning = _warning(bozo, fixed)
        title = str(parsed.feed.get("title", "") or "")
        return ParsedFeed(entries=(), title=title, warning=warning, hints=feed_hints(parsed.feed, content))
    feed_title = str(parsed.feed.get("title", "") or "")
    language = parsed.feed.get("language") or None
    source = source_name(feed, feed_title)
    entries: list[Entry] = []
    for raw in raw_entries[:MAX_ENTRIES]:
        link = _http_link(raw)
        title = html_to_text(str(raw.get("title", "") or "")).replace("\n", " ")
        summary = html_to_text(str(raw.get("summary", "") or ""))
        contents = raw.get("content") or []
        content_text = "\n".join(html_to_text(str(c.get("value", ""))) for c in contents)
        guid = str(raw.get("id", "") or "").strip()
        entries.append(
            Entry(
                feed_id=feed.id,
                feed_url=feed.url,
                source=source,
                key=entry_key(feed, guid, link, title, summary),
                link=link,
                title=title,
                published=_published(raw),
                summary=summary,
                content=content_text if content_text != summary else "",
                language=(raw.get("language") or language),
                category=feed.category,
            )
        )
    entries, shared = stable_keys(feed, entries)
    if shared:
        fixed = "; ".join(filter(None, [fixed, f"{shared} items share a guid with another: keyed by link"]))
    hints = feed_hints(parsed.feed, content)
    hub, topic = _websub_links(parsed.feed, final_url or feed.url)
    return ParsedFeed(
        entries=tuple(entries),
        title=feed_title,
        warning=_warning(bozo, fixed),
        hints=hints,
        hub=hub,
        topic=topic,
    )


def _websub_links(channel: Any, url: str) -> tuple[str | None, str | None]:
    """The WebSub hub a feed names and its topic: its rel="self" link, else where it was read."""
    links = [link for link in (channel.get("links") or []) if isinstance(link, dict)]
    hubs = [str(link.get("href", "")) for link in links if link.get("rel") == "hub" and link.get("href")]
    selves = [str(link.get("href", "")) for link in links if link.get("rel") == "self" and link.get("href")]
    hub = next((h for h in hubs if urlsplit(h).scheme in ("http", "https")), None)
    if hub is None:
        return None, None
    topic = next((s for s in selves if urlsplit(s).scheme in ("http", "https")), url)
    return hub, topic


def _warning(bozo: object, fixed: str | None) -> str | None:
    parts = ([f"{type(bozo).__name__}: {bozo}"] if bozo is not None else []) + ([fixed] if fixed else [])
    return "; ".join(parts) or None
