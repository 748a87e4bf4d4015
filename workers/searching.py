"""Search and backfill over the archive in the history store: the full-text index is asked for
the articles that could match (pipeline.rules.candidates: the words, phrases and prefixes every
match must hold) and each of those is checked by the workers' own matcher, so the results are
exactly those of reading every article, at the cost of reading the few the index finds.
`wirewatch search` and `backfill` (and the web app) use it."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from pipeline.alerts import article_document
from pipeline.config import Config, RuleConfig, person_variants
from pipeline.models import Archived, RuleHit, StoryCopy, unix_time
from pipeline.rules import AliasTable, Matcher, parse_query
from pipeline.rules.candidates import candidate_any, fts5_match, tsquery
from pipeline.rules.nodes import Node

from .history import History
from .history import articles as article_rows


class Found(NamedTuple):
    """An archived article and the rules (or the query) that match it, with why."""

    item: Archived
    hits: list[RuleHit]


def index_query(history: History, trees: Iterable[Node]) -> str | None:
    """The backend's full-text query for articles any of these trees could match (None: the
    trees ask nothing the index can answer, e.g. only `url:` or NOT: every article is read)."""
    candidate = candidate_any(trees)
    # PostgreSQL: no phrases (array_to_tsvector keeps no positions): their words, each asked
    return fts5_match(candidate) if history.sqlite else tsquery(candidate)


def checked(
    history: History,
    matcher: Matcher,
    since: float,
    *,
    newest_first: bool = False,
    until: float | None = None,
) -> Iterator[Found]:
    """Every archived article processed in [since, until) that the index hands over, oldest (or
    newest) first, with the rules that match it (often none: the index finds a superset)."""
    match = index_query(history, (r.node for r in matcher.rules))
    for item in article_rows.read(history, since, until=until, newest_first=newest_first, match=match):
        yield Found(item, matcher.match(article_document(item.article)))


def matching(
    history: History,
    matcher: Matcher,
    since: float,
    *,
    newest_first: bool = False,
    until: float | None = None,
) -> Iterator[Found]:
    """The archived articles processed in [since, until) that the matcher's rules match, oldest
    (or newest) first: exactly those a reading of every article would give."""
    found = checked(history, matcher, since, newest_first=newest_first, until=until)
    return (f for f in found if f.hits)


def candidates(history: History, matcher: Matcher, since: float) -> int:
    """How many archived articles since `since` the index hands to the matcher (for progress)."""
    return article_rows.count(history, since, match=index_query(history, (r.node for r in matcher.rules)))


class SearchPage(NamedTuple):
    """One page of a search: what was found, the cursor of the next page (None: the last), the
    other outlets of each story (by story id), and whether the search stopped at its time bound."""

    found: list[Found]
    next_until: float | None
    copies: dict[str, list[StoryCopy]]
    stopped: bool


def search(
    history: History,
    config: Config,
    query: str,
    since: float,
    *,
    limit: int,
    until: float | None = None,
    max_seconds: float | None = None,
) -> SearchPage:
    """One query in the rule language (the config's aliases and people) over the archive, newest
    first: `limit` articles processed in [since, until), and where the next page starts. Raises
    QuerySyntaxError (with its caret) when the query does not parse. `max_seconds` bounds the
    reading: a query the index narrows little stops there (`stopped`) rather than hold the store."""
    matcher = _query_matcher(config, query, [RuleConfig(id="search", title="search", query=query)])
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    found: list[Found] = []
    stopped = False
    for hit in checked(history, matcher, since, newest_first=True, until=until):
        if hit.hits:
            found.append(hit)
            if len(found) > limit:
                break
        if deadline is not None and time.monotonic() > deadline:
            stopped = True
            break
    more = len(found) > limit
    found = found[:limit]
    next_until = unix_time(found[-1].item.seen) if (more or stopped) and found else None
    copies = article_rows.story_copies(history, list({f.item.story.id for f in found}))
    return SearchPage(found, next_until, copies, stopped)


class Preview(NamedTuple):
    """What a rule would have matched over the archive (`preview`): per day (UTC date -> count),
    the first matches (newest first) with why, and, against the rule as configured, what only
    the edited query matches and what only the current one does."""

    per_day: dict[str, int]
    matched: list[Found]
    only_edited: list[Found]
    only_current: list[Found]
    total: int
    read: int  # archived articles read (the index's candidates)
    stopped: bool


def preview(
    history: History,
    config: Config,
    query: str,
    since: float,
    *,
    current: str | None = None,
    shown: int = 20,
    max_seconds: float | None = None,
) -> Preview:
    """The edited `query` (and the configured `current` query of the same rule, if given) over
    the archive since `since`, in one pass: one matcher holds both, so that each candidate is read
    once. Raises QuerySyntaxError for the edited query. Nothing is saved."""
    rules = [RuleConfig(id="edited", title="edited", query=query)]
    if current is not None:
        rules.append(RuleConfig(id="current", title="current", query=current))
    matcher = _query_matcher(config, query, rules)
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    per_day: dict[str, int] = {}
    matched: list[Found] = []
    only_edited: list[Found] = []
    only_current: list[Found] = []
    total = read = 0
    stopped = False
    for found in checked(history, matcher, since, newest_first=True):
        read += 1
        which = {h.rule_id for h in found.hits}
        if "edited" in which:
            total += 1
            day = found.item.seen[:10]
            per_day[day] = per_day.get(day, 0) + 1
            edited = Found(found.item, [h for h in found.hits if h.rule_id == "edited"])
            if len(matched) < shown:
                matched.append(edited)
            if current is not None and "current" not in which and len(only_edited) < shown:
                only_edited.append(edited)
        elif "current" in which and len(only_current) < shown:
            only_current.append(Found(found.item, found.hits))
        if deadline is not None and time.monotonic() > deadline:
            stopped = True
            break
    return Preview(dict(sorted(per_day.items())), matched, only_edited, only_current, total, read, stopped)


def _query_matcher(config: Config, query: str, rules: list[RuleConfig]) -> Matcher:
    """A matcher of these rules with the config's aliases and people; QuerySyntaxError (with its
    caret) for `query`, the one a person typed, before anything is read."""
    people = person_variants(config.people)
    parse_query(query, AliasTable(config.aliases, people=people))
    return Matcher(rules, config.aliases, people=people)
