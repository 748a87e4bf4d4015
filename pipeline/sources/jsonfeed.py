"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org) bodies -> entries, for the `rss` kind.

Written here because feedparser, which reads every other feed format, does not read this one in
any release on PyPI (6.0.14: its JSON Feed support is unreleased, kurtmckee/feedparser#103), and
no maintained library fits better than a mapping this small: the format is one JSON object whose
`items` carry what an Entry needs under fixed names. Bad input is an outcome, as with feedparser:
items that are not objects or have no id, link or text are skipped and counted in the warning;
a body that is no JSON Feed raises NotAFeedError naming the feed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..errors import NotAFeedError
from ..feeds import (
    MAX_ENTRIES,
    FeedRef,
    ParsedFeed,
    canonical_url,
    entry_key,
    html_to_text,
    source_name,
    stable_keys,
    utc_time,
)
from ..models import Entry

VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")
MAX_FIELD_CHARS = 1_000_000  # one item's text: the body's own cap bounds it anyway


def looks_like_json(content: bytes) -> bool:
    """Whether the body is a JSON object (after a BOM and whitespace), not XML."""
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(content: bytes, feed: FeedRef, final_url: str | None = None) -> ParsedFeed:
    """The entries of a JSON Feed. Raises NotAFeedError when the body is no JSON Feed."""
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: [[[[...
        raise NotAFeedError(f"{feed.url}: not a feed (JSON that does not parse: {exc})") from exc
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        raise NotAFeedError(f"{feed.url}: not a feed (JSON without a JSON Feed version)")
    base = final_url or feed.url
    feed_title = " ".join(_text(doc.get("title")).split())
    source = source_name(feed, feed_title)
    language = _text(doc.get("language")) or None
    items = doc.get("items")
    items = items if isinstance(items, list) else []
    entries: list[Entry] = []
    skipped = 0
    for raw in items[:MAX_ENTRIES]:
        entry = _entry(raw, feed, source, language, base) if isinstance(raw, dict) else None
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    entries, shared = stable_keys(feed, entries)
    notes = [f"version {version!r} is not one of {', '.join(VERSIONS)}"] if version not in VERSIONS else []
    notes += [f"{skipped} item(s) skipped: not an object, or no id, link or text"] if skipped else []
    notes += [f"{shared} items share an id with another: keyed by link"] if shared else []
    return ParsedFeed(entries=tuple(entries), title=feed_title, warning="; ".join(notes) or None)


def _entry(raw: dict[str, Any], feed: FeedRef, source: str, language: str | None, base: str) -> Entry | None:
    link = _link(raw.get("url"), base) or _link(raw.get("external_url"), base)
    title = " ".join(_text(raw.get("title")).split())  # plain text, in JSON Feed: never HTML
    summary = _text(raw.get("summary"))
    content = _text(raw.get("content_text")) or html_to_text(_text(raw.get("content_html")))
    item_id = raw.get("id")
    # 1.0 allowed a number; 1.1 says a string. Either way, an id names the item.
    guid = str(item_id).strip() if isinstance(item_id, str | int) and not isinstance(item_id, bool) else ""
    if not (guid or link or title or content):
        return None
    return Entry(
        feed_id=feed.id,
        feed_url=feed.url,
        source=source,
        key=entry_key(feed, guid, link, title, summary or content),
        link=link,
        title=title,
        published=_time(raw.get("date_published")) or _time(raw.get("date_modified")),
        summary=summary,
        content=content if content != summary else "",
        language=_text(raw.get("language")) or language,
        category=feed.category,
    )


def _text(value: object) -> str:
    return value[:MAX_FIELD_CHARS].strip() if isinstance(value, str) else ""


def _link(value: object, base: str) -> str | None:
    link = urljoin(base, _text(value)) if _text(value) else ""
    return canonical_url(link) if urlsplit(link).scheme in ("http", "https") else None


def _time(value: object) -> str | None:
    """An RFC 3339 time as ISO 8601 UTC; None when it is not one."""
    when = utc_time(_text(value))
    return when.isoformat() if when is not None else None
