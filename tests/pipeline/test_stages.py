"""CPU by stage (pipeline.stages): nested stages, threads, and the matcher's stages."""

from __future__ import annotations

import threading
import time

from pipeline.config import RuleConfig
from pipeline.rules import Document, Matcher
from pipeline.stages import STAGES, StageClock


def _burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_a_nested_stage_is_counted_to_itself_and_not_to_the_stage_around_it() -> None:
    clock = StageClock()
    with clock.stage("match"):
        _burn(0.01)
        with clock.stage("statements"):
            _burn(0.05)
        _burn(0.01)
    assert clock.seconds["statements"] >= 0.05
    assert 0.02 <= clock.seconds["match"] < 0.05  # the outer's own 20 ms, not the inner's 50
    assert set(clock.seconds) == set(STAGES)


def test_stages_on_other_threads_add_up_and_waiting_is_not_counted() -> None:
    clock = StageClock()

    def work() -> None:
        with clock.stage("fetch"):
            _burn(0.02)
            time.sleep(0.05)  # waiting for a page: no CPU

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0.06 <= clock.seconds["fetch"] < 0.15


def test_the_matcher_counts_matching_explaining_and_statements_apart() -> None:
    matcher = Matcher(
        [RuleConfig(id="spokesman", query='said_by:"Peskov"'), RuleConfig(id="talks", query="talks")]
    )
    doc = Document(title="Talks", text='"The talks were constructive," Kremlin spokesman Dmitry Peskov said.')
    clock = StageClock()
    hits = matcher.match(doc, clock)
    assert [h.rule_id for h in hits] == ["spokesman", "talks"]
    assert clock.seconds["match"] > 0 and clock.seconds["explain"] > 0 and clock.seconds["statements"] > 0
    assert clock.seconds["fetch"] == clock.seconds["extract"] == 0.0
