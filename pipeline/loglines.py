"""A line a decision asks its job to log. The pipeline decides what is worth saying and how loud;
the job owns the logger (`wirewatch.jobs`), so every line still comes from where it always did:

    for line in decision.log:
        log.log(line.level, line.message, *line.args)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LogLine:
    """Its `logging` level, the message and the message's %-args (formatted only if logged)."""

    level: int
    message: str
    args: tuple[object, ...] = ()
