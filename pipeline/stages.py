"""CPU time by stage of the article work, so that the next bottleneck is visible (the article
job adds it to `wirewatch_article_cpu_seconds_total{stage}`; `bench/pipeline.py` divides it by
the articles).

A stage's time is the CPU of the thread that ran it (`time.thread_time`): waiting (for a page,
for Redis, for a receiver) is not counted, and neither is work on other threads unless it is
timed there too (a page's fetch and a delivery's first try run on the worker's pool and are).
Stages nest: statements are found while a rule is matched, and their time is the statements'
only, not the match's as well.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, get_args

Stage = Literal["fetch", "extract", "story", "statements", "match", "explain", "archive", "deliver"]
STAGES: tuple[Stage, ...] = get_args(Stage)


class StageClock:
    """CPU seconds spent in each stage, from any number of threads."""

    def __init__(self) -> None:
        self.seconds: dict[Stage, float] = dict.fromkeys(STAGES, 0.0)
        self._lock = threading.Lock()
        self._open = threading.local()  # this thread's stages under way, innermost last

    @contextmanager
    def stage(self, name: Stage) -> Iterator[None]:
        """Count the CPU this thread spends inside the block to `name` (and not to the stage
        around it, which stands still meanwhile)."""
        stack: list[_Open] | None = getattr(self._open, "stack", None)
        if stack is None:
            stack = self._open.stack = []
        now = time.thread_time()
        if stack:
            self._charge(stack[-1], now)
        stack.append(_Open(name, now))
        try:
            yield
        finally:
            now = time.thread_time()
            self._charge(stack.pop(), now)
            if stack:
                stack[-1].since = now  # the outer stage goes on from here

    def _charge(self, entry: _Open, now: float) -> None:
        with self._lock:
            self.seconds[entry.stage] += now - entry.since
        entry.since = now


class _Open:
    __slots__ = ("since", "stage")

    def __init__(self, stage: Stage, since: float) -> None:
        self.stage, self.since = stage, since


@contextmanager
def timed(clock: StageClock | None, name: Stage) -> Iterator[None]:
    """`clock.stage(name)`, or nothing when no one is counting."""
    if clock is None:
        yield
        return
    with clock.stage(name):
        yield
