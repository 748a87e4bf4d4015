"""Page -> Article: trafilatura extracts the story (never menus and sidebars); the feed's own
text stands in when the page cannot be fetched or yields too little."""

from __future__ import annotations

import logging
import re

import trafilatura
from trafilatura.settings import use_config

from .models import Article, Entry

log = logging.getLogger(__name__)

_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)?)", re.IGNORECASE)
MAX_TREE_SIZE = 200_000  # elements; trafilatura gives up on larger DOMs instead of crawling them
# trafilatura >= 2.0 refuses the max_tree_size argument (ValueError): it is a settings.cfg option now.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))


def page_language(page: bytes) -> str | None:
    m = _HTML_LANG.search(page[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def extract_text(page: bytes, url: str) -> tuple[str, str, str | None, str | None]:
    """(title, text, published date, language) of a page; empty text when nothing was found."""
    doc = trafilatura.bare_extraction(
        page,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        config=_CONFIG,
    )
    if doc is None:
        return "", "", None, page_language(page)
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    title = str(data.get("title") or "")
    text = str(data.get("text") or "")
    date = data.get("date") or None
    language = data.get("language") or page_language(page)
    return title, text, (str(date) if date else None), language


def feed_fallback(entry: Entry) -> str:
    return entry.content or entry.summary


def build_article(entry: Entry, url: str, page: bytes | None, min_text_chars: int) -> Article:
    """The Article for an entry: extracted page text when there is enough of it, else the feed's."""
    title, text, date, language = ("", "", None, None)
    if page is not None:
        try:
            title, text, date, language = extract_text(page, url)
        except Exception as exc:  # trafilatura/lxml on hostile input: fall back, never crash
            log.warning("%s: extraction failed, using the feed's text: %s: %s", url, type(exc).__name__, exc)
    text_from = "page"
    fallback = feed_fallback(entry)
    if len(text) < min_text_chars and len(fallback) > len(text):
        text, text_from = fallback, "feed"
    return Article(
        url=url,
        title=entry.title or title,
        text=text,
        source=entry.source,
        published=entry.published or date,
        language=language or entry.language,
        text_from=text_from,
    )
