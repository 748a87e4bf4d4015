"""The search page (/search): one query in the rule language over the archive in the history
store (workers.searching: the full-text index narrows, the workers' matcher decides), newest
first, with highlighted snippets and the story's other outlets, a page at a time (`until`: where
the next page starts). A bad query shows the parser's error with its caret. Bounded: at most
MAX_SECONDS of reading and PAGE_SIZE results a page; the query at most MAX_QUERY characters."""

from __future__ import annotations

import functools
import time
import urllib.parse

from jinja2 import Template

from pipeline.config import Config
from pipeline.rules import QuerySyntaxError
from pipeline.values import parse_duration

from ..history import History
from ..searching import Found, search
from ..store.stories import also_reported_by
from .status_page import environment

PAGE_SIZE = 25
MAX_SECONDS = 5.0
MAX_QUERY = 2000
PERIODS = (
    ("1d", "the last day"),
    ("7d", "the last 7 days"),
    ("30d", "the last 30 days"),
    ("365d", "the last year"),
)


@functools.cache
def _page() -> Template:
    return environment().get_template("search.html.j2")


def render(config: Config, history: History, query_string: str) -> tuple[int, str]:
    """The page for a query string (`q`, `since`, `until`): (HTTP status, HTML)."""
    asked = urllib.parse.parse_qs(query_string)
    query = (asked.get("q") or [""])[-1].strip()[:MAX_QUERY]
    since_text = (asked.get("since") or ["7d"])[-1]
    if since_text not in dict(PERIODS):
        since_text = "7d"
    until_text = (asked.get("until") or [""])[-1]
    until = float(until_text) if until_text.replace(".", "", 1).isdigit() else None
    context: dict[str, object] = {
        "query": query, "since": since_text, "periods": PERIODS, "results": [], "error": None,
        "stopped": False, "next_until": None, "next_query": "", "page": int(bool(until)) + 1,
        "max_seconds": f"{MAX_SECONDS:g}", "also": lambda r: "",
    }  # fmt: skip
    status = 200
    if query:
        since = time.time() - parse_duration(since_text)
        try:
            found = search(
                history, config, query, since, limit=PAGE_SIZE, until=until, max_seconds=MAX_SECONDS
            )
        except QuerySyntaxError as exc:
            context["error"] = f"{exc.message} (column {exc.column})\n{exc.caret()}"
            status = 400
        else:

            def also(r: Found) -> str:
                return also_reported_by(r.item.story, r.item.article.url, found.copies)

            nxt = (
                {"q": query, "since": since_text, "until": f"{found.next_until:.6f}"}
                if found.next_until
                else {}
            )
            context.update(
                results=found.found, stopped=found.stopped, next_until=found.next_until,
                next_query=urllib.parse.urlencode(nxt), also=also,
            )  # fmt: skip
    return status, _page().render(**context)
