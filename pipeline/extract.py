"""Page -> Article: trafilatura extracts the story (never menus and sidebars); the feed's own
text stands in when the page cannot be fetched, yields too little, or takes too long.

Metadata (title, date) is extracted from the page only when the feed lacks it: it costs about
as much again as the text. Extraction is bounded in wall time (`time_limit`): trafilatura has no
timeout of its own, and a hostile page must not hold a worker.
"""

from __future__ import annotations

import _thread
import logging
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NamedTuple

import trafilatura
from trafilatura.settings import use_config

from .models import Article, Entry
from .plaintext import truncate

log = logging.getLogger(__name__)

_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)?)", re.IGNORECASE)
MAX_TREE_SIZE = 200_000  # elements; trafilatura gives up on larger DOMs instead of crawling them
# trafilatura >= 2.0 refuses the max_tree_size argument (ValueError): it is a settings.cfg option now.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
MAX_TITLE_CHARS = 1000  # a title longer than this is cut before matching (and in every alert)
_TIMER_SIGNAL = signal.SIGUSR2  # only ever simulated (interrupt_main), never sent to the process


class Extracted(NamedTuple):
    title: str
    text: str
    date: str | None
    language: str | None


class ExtractionTimeout(BaseException):
    """Extraction ran past its time limit. A BaseException, so that no `except Exception` inside
    trafilatura or lxml swallows it."""


def page_language(page: bytes) -> str | None:
    m = _HTML_LANG.search(page[:4096])
    return m.group(1).decode("ascii").lower() if m else None


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ExtractionTimeout in the block once `seconds` of wall time have passed.

    A timer thread interrupts the main thread with a Python-level signal (no OS signal is sent,
    and no alarm is taken from RQ, whose job time-outs use SIGALRM). Python code is interrupted
    between two bytecodes, so a single long C call (one lxml parse) ends first. Off the main
    thread, or with no limit, the block runs unbounded."""
    if seconds is None or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    armed = threading.Event()
    armed.set()

    def on_time_up(signum: int, frame: FrameType | None) -> None:
        if armed.is_set():
            raise ExtractionTimeout(f"took longer than {seconds:g}s")

    previous = signal.signal(_TIMER_SIGNAL, on_time_up)
    timer = threading.Timer(seconds, _thread.interrupt_main, args=(_TIMER_SIGNAL,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        armed.clear()  # a timer firing from here on is ignored
        timer.cancel()
        timer.join()
        signal.signal(_TIMER_SIGNAL, previous)


def extract_text(page: bytes, url: str, *, with_metadata: bool = True) -> Extracted:
    """Title, text, published date and language of a page; empty text when nothing was found.
    Without metadata the title and date are empty (the language still comes from `<html lang>`)."""
    doc = trafilatura.bare_extraction(
        page,
        url=url,
        with_metadata=with_metadata,
        include_comments=False,
        include_tables=True,
        config=_CONFIG,
    )
    if doc is None:
        return Extracted("", "", None, page_language(page))
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    title = str(data.get("title") or "")
    text = str(data.get("text") or "")
    date = data.get("date") or None
    language = data.get("language") or page_language(page)
    return Extracted(title, text, (str(date) if date else None), language)


def feed_fallback(entry: Entry) -> str:
    return entry.content or entry.summary


def build_article(
    entry: Entry, url: str, page: bytes | None, min_text_chars: int, max_extract_time: float | None = None
) -> Article:
    """The Article for an entry: extracted page text when there is enough of it, else the feed's."""
    found = Extracted("", "", None, None)
    if page is not None:
        try:
            with time_limit(max_extract_time):
                found = extract_text(page, url, with_metadata=not (entry.title and entry.published))
        except ExtractionTimeout as exc:
            log.warning("article %s %s: extraction %s, using the feed's text", entry.key, url, exc)
        except Exception as exc:  # trafilatura/lxml on hostile input: fall back, never crash
            log.warning(
                "article %s %s: extraction failed, using the feed's text: %s: %s",
                entry.key, url, type(exc).__name__, exc,
            )  # fmt: skip
    text, text_from = found.text, "page"
    fallback = feed_fallback(entry)
    if len(text) < min_text_chars and len(fallback) > len(text):
        text, text_from = fallback, "feed"
    title = (found.title or entry.title) if entry.provisional_title else (entry.title or found.title)
    return Article(
        url=url,
        title=truncate(title, MAX_TITLE_CHARS),
        text=text,
        source=entry.source,
        published=entry.published or found.date,
        language=found.language or entry.language,
        text_from=text_from,
        category=entry.category,
        kind=entry.kind,
    )
