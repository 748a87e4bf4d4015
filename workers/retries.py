"""Which failures are worth another try, and when: decided here and nowhere else.

    RetriableError (a network error, HTTP 5xx/429, SMTP 4xx), a job time-out,
    Redis out of reach for a moment                                           -> retry, backoff
    PermanentError (HTTP 4xx, a blocked address, SMTP 5xx, bad input)         -> no more tries
    anything else: a bug                                                      -> no more tries,
                                                                                 with a traceback
A job that gives up lands in RQ's failed registry of its queue (the dead letters), with its reason.

A job whose worker died under it (killed, out of memory, the machine gone) is *abandoned*: it is
run again at once, up to MAX_ABANDONED times; a job that keeps taking its worker down with it
then gets RQ's own handling (its retries on their schedule, then the failed registry).
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Retry
from rq.timeouts import JobTimeoutException

from pipeline.config import Defaults
from pipeline.errors import PermanentError, RetriableError


class Verdict(enum.Enum):
    RETRY = "retry"  # an expected failure that may pass
    GIVE_UP = "give up"  # an expected failure that will not pass
    BUG = "bug"  # unexpected: trying again would only repeat it


def verdict(exc: BaseException) -> Verdict:
    if isinstance(exc, RetriableError | JobTimeoutException | RedisConnectionError | RedisTimeoutError):
        return Verdict.RETRY
    if isinstance(exc, PermanentError):
        return Verdict.GIVE_UP
    return Verdict.BUG


MAX_ABANDONED = 2


def after_abandoned(times: int) -> Verdict:
    """What to do with a job abandoned for the `times`-th time: run it again now, or leave it to
    RQ's cleanup (GIVE_UP here means "not at once", not "never")."""
    return Verdict.RETRY if times <= MAX_ABANDONED else Verdict.GIVE_UP


def backoff(tries: int, base: float, cap: float) -> list[int]:  # page fetches and lost jobs
    """Exponential backoff with +-20% jitter and a cap, one delay (seconds) per retry."""
    delays = []
    for n in range(tries):
        delay = min(cap, base * (2**n))
        delays.append(max(0, round(delay * random.uniform(0.8, 1.2))))
    return delays


def jittered(schedule: Sequence[float]) -> list[int]:
    """A retry schedule's waits, each +-20% (so that the retries of a burst spread out)."""
    return [max(0, round(wait * random.uniform(0.8, 1.2))) for wait in schedule]


def delivery_retry(schedule: Sequence[float]) -> Retry | None:
    """RQ's retries for a delivery: one per wait of the sink's schedule."""
    return Retry(max=len(schedule), interval=jittered(schedule)) if schedule else None


def retry_policy(d: Defaults, tries: int) -> Retry | None:
    """RQ's retry schedule for a job that may fail `tries` times before it gives up."""
    if tries <= 0:
        return None
    return Retry(max=tries, interval=backoff(tries, d.retry_backoff, d.retry_backoff_cap))
