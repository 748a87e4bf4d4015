"""Many rules' queries parsed in helper processes, for a `Matcher` built from tens of thousands.

    processes = build_processes(len(rules))
    with parse_in_helpers(rules, shared_aliases, people=people, processes=processes) as parsed:
        matcher = Matcher(rules, shared_aliases, people=people, parsed=parsed)

The workers build theirs from the trees the config loader made; this is for the callers that
read rules themselves (the CLI, the bench). From 20,000 rules on, helper processes, forked
before any rule is read (Linux), parse most of each block of rules while the Matcher parses
the rest itself and files every rule in its prefilter. `parsed` reads the rules in step with
the Matcher's questions, keeping a block sent ahead, so that neither side waits for long and
rules given by a generator are never all held at once (the Matcher then reads a second
generator of the same rules).

A rule `parsed` has no tree for is parsed by the Matcher: this process's share, a rule that
does not parse cleanly (a syntax error, an alias problem: the Matcher reports it with the
others, in rule order), and every rule of a chunk a helper failed on.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import multiprocessing
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import NamedTuple

from .aliases import AliasTable
from .matcher import RuleSource, parse_rule
from .nodes import Node
from .people import People

__all__ = ["MAX_PROCESSES", "PARALLEL_MIN_RULES", "HelperTrees", "build_processes", "parse_in_helpers"]

log = logging.getLogger(__name__)

PARALLEL_MIN_RULES = 20_000  # below this, one process builds (bench/README.md, "Rules")
MAX_PROCESSES = 4
_CAN_FORK = sys.platform == "linux"  # fork without exec is unsafe on macOS; Windows has none
# This process also sends the helpers their rules, loads their trees and files every rule in
# the prefilter, so it parses less itself: this much of a helper's share.
_OWN_SHARE = 0.55
_OWN = -1  # the chunk of a rule this process parses: none


def build_processes(rules: int, processes: int | None = None) -> int:
    """How many processes parse `rules` rules, counting this one: `processes` if given (at most
    one per rule), else one per CPU up to MAX_PROCESSES from PARALLEL_MIN_RULES rules on; one
    where forking is not available."""
    if not _CAN_FORK:
        return 1
    if processes is None:
        if rules < PARALLEL_MIN_RULES:
            return 1
        processes = min(MAX_PROCESSES, len(os.sched_getaffinity(0)))
    return max(1, min(processes, rules))


def parse_in_helpers(
    rules: Iterable[RuleSource],
    shared_aliases: Mapping[str, Sequence[str]] | None = None,
    *,
    people: People | None = None,
    processes: int,
) -> HelperTrees:
    """The trees of `rules`, by rule id, parsed in `processes` processes, counting this one
    (`build_processes` says how many suit). Use it as a context manager, which stops them."""
    return HelperTrees(rules, AliasTable(shared_aliases, people=people), processes - 1)


def _clean_trees(specs: Sequence[RuleSource], shared: AliasTable) -> dict[str, Node]:
    """The tree of each rule that parses without an error or an alias problem."""
    out: dict[str, Node] = {}
    for spec in specs:
        node, problems = parse_rule(spec, shared)
        if node is not None and not problems:
            out[spec.id] = node
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
    gc.disable()  # as in a build: trees hold no cycles, and each chunk is freed once sent


def _parse_specs(specs: list[_Spec]) -> dict[str, Node]:  # pragma: no cover - in the helpers
    assert _HELPER_ALIASES is not None
    return _clean_trees(specs, _HELPER_ALIASES)


class HelperTrees:
    """Trees of rules parsed by helper processes, forked when this is made (while this process
    is small, so that they stay small too: each page this process writes to afterwards becomes
    a private page of theirs).

    The rules are read a block at a time: the first part of each block is this process's
    share; the rest goes to the helpers in chunks. Asking for a rule's tree reads the rules up
    to it and a block beyond (sending the helpers theirs) and waits for its chunk. A chunk a
    helper failed on (it was killed, ran out of memory, or hit a bug) has no trees: the Matcher
    parses its rules (where the same bug raises as it would have without helpers).
    """

    BLOCK = 20_000
    CHUNK = 5000

    def __init__(self, rules: Iterable[RuleSource], shared: AliasTable, helpers: int) -> None:
        self._source = iter(rules)
        self._helpers = helpers  # none: nothing is read, every tree is the Matcher's to make
        self._read = 0  # rules read so far
        self._asked = 0  # trees asked for so far
        self._where: dict[str, int] = {}  # rule id -> its chunk (or _OWN): read, not asked for yet
        self._sent: dict[int, tuple[int, int, Future[dict[str, Node]] | None]] = {}  # not waited for
        self._chunks = 0  # chunks sent so far
        self._trees: dict[str, Node] = {}  # received, not asked for yet
        self._pool: ProcessPoolExecutor | None = None
        if helpers < 1:
            return
        # The cyclic GC is paused from the fork until the first block is sent, as it is while a
        # Matcher builds: a collection would touch, and so copy, the pages shared with them.
        paused = gc.isenabled()
        gc.disable()
        try:
            self._pool = ProcessPoolExecutor(
                helpers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_helper,
                initargs=(shared,),
            )
            self._pool.submit(int).result()  # fork them now
            self._read_block()
        finally:
            if paused:
                gc.enable()

    def get(self, rule_id: str, /) -> Node | None:
        """The rule's tree, or None: for a rule of this process's share, a rule that did not
        parse cleanly, and a rule asked for twice or not among the rules. Ask in rule order."""
        if self._helpers < 1:
            return None
        chunk = self._where.pop(rule_id, None)
        while chunk is None and self._read_block():  # asked for before its turn
            chunk = self._where.pop(rule_id, None)
        if chunk is None:
            return None
        self._asked += 1
        if self._asked + self.BLOCK > self._read:  # keep a block read and sent ahead
            self._read_block()
        if chunk in self._sent:
            self._wait(chunk)
        return self._trees.pop(rule_id, None)

    def _read_block(self) -> bool:
        """Read the next block of rules and send the helpers their part (none once they are
        gone); False at the end."""
        block = list(itertools.islice(self._source, self.BLOCK))
        if not block:
            return False
        pool = self._pool
        own = len(block) if pool is None else round(len(block) * _OWN_SHARE / (_OWN_SHARE + self._helpers))
        self._where.update(dict.fromkeys([rule.id for rule in block[:own]], _OWN))
        if pool is not None:
            for a in range(own, len(block), self.CHUNK):
                specs = [_Spec(r.id, r.query, dict(r.aliases)) for r in block[a : a + self.CHUNK]]
                chunk, self._chunks = self._chunks, self._chunks + 1
                self._where.update(dict.fromkeys([spec.id for spec in specs], chunk))
                future = None
                with contextlib.suppress(BrokenProcessPool):  # reported when it is waited for
                    future = pool.submit(_parse_specs, specs)
                start = self._read + a
                self._sent[chunk] = (start, start + len(specs), future)
        self._read += len(block)
        return True

    def _wait(self, chunk: int) -> None:
        a, b, future = self._sent.pop(chunk)
        try:
            if future is None:
                raise BrokenProcessPool("the helper processes are gone")
            self._trees.update(future.result())
        except Exception as exc:
            log.warning("rules %d-%d: a helper process failed (%s); parsing them here", a, b, exc)
            if isinstance(exc, BrokenProcessPool):
                self.close()

    def close(self) -> None:
        """Stop the helpers (what they have not sent is parsed by the Matcher)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> HelperTrees:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
