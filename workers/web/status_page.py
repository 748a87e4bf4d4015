"""The status page at / on `metrics_listen`: recent alerts (with the statement a said_by: or
quote: match found), feeds and their health, queues and workers, failed deliveries, the rules
and how often each matched today. Server-rendered with Jinja2 (autoescaped: feed and page text
is hostile), no script and no third-party assets, which its Content-Security-Policy enforces as
well; it refreshes itself with a meta refresh."""

from __future__ import annotations

import functools
import html
import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup
from redis import Redis
from redis.exceptions import RedisError

from pipeline.config import Config
from pipeline.models import Match, iso_time
from pipeline.plaintext import one_line, scrub
from pipeline.sinks.render import highlight, safe_link, statement_line

from ..overview import read_overview
from ..store.generation import generation as config_generation

REFRESH_SECONDS = 15
HEADERS = (  # a tuple: wsgiref adds Content-Length to the list it is given
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Security-Policy",
     "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
     "frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)  # fmt: skip


def _marked(match: Match) -> Markup:
    """The snippet, escaped, with its hits in <mark>."""
    body = highlight(scrub(match.snippet), match.highlights, "<mark>", "</mark>", html.escape)
    return Markup(" ".join(body.split()))


def _environment() -> Environment:
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
        statement=statement_line,
        safe_link=lambda u: safe_link(str(u)) or "",
    )
    return env


@functools.cache
def _page() -> Template:
    """The page's template, compiled at the first request: every `wirewatch` command imports
    this module (the CLI serves the page), few serve it."""
    return _environment().get_template("status.html.j2")


def render(config: Config, redis: Redis) -> tuple[bool, str]:
    """The page: (whether Redis answered, its HTML)."""
    try:
        o = read_overview(config, redis, alerts=25)
        generation = config_generation(redis)
    except RedisError as exc:
        page = _page().render(o=None, problems=[], error=f"Redis does not answer: {exc}", generation="-",
                            taken_at=iso_time(time.time()), refresh=REFRESH_SECONDS)  # fmt: skip
        return False, page
    page = _page().render(o=o, problems=o.problems(), error=None, generation=generation,
                        taken_at=iso_time(o.taken_at), refresh=REFRESH_SECONDS)  # fmt: skip
    return True, page
