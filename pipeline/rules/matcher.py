"""Rules compiled once into one structure, matched against many documents.

    matcher = Matcher(config.rules, config.aliases)      # or raises RuleErrors, listing all
    for hit in matcher.match(Document(title=..., text=...)): ...

Build: parse every rule (aliases expanded), register its anchors in the `Prefilter`. Match:
index the document once, ask the prefilter for candidates, evaluate only those exactly, and
explain the few that hold. Nothing loads partially: one bad rule and the whole set is refused.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import os
import pickle
import signal
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from ..models import RuleHit
from .aliases import AliasTable
from .evaluate import Check, compile_holds, explain_hits
from .highlight import build_match
from .index import Document, DocumentIndex
from .nodes import FIELDS, Node
from .parser import QuerySyntaxError, parse_query
from .prefilter import Prefilter

__all__ = ["CompiledRule", "Document", "Matcher", "RuleError", "RuleErrors", "RuleSpec", "build_processes"]

log = logging.getLogger(__name__)


class RuleSpec(Protocol):
    """What the matcher needs of a rule (`schema.RuleConfig` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def query(self) -> str: ...

    @property
    def aliases(self) -> Mapping[str, Sequence[str]]: ...

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


PARALLEL_MIN_RULES = 20_000  # below this, forking costs more than it saves
BATCH = 100_000  # rules read (and parsed in parallel) at a time
MAX_PROCESSES = 4
_CAN_FORK = sys.platform == "linux"  # fork without exec is unsafe on macOS; Windows has none

# One parsed rule: its number, its tree (None if it failed) and its errors.
_Parsed = list[tuple[int, Node | None, list[RuleError]]]


def build_processes(rules: int) -> int:
    """How many processes to parse `rules` rules with, by default."""
    if rules < PARALLEL_MIN_RULES or not _CAN_FORK:
        return 1
    return max(1, min(MAX_PROCESSES, len(os.sched_getaffinity(0))))


def _parse(rules: Sequence[RuleSpec], start: int, stop: int, shared: AliasTable) -> _Parsed:
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


class ParsedElsewhere:
    """Slices of the rules parsed by forked children, streamed back in chunks.

    A child appends each chunk of pickled trees to a temporary file and then tells its size
    down a pipe, so this process loads and files one chunk while the child parses the next.
    Iterating gives the chunks in rule order. A child that fails (killed, out of memory, a
    bug) costs only time: the rules it did not send are parsed here, where the same bug
    raises as it would have without children.
    """

    CHUNK = 5000

    def __init__(self, rules: Sequence[RuleSpec], shared: AliasTable, bounds: Sequence[int]) -> None:
        self.rules, self.shared = rules, shared
        self.slices = list(itertools.pairwise(bounds))
        self.children: list[tuple[int, int, Any]] = []  # pid (0 once reaped), pipe, file

    def __enter__(self) -> Iterator[_Parsed]:
        for start, stop in self.slices:
            out = tempfile.TemporaryFile()
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child (coverage does not follow forks)
                code = 1
                try:
                    os.close(read)
                    for at in range(start, stop, self.CHUNK):
                        chunk = _parse(self.rules, at, min(stop, at + self.CHUNK), self.shared)
                        data = pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL)
                        out.write(data)
                        out.flush()
                        os.write(write, len(data).to_bytes(8, "little"))
                    code = 0
                finally:
                    os._exit(code)  # no atexit handlers, no flushing the parent's buffers
            os.close(write)
            self.children.append((pid, read, out))
        return self._results()

    def _results(self) -> Iterator[_Parsed]:
        for i, (start, stop) in enumerate(self.slices):
            pid, read, out = self.children[i]
            offset, done = 0, start
            self.children[i] = (pid, -1, out)  # the pipe is closed by the `with` from here on
            with os.fdopen(read, "rb") as sizes:
                while done < stop and len(size := sizes.read(8)) == 8:
                    length = int.from_bytes(size, "little")
                    chunk: _Parsed = pickle.loads(os.pread(out.fileno(), length, offset))
                    offset += length
                    done = chunk[-1][0] + 1
                    yield chunk
            os.waitpid(pid, 0)
            self.children[i] = (0, -1, out)  # reaped
            out.close()
            if done < stop:
                log.warning("rules %d-%d: the process parsing them stopped; parsing them here", done, stop)
                yield _parse(self.rules, done, stop, self.shared)

    def __exit__(self, *exc: object) -> None:
        for pid, read, out in self.children:  # after an error here: stop and reap the children left
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            if read != -1:
                os.close(read)
            out.close()


class CompiledRule(NamedTuple):
    rule_id: str
    title: str
    node: Node


class Matcher:
    """Parses every rule up front; `match` then runs them over one document.

    `processes`: how many processes parse the rules (forked on Linux; the others send their
    trees back pickled), BATCH rules at a time. By default, one per CPU (up to MAX_PROCESSES)
    for a batch of PARALLEL_MIN_RULES rules or more.
    """

    def __init__(
        self,
        rules: Iterable[RuleSpec],
        shared_aliases: Mapping[str, Sequence[str]] | None = None,
        *,
        processes: int | None = None,
    ) -> None:
        # The trees hold no cycles; pausing the cyclic GC keeps it from walking every object
        # built so far again and again (it made building 100,000 rules several times slower).
        paused = gc.isenabled()
        gc.disable()
        try:
            self._build(rules, shared_aliases, processes)
        finally:
            if paused:
                gc.enable()

    def _build(
        self,
        rules: Iterable[RuleSpec],
        shared_aliases: Mapping[str, Sequence[str]] | None,
        processes: int | None,
    ) -> None:
        shared = AliasTable(shared_aliases)
        errors = [RuleError(None, str(p)) for p in shared.problems()]
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._nodes: list[Node] = []
        self._prefilter = Prefilter()
        self.processes = 1
        # In batches, so that rules given by a generator are never all held at once.
        source = iter(rules)
        while batch := list(itertools.islice(source, BATCH)):
            count = processes if processes is not None else build_processes(len(batch))
            count = max(1, min(count, len(batch))) if _CAN_FORK else 1
            self.processes = max(self.processes, count)
            errors += self._build_batch(batch, shared, count)
        if errors:
            raise RuleErrors(errors)
        self._checks: list[Check | None] = [None] * len(self._nodes)

    def _build_batch(self, rules: list[RuleSpec], shared: AliasTable, processes: int) -> list[RuleError]:
        errors: list[RuleError] = []
        # This process also loads the others' trees and files every rule in the prefilter, so
        # its own slice is smaller: about 0.55 of a child's (measured with 100,000 rules).
        weights = [0.55] + [1.0] * (processes - 1)
        cuts = itertools.accumulate(weights, initial=0.0)
        bounds = [round(len(rules) * c / sum(weights)) for c in cuts]
        with ParsedElsewhere(rules, shared, bounds[1:]) as others:
            # This process parses the first slice while the others parse theirs.
            for part in itertools.chain([_parse(rules, bounds[0], bounds[1], shared)], others):
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
            if check(index):
                out.append(n)
        return out

    def _hit(self, n: int, index: DocumentIndex) -> RuleHit:
        found = explain_hits(self._nodes[n], index) or []
        fields = {h.field for h in found}
        matches = tuple(build_match(f, index.field(f), found) for f in FIELDS if f in fields)
        return RuleHit(rule_id=self._ids[n], rule_title=self._titles[n], matches=matches)
