"""Rules compiled once into one structure, matched against many documents.

    matcher = Matcher(config.rules, config.aliases)      # or raises RuleErrors, listing all
    for hit in matcher.match(Document(title=..., text=...)): ...

Build: parse every rule (aliases expanded) and register its anchors in the `Prefilter`; from
20,000 rules on, helper processes forked at the start parse chunks of them meanwhile (Linux).
Match: index the document once, ask the prefilter for candidates, evaluate only those exactly,
and explain the few that hold (`match_ids` skips the explanations). Nothing loads partially:
one bad rule and the whole set is refused.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NamedTuple, Protocol

from ..models import RuleHit
from .aliases import AliasTable
from .evaluate import Check, TooCostly, compile_holds, explain_hits, holds
from .highlight import build_match
from .index import Document, DocumentIndex
from .lexer import QuerySyntaxError
from .nodes import FIELDS, Node
from .parser import parse_query
from .prefilter import Prefilter

__all__ = ["CompiledRule", "Document", "Matcher", "RuleError", "RuleErrors", "RuleSpec", "build_processes"]

log = logging.getLogger(__name__)


class _Source(Protocol):
    """What parsing needs of a rule (all a helper process is sent)."""

    @property
    def id(self) -> str: ...

    @property
    def query(self) -> str: ...

    @property
    def aliases(self) -> Mapping[str, Sequence[str]]: ...


class RuleSpec(_Source, Protocol):
    """What the matcher needs of a rule (`schema.RuleConfig` is one)."""

    @property
    def display_title(self) -> str: ...


class RuleError(ValueError):
    """One rule (or, with rule_id None, the shared aliases) that cannot load."""

    def __init__(self, rule_id: str | None, message: str, column: int | None = None, query: str = "") -> None:
        where = f"rule {rule_id!r}" if rule_id is not None else "aliases"
        text = f"{where}: {message}" + (f" (column {column})" if column is not None else "")
        if column is not None and query:
            text += "\n" + QuerySyntaxError(message, column, query).caret()
        super().__init__(text)
        self.rule_id = rule_id
        self.message = message
        self.column = column
        self.query = query

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.rule_id, self.message, self.column, self.query))


class RuleErrors(Exception):
    """Every rule that failed; raised instead of loading any rule at all."""

    def __init__(self, errors: Sequence[RuleError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(str(e) for e in self.errors)
        super().__init__(f"{len(self.errors)} rule error(s):\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors,))


PARALLEL_MIN_RULES = 20_000  # below this, one process builds (bench/README.md, "Rules")
BATCH = 20_000  # rules read (and parsed in parallel) at a time
MAX_PROCESSES = 4
_CAN_FORK = sys.platform == "linux"  # fork without exec is unsafe on macOS; Windows has none

# One parsed rule: its number, its tree (None if it failed) and its errors.
_Parsed = list[tuple[int, Node | None, list[RuleError]]]
_Chunk = tuple[int, int, "Future[_Parsed] | None"]  # rules [start, stop) sent to a helper


def build_processes(rules: int) -> int:
    """How many processes to parse `rules` rules with, by default."""
    if rules < PARALLEL_MIN_RULES or not _CAN_FORK:
        return 1
    return max(1, min(MAX_PROCESSES, len(os.sched_getaffinity(0))))


def _parse(rules: Sequence[_Source], start: int, stop: int, shared: AliasTable) -> _Parsed:
    out: _Parsed = []
    for n in range(start, stop):
        rule = rules[n]
        table = shared.extended(rule.aliases)
        problems = [RuleError(rule.id, str(p)) for p in table.problems()] if table is not shared else []
        try:
            node: Node | None = parse_query(rule.query, table)
        except QuerySyntaxError as exc:
            problems.append(RuleError(rule.id, exc.message, exc.column, rule.query))
            node = None
        out.append((n, node, problems))
    return out


class _Spec(NamedTuple):
    """What a helper process needs of a rule."""

    id: str
    query: str
    aliases: Mapping[str, Sequence[str]]


_HELPER_ALIASES: AliasTable | None = None  # in a helper process: the shared aliases


def _start_helper(shared: AliasTable) -> None:  # pragma: no cover - runs in the helpers
    global _HELPER_ALIASES
    _HELPER_ALIASES = shared
    gc.disable()  # as in the parent: trees hold no cycles, and each chunk is freed once sent


def _parse_specs(specs: list[_Spec], first: int) -> _Parsed:  # pragma: no cover - in the helpers
    assert _HELPER_ALIASES is not None
    return [
        (first + n, node, problems) for n, node, problems in _parse(specs, 0, len(specs), _HELPER_ALIASES)
    ]


class Helpers:
    """Processes that parse chunks of rules for the build, forked once at its start (while this
    process is small, so that they stay small too: each page this process writes to afterwards
    becomes a private page of theirs). A chunk a helper fails on (it was killed, ran out of
    memory, or hit a bug) is parsed here instead, where the same bug raises as it would have
    without helpers."""

    CHUNK = 5000

    def __init__(self, count: int, shared: AliasTable) -> None:
        self.count = count
        self.pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            count,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_helper,
            initargs=(shared,),
        )
        self.pool.submit(int).result()  # fork them now

    def submit(self, rules: Sequence[RuleSpec], start: int, stop: int) -> list[_Chunk]:
        """Send rules [start, stop) to the helpers, in chunks."""
        chunks: list[_Chunk] = []
        for a in range(start, stop, self.CHUNK):
            b = min(stop, a + self.CHUNK)
            future = None
            if self.pool is not None:
                specs = [_Spec(r.id, r.query, dict(r.aliases)) for r in rules[a:b]]
                with contextlib.suppress(BrokenProcessPool):  # reported when its result is asked for
                    future = self.pool.submit(_parse_specs, specs, a)
            chunks.append((a, b, future))
        return chunks

    def results(
        self, rules: Sequence[RuleSpec], chunks: list[_Chunk], shared: AliasTable
    ) -> Iterator[_Parsed]:
        """Each chunk's parsed rules, in order, waiting for each."""
        for a, b, future in chunks:
            try:
                if future is None:
                    raise BrokenProcessPool("the helper processes are gone")
                yield future.result()
            except Exception as exc:
                log.warning("rules %d-%d: a helper process failed (%s); parsing them here", a, b, exc)
                if isinstance(exc, BrokenProcessPool):
                    self.close()
                yield _parse(rules, a, b, shared)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class CompiledRule(NamedTuple):
    rule_id: str
    title: str
    node: Node


class Matcher:
    """Parses every rule up front; `match` then runs them over one document.

    `processes`: how many processes parse the rules, counting this one (the others are forked
    helpers, Linux only, that send their trees back pickled). By default one per CPU, up to
    MAX_PROCESSES, when there are PARALLEL_MIN_RULES rules or more.
    """

    def __init__(
        self,
        rules: Iterable[RuleSpec],
        shared_aliases: Mapping[str, Sequence[str]] | None = None,
        *,
        people: Mapping[str, Sequence[str]] | None = None,
        processes: int | None = None,
        parsed: Mapping[str, Node] | None = None,
    ) -> None:
        # The trees hold no cycles; the cyclic GC is paused so that it does not walk every
        # object built so far again and again (bench/README.md, "Rules").
        paused = gc.isenabled()
        gc.disable()
        try:
            self._build(rules, AliasTable(shared_aliases, people=people), processes, parsed or {})
        finally:
            if paused:
                gc.enable()

    def _build(
        self,
        rules: Iterable[RuleSpec],
        shared: AliasTable,
        processes: int | None,
        parsed: Mapping[str, Node],
    ) -> None:
        errors = [RuleError(None, str(p)) for p in [*shared.problems(), *shared.person_problems()]]
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._nodes: list[Node] = []
        self._prefilter = Prefilter()
        # In batches, so that rules given by a generator are never all held at once.
        source = iter(rules)
        batch = list(itertools.islice(source, BATCH))
        if parsed:  # trees the config loader made (and checked): parse only what it lacks
            processes = 1
        count = processes if processes is not None else build_processes(len(batch))
        self.processes = max(1, min(count, len(batch))) if _CAN_FORK else 1
        helpers = Helpers(self.processes - 1, shared) if self.processes > 1 else None
        try:
            while batch:
                errors += self._build_batch(batch, shared, helpers, parsed)
                batch = list(itertools.islice(source, BATCH))
        finally:
            if helpers is not None:
                helpers.close()
        if errors:
            raise RuleErrors(errors)
        self._checks: list[Check | None] = [None] * len(self._nodes)

    def _build_batch(
        self, rules: list[RuleSpec], shared: AliasTable, helpers: Helpers | None, parsed: Mapping[str, Node]
    ) -> list[RuleError]:
        errors: list[RuleError] = []
        if parsed:
            for n, rule in enumerate(rules):
                tree = parsed.get(rule.id)
                if tree is None:
                    [(_, tree, problems)] = _parse(rules, n, n + 1, shared)
                    errors += problems
                if tree is not None:
                    self._add(rule, tree)
            return errors
        # This process also sends the helpers their rules, loads their trees and files every
        # rule in the prefilter, so it parses less itself: 0.55 of a helper's share.
        mine = len(rules) if helpers is None else round(len(rules) * 0.55 / (0.55 + helpers.count))
        chunks = helpers.submit(rules, mine, len(rules)) if helpers is not None else []
        theirs = helpers.results(rules, chunks, shared) if helpers is not None else ()
        for part in itertools.chain([_parse(rules, 0, mine, shared)], theirs):
            for n, node, problems in part:
                errors += problems
                if node is not None:
                    self._add(rules[n], node)
        return errors

    def _add(self, rule: RuleSpec, node: Node) -> None:
        self._prefilter.add(len(self._nodes), node)
        self._ids.append(rule.id)
        self._titles.append(rule.display_title)
        self._nodes.append(node)

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def rules(self) -> Iterator[CompiledRule]:
        """Each rule as loaded: id, title and the parsed query tree."""
        return (CompiledRule(*r) for r in zip(self._ids, self._titles, self._nodes, strict=True))

    @property
    def prefilter(self) -> Prefilter:
        return self._prefilter

    def match(self, doc: Document) -> list[RuleHit]:
        """Every rule that matches `doc`, in rule order, with why (one `Match` per field)."""
        index = DocumentIndex(doc)
        return [self._hit(n, index) for n in self._matching(index)]

    def match_ids(self, doc: Document) -> list[str]:
        """The ids of the rules that match `doc`, in rule order, without the explanations."""
        index = DocumentIndex(doc)
        return [self._ids[n] for n in self._matching(index)]

    def _matching(self, index: DocumentIndex) -> list[int]:
        """The numbers of the rules that hold: the prefilter's candidates, each checked exactly."""
        checks = self._checks
        out = []
        for n in self._prefilter.candidates(index):
            check = checks[n]
            if check is None:  # compiled on first use: most rules are never candidates
                check = checks[n] = compile_holds(self._nodes[n])
            try:
                held = check(index)
            except TooCostly as exc:
                self._too_costly(n, index, exc)
                held = holds(self._nodes[n], index, bounded=True)
            if held:
                out.append(n)
        return out

    def _hit(self, n: int, index: DocumentIndex) -> RuleHit:
        try:
            found = explain_hits(self._nodes[n], index)
        except TooCostly:  # already reported by `_matching`
            found = explain_hits(self._nodes[n], index, bounded=True)
        found = found or []
        fields = {h.field for h in found}
        matches = tuple(build_match(f, index.field(f), found) for f in FIELDS if f in fields)
        return RuleHit(rule_id=self._ids[n], rule_title=self._titles[n], matches=matches)

    def _too_costly(self, n: int, index: DocumentIndex, exc: TooCostly) -> None:
        where = index.document.url or "a document"
        log.warning(
            "Rule %s: %s on %s; matched it with bounded NEARs instead (a match needing a long"
            " nested NEAR range can be missed: narrow its NEAR distances or nest fewer)",
            self._ids[n],
            exc,
            where,
        )
