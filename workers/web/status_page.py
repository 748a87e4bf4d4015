"""The status page at / on `metrics_listen`: recent alerts (with the statement a said_by: or
quote: match found), feeds and their health, queues and workers, failed deliveries, the rules
and how often each matched today. Feeds and rules a page at a time (`?feeds=2&rules=3`): the
worst feeds and the busiest rules first, with counts of the others, so that the page costs the
same at 100,000 feeds as at ten. Server-rendered with Jinja2 (autoescaped: feed and page text
is hostile), no script and no third-party assets, which its Content-Security-Policy enforces as
well; it refreshes itself with a meta refresh."""

from __future__ import annotations

import functools
import html
import time
import urllib.parse
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup
from redis import Redis
from redis.exceptions import RedisError

from pipeline.config import Config
from pipeline.feedback import make_token
from pipeline.models import Alert, Match, iso_time, unix_time
from pipeline.plaintext import one_line, scrub
from pipeline.sinks.render import highlight, safe_link, statement_line

from ..history import History
from ..history import feedback as feedback_rows
from ..history.feedback import RuleStats
from ..overview import read_overview
from ..rates import RuleRate, rule_rates, sparkline
from ..store import feedback as feedback_store
from ..store.generation import generation as config_generation

REFRESH_SECONDS = 15
# What every page of the web app is sent with (its type is the response's): no script and nothing
# from elsewhere, forms (search, try a rule, feedback) submitted to this app only.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _marked(match: Match) -> Markup:
    """The snippet, escaped, with its hits in <mark>."""
    body = highlight(scrub(match.snippet), match.highlights, "<mark>", "</mark>", html.escape)
    return Markup(" ".join(body.split()))


def environment() -> Environment:
    """The Jinja2 environment of every page: autoescaped, strict, with the pages' filters."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        marked=_marked,
        one_line=one_line,
        n=lambda number: f"{number:,}",  # 99,950: thousands apart
        statement=statement_line,
        safe_link=lambda u: safe_link(str(u)) or "",
    )
    return env


@functools.cache
def _page() -> Template:
    """The page's template, compiled at the first request: every `wirewatch` command imports
    this module (the CLI serves the page), few serve it."""
    return environment().get_template("status.html.j2")


def page_numbers(query: str) -> tuple[int, int]:
    """The pages of feeds and of rules a query string asks for (`?feeds=2&rules=3`; 1 when
    absent or not a number; past the last, the last is shown)."""
    asked = urllib.parse.parse_qs(query)

    def number(name: str) -> int:
        value = (asked.get(name) or ["1"])[-1]
        return int(value) if value.isdigit() and len(value) < 10 else 1

    return number("feeds"), number("rules")


def render(
    config: Config, redis: Redis, feeds_page: int = 1, rules_page: int = 1, history: History | None = None
) -> tuple[bool, str]:
    """The page: (whether Redis answered, its HTML), with that page of feeds (the worst first)
    and of rules (those that matched most today first); with the history store, each rule's
    stories an hour over the last day against its baseline, its feedback and precision over 7
    and 30 days, and each alert's feedback buttons."""
    try:
        o = read_overview(config, redis, alerts=25, feeds_page=feeds_page, rules_page=rules_page)
        generation = config_generation(redis)
        key = feedback_store.secret(redis, config.feedback_secret)
    except RedisError as exc:
        page = _page().render(o=None, problems=[], error=f"Redis does not answer: {exc}", generation="-",
                            taken_at=iso_time(time.time()), refresh=REFRESH_SECONDS)  # fmt: skip
        return False, page
    now = time.time()
    stats: dict[int, dict[str, RuleStats]] = {}
    rates: dict[str, RuleRate] = {}
    if history is not None:
        try:
            stats = {days: feedback_rows.stats(history, now - days * 86400) for days in (7, 30)}
            rates = rule_rates(history, [r.id for r in o.rules], config.spike_rules, now)
        except Exception:  # the history store down: the table shows no feedback, the page still answers
            stats, rates = {}, {}

    def token(alert: Alert) -> str:
        return make_token(
            key, alert.alert_id, alert.rule_id, unix_time(alert.created_at) + config.feedback_ttl
        )

    page = _page().render(o=o, problems=o.problems(), error=None, generation=generation, stats=stats,
                          rates=rates, spark=sparkline, token=token, taken_at=iso_time(o.taken_at),
                          refresh=REFRESH_SECONDS)  # fmt: skip
    return True, page
