"""Parsing in helper processes (forked children parse chunks and send their trees back): a
Matcher built from their trees is the one built in one process, errors and all."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

import pipeline.rules.matcher as matcher_module
import pipeline.rules.parallel as parallel_module
from pipeline.config import RuleConfig
from pipeline.rules import Document, Matcher, RuleErrors
from pipeline.rules.parallel import HelperTrees, build_processes, parse_in_helpers

from .test_rules_matcher import rule

PARALLEL_QUERIES = [
    "Peskov NEAR/5 said",
    '"Kremlin spokesman" OR Песков*',
    "title:ICC -cricket",
    "Navaln* (wife OR widow)",
    "=ICC judges",
    "alias-word",
]


def _many_rules(count: int) -> list[RuleConfig]:
    return [
        rule(PARALLEL_QUERIES[n % len(PARALLEL_QUERIES)].replace("said", f"said{n % 7}"), f"r{n}")
        for n in range(count)
    ]


def _built(matcher: Matcher) -> list[tuple[str, str, Any]]:
    return [(r.rule_id, r.title, r.node) for r in matcher.rules]


def _counting_parses_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the rules the Matcher parses itself, not helpers (a list filled as it builds)."""
    here: list[str] = []
    real = matcher_module.parse_rule

    def parse_rule(rule: Any, shared: Any) -> Any:
        here.append(rule.id)
        return real(rule, shared)

    monkeypatch.setattr(matcher_module, "parse_rule", parse_rule)
    return here


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="forking build: Linux only")
@pytest.mark.parametrize(("processes", "batch"), [(2, 1000), (3, 1000), (2, 50)])
def test_a_build_in_several_processes_equals_a_build_in_one(
    processes: int, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HelperTrees, "CHUNK", 7)  # many chunks per helper
    rules = _many_rules(120)
    aliases = {"alias-word": ["Peskov"]}
    one = Matcher(rules, aliases)
    monkeypatch.setattr(matcher_module, "BATCH", batch)  # 50: three batches, read from a generator
    here = _counting_parses_here(monkeypatch)
    with parse_in_helpers(rules, aliases, processes=processes) as parsed:
        several = Matcher((r for r in rules), aliases, parsed=parsed)
    assert (build_processes(len(rules)), build_processes(len(rules), processes)) == (1, processes)
    assert 0 < len(here) < len(rules)  # the helpers parsed the others
    assert _built(several) == _built(one)
    doc = Document(title="ICC", text="Peskov said3 that the Kremlin spokesman and Навальная, his widow")
    assert several.match(doc) == one.match(doc) != []


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="forking build: Linux only")
def test_rules_from_a_generator_are_read_a_block_ahead_not_all_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(HelperTrees, "BLOCK", 30)
    monkeypatch.setattr(HelperTrees, "CHUNK", 7)
    rules = _many_rules(200)
    read: list[int] = []

    def theirs() -> Iterator[RuleConfig]:
        for n, r in enumerate(rules):
            read.append(n)
            yield r

    def mine() -> Iterator[RuleConfig]:
        for n, r in enumerate(rules):
            assert len(read) <= n + 2 * HelperTrees.BLOCK  # the helpers' side is never far ahead
            yield r

    here = _counting_parses_here(monkeypatch)
    with parse_in_helpers(theirs(), processes=2) as parsed:
        several = Matcher(mine(), parsed=parsed)
    assert read == list(range(len(rules)))
    assert 0 < len(here) < len(rules)
    assert _built(several) == _built(Matcher(rules))


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="forking build: Linux only")
def test_a_tree_asked_for_out_of_turn_is_parsed_here() -> None:
    rules = _many_rules(40)
    with parse_in_helpers(rules, processes=2) as parsed:
        assert parsed.get("r30") is not None  # ahead of its turn: what comes before is read
        assert parsed.get("r30") is None  # asked for twice: the Matcher parses it
        assert parsed.get("nowhere") is None  # not among the rules: read to the end
        several = Matcher(rules, parsed=parsed)
    assert _built(several) == _built(Matcher(rules))


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="forking build: Linux only")
def test_a_build_in_several_processes_reports_every_error_in_rule_order() -> None:
    rules = _many_rules(40)
    rules[3] = rule("(a OR b", "bad-early")
    rules[35] = rule("a NEAR/0 b", "bad-late", aliases={"x": ["y"], "y": ["x"]})
    with pytest.raises(RuleErrors) as serial:
        Matcher(rules)
    with pytest.raises(RuleErrors) as parallel, parse_in_helpers(rules, processes=2) as parsed:
        Matcher(rules, parsed=parsed)
    assert str(parallel.value) == str(serial.value)
    assert [e.rule_id for e in parallel.value.errors] == ["bad-early", "bad-late", "bad-late"]


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="forking build: Linux only")
def test_rules_a_dead_helper_did_not_send_are_parsed_here(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(HelperTrees, "CHUNK", 5)
    parent = os.getpid()
    rules = _many_rules(60)
    real_parse = parallel_module._clean_trees

    def parse(rules: Sequence[Any], shared: Any) -> Any:
        if os.getpid() != parent and any(r.id == "r46" for r in rules):
            os.kill(os.getpid(), signal.SIGKILL)  # the helper dies on its 6th chunk (46-51)
        return real_parse(rules, shared)

    monkeypatch.setattr(parallel_module, "_clean_trees", parse)
    with (
        caplog.at_level("WARNING", logger="pipeline.rules.parallel"),
        parse_in_helpers(rules, processes=2) as parsed,
    ):
        several = Matcher(rules, parsed=parsed)  # this process parses 0-21, the helper 21-60
    assert _built(several) == _built(Matcher(rules))
    warned = [r.getMessage() for r in caplog.records]
    assert all("a helper process failed" in w and "parsing them here" in w for w in warned)
    # The chunk it died on and the ones after it, perhaps also some whose results were lost.
    ranges = [w.split(":")[0] for w in warned]
    assert ranges[-3:] == ["rules 46-51", "rules 51-56", "rules 56-60"]
    assert all(int(r.split()[1].split("-")[0]) >= 21 for r in ranges)
