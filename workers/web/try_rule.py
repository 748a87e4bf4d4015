"""Try a rule (/rules/try): a query pasted, or a configured rule picked and edited, run over the
last N days of the archive (workers.searching.preview): matches per day, the first matches with
their explanations (terms, statement, snippet), and against the rule as configured what each
matches that the other does not; "copy as YAML" gives the rule entry to paste. Nothing is
saved. Bounded: PREVIEW_SECONDS of reading, after which the counts are estimated from a random
sample of the rest (with their 95% intervals); "count exactly" reads for up to EXACT_SECONDS."""

from __future__ import annotations

import functools
import time
import urllib.parse

import yaml
from jinja2 import Template

from pipeline.config import Config
from pipeline.rules import QuerySyntaxError

from ..history import History
from ..searching import preview
from .search_page import MAX_QUERY
from .status_page import environment

PREVIEW_SECONDS = 1.5  # the page is answered within 2 s on a big archive (bench/web.py)
EXACT_SECONDS = 10.0  # "count exactly": a slow preview still cannot hold the store for long
DAY_CHOICES = (1, 7, 30)
SHOWN = 20


@functools.cache
def _page() -> Template:
    return environment().get_template("try_rule.html.j2")


def render(config: Config, history: History, query_string: str) -> tuple[int, str]:
    """The page for a query string (`rule`, `q`, `days`): (HTTP status, HTML)."""
    asked = urllib.parse.parse_qs(query_string)
    rules = {r.id: r for r in config.rules}
    rule_id = (asked.get("rule") or [""])[-1]
    rule = rules.get(rule_id)
    query = (asked.get("q") or [""])[-1].strip()[:MAX_QUERY] or (rule.query if rule else "")
    days_text = (asked.get("days") or ["7"])[-1]
    days = int(days_text) if days_text.isdigit() and int(days_text) in DAY_CHOICES else 7
    exact = (asked.get("exact") or [""])[-1] == "1"
    context: dict[str, object] = {
        "rules": config.rules, "rule_id": rule.id if rule else "", "query": query, "days": days,
        "day_choices": DAY_CHOICES, "error": None, "p": None, "current": None, "as_yaml": "",
        "exact": exact, "exact_seconds": f"{EXACT_SECONDS:g}",
    }  # fmt: skip
    status = 200
    if query:
        since = time.time() - days * 86400
        try:
            found = preview(history, config, query, since, current=rule.query if rule else None, shown=SHOWN,
                            max_seconds=EXACT_SECONDS if exact else PREVIEW_SECONDS)  # fmt: skip
        except QuerySyntaxError as exc:
            context["error"] = f"{exc.message} (column {exc.column})\n{exc.caret()}"
            status = 400
        else:
            entry = {
                "id": rule.id if rule else "new-rule",
                "title": rule.display_title if rule else "",
                "query": query,
            }
            context.update(p=found, current=rule.query if rule else None,
                           as_yaml=yaml.safe_dump([entry], allow_unicode=True, sort_keys=False))  # fmt: skip
    return status, _page().render(**context)
