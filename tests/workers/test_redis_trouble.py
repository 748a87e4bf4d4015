"""What a process says of Redis failing (workers.store.trouble): each kind of trouble once a
minute however many ticks or jobs meet it, what kind an error is, and a line when it is over."""

from __future__ import annotations

import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError, ResponseError

from workers.store.trouble import TroubleLog, trouble_of

OOM = "OOM command not allowed when used memory > 'maxmemory'."


def test_each_kind_of_error_is_told_apart() -> None:
    assert trouble_of(OutOfMemoryError(OOM)) == "out of memory"
    # a script's write refused comes back as the script's error
    assert (
        trouble_of(ResponseError(f"Error running script (call to f_1): @user_script:2: {OOM}"))
        == "out of memory"
    )
    assert trouble_of(ReadOnlyError("You can't write against a read only replica.")) == "read-only"
    assert trouble_of(RedisConnectionError("Error 111 connecting")) == "unreachable"
    assert trouble_of(ResponseError("WRONGTYPE Operation against a key")) == "other"
    assert (
        trouble_of(ResponseError("MISCONF Errors writing to the AOF file: No space left on device")) == "disk"
    )
    assert trouble_of(ValueError("not Redis")) is None


def test_a_minute_of_failing_ticks_is_one_line_then_one_with_the_count_then_one_when_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1000.0]
    trouble = TroubleLog(logging.getLogger("test.trouble"), "scheduler", clock=lambda: now[0])
    caplog.set_level(logging.WARNING, "test.trouble")
    for _ in range(240):  # a minute of ticks, four a second
        assert trouble.failed(OutOfMemoryError(OOM), "tick") == "out of memory"
        now[0] += 0.25
    assert trouble.failed(RedisConnectionError("refused"), "tick") == "unreachable"  # another kind: said
    now[0] += 1
    trouble.failed(OutOfMemoryError(OOM), "tick")  # a minute after the first
    trouble.succeeded()
    trouble.succeeded()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4, lines
    assert lines[0].startswith("scheduler: Redis is out of memory") and "tick: OutOfMemoryError" in lines[0]
    assert "cannot be reached" in lines[1]
    assert "out of memory" in lines[2] and "239 more failures like it in the last minute" in lines[2]
    assert (
        lines[3] == "scheduler: Redis answers again (after: Redis is out of memory (maxmemory reached, "
        "writes refused): jobs wait and are retried)"
    )
    assert trouble.failed(ValueError("a bug"), "tick") is None and len(caplog.records) == 4
