"""Search and backfill over the archive in the history store: the full-text index is asked for
the articles that could match (pipeline.rules.candidates: the words, phrases and prefixes every
match must hold) and each of those is checked by the workers' own matcher, so the results are
exactly those of reading every article, at the cost of reading the few the index finds.
`wirewatch search` and `backfill` (and the web app) use it."""

from __future__ import annotations

import functools
import hashlib
import random
import time
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from pipeline.alerts import article_document
from pipeline.config import Config, RuleConfig, person_variants
from pipeline.models import Archived, RuleHit, StoryCopy, iso_time, unix_time
from pipeline.rules import AliasTable, Matcher, parse_query
from pipeline.rules.candidates import candidate_any, fts5_match, tsquery
from pipeline.rules.nodes import Node
from pipeline.sampling import Estimate, Stratum, estimate, total

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
    the edited query matches and what only the current one does, with their counts. Each count
    is exact when every candidate was read in time, else an estimate with its 95% interval
    (pipeline.sampling)."""

    per_day: dict[str, Estimate]
    matched: list[Found]
    only_edited: list[Found]
    only_current: list[Found]
    total: Estimate
    only_edited_total: Estimate
    only_current_total: Estimate
    candidates: int  # the archived articles the index hands over: what a full count reads
    read: int  # how many of them were read

    @property
    def exact(self) -> bool:
        return self.read >= self.candidates


PREVIEW_BATCH = 25  # articles read a query; the time bound is looked at between batches
NEWEST_SHARE = 0.4  # of the time bound, spent at most reading newest first (for what is shown)
MIN_SAMPLE = 50  # of the rest, sampled whatever the time bound says: estimates need a sample


class _Tally:
    """What has been read of one count: per day, a pipeline.sampling.Stratum."""

    def __init__(self, sizes: dict[str, int]) -> None:
        self.days = {day: Stratum(size=n) for day, n in sizes.items()}

    def add(self, day: str, held: bool, *, sampled: bool) -> None:
        s = self.days[day]
        if sampled:
            s.sampled += 1
            s.sampled_held += held
        else:
            s.first += 1
            s.first_held += held

    def per_day(self) -> dict[str, Estimate]:
        pooled = (sum(s.sampled_held for s in self.days.values()), sum(s.sampled for s in self.days.values()))
        if not pooled[1]:  # no random sample at all: what was read newest first is all there is
            pooled = (sum(s.first_held for s in self.days.values()), sum(s.first for s in self.days.values()))
        return {day: estimate(s, pooled) for day, s in sorted(self.days.items())}

    def total(self) -> Estimate:
        return total(self.per_day().values())


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
    the archive since `since`. One matcher holds both, so that each candidate is read once. The
    candidates the index hands over are counted per day from the index alone; then they are read
    newest first until the matches shown are found (for at most NEWEST_SHARE of `max_seconds`),
    then the rest in a random order (seeded by the query: the same preview twice gives the same
    figures) until `max_seconds`: every count is exact when all were read, else estimated.
    Raises QuerySyntaxError for the edited query. Nothing is saved."""
    rules = [RuleConfig(id="edited", title="edited", query=query)]
    if current is not None:
        rules.append(RuleConfig(id="current", title="current", query=current))
    matcher = _query_matcher(config, query, rules)
    started = time.monotonic()
    deadline = None if max_seconds is None else started + max_seconds
    newest_until = None if max_seconds is None else started + max_seconds * NEWEST_SHARE
    match = index_query(history, (r.node for r in matcher.rules))
    times = article_rows.candidate_times(history, since, match=match)
    day_of = {row_id: iso_time(processed)[:10] for row_id, processed in times}
    sizes: dict[str, int] = {}
    for day in day_of.values():
        sizes[day] = sizes.get(day, 0) + 1
    kinds = ("matched", "only_edited", "only_current")  # of the edited; edited only; current only
    tallies = {name: _Tally(sizes) for name in kinds}
    lists: dict[str, list[Found]] = {name: [] for name in kinds}
    read = 0

    def full() -> bool:
        wanted = kinds if current is not None else ("matched",)
        return all(len(lists[name]) >= shown for name in wanted)

    def read_batch(ids: list[int], *, sampled: bool) -> None:
        nonlocal read
        items = article_rows.read_ids(history, ids)
        for row_id in ids:
            item = items.get(row_id)
            if item is None:  # forgotten (retention) since the index was asked: not counted
                continue
            read += 1
            day = day_of[row_id]
            document = article_document(item.article)
            which = set(matcher.match_ids(document))
            is_edited, is_current = "edited" in which, "current" in which
            held = {
                "matched": is_edited,
                "only_edited": is_edited and current is not None and not is_current,
                "only_current": is_current and not is_edited,
            }
            for name in kinds:
                tallies[name].add(day, held[name], sampled=sampled)
                if held[name] and len(lists[name]) < shown:
                    wanted = "current" if name == "only_current" else "edited"
                    hits = [h for h in matcher.match(document) if h.rule_id == wanted]
                    lists[name].append(Found(item, hits))

    def in_time(until: float | None) -> bool:
        return until is None or time.monotonic() < until

    ids = [row_id for row_id, _ in times]
    at = 0  # newest first: at least a batch, then while the lists wait and time allows
    while at < len(ids) and (at == 0 or (not full() and in_time(newest_until))):
        read_batch(ids[at : at + PREVIEW_BATCH], sampled=False)
        at += PREVIEW_BATCH
    rest = ids[at:]
    random.Random(hashlib.sha256(f"{query}\0{current}".encode()).digest()).shuffle(rest)
    for start in range(0, len(rest), PREVIEW_BATCH):  # a sample of MIN_SAMPLE at least
        if start >= MIN_SAMPLE and not in_time(deadline):
            break
        read_batch(rest[start : start + PREVIEW_BATCH], sampled=True)
    newest = functools.partial(sorted, key=lambda f: (f.item.seen, f.item.entry_key), reverse=True)
    return Preview(
        per_day=tallies["matched"].per_day(),
        matched=newest(lists["matched"]),
        only_edited=newest(lists["only_edited"]),
        only_current=newest(lists["only_current"]),
        total=tallies["matched"].total(),
        only_edited_total=tallies["only_edited"].total(),
        only_current_total=tallies["only_current"].total(),
        candidates=len(ids),
        read=read,
    )


def _query_matcher(config: Config, query: str, rules: list[RuleConfig]) -> Matcher:
    """A matcher of these rules with the config's aliases and people; QuerySyntaxError (with its
    caret) for `query`, the one a person typed, before anything is read."""
    people = person_variants(config.people)
    parse_query(query, AliasTable(config.aliases, people=people))
    return Matcher(rules, config.aliases, people=people)
