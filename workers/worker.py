"""wirewatch's RQ worker: jobs run in this process (no fork per job), each called with the
`WorkerContext` the worker made at start, and each failure logged as one line that says what
happens next, with a traceback only for a bug.

    with WorkerContext.build(services) as ctx:
        WirewatchWorker(ctx).work(burst=True)
"""

from __future__ import annotations

import logging
import math
from types import TracebackType
from typing import Any

from rq import SimpleWorker
from rq.executions import Execution
from rq.job import Job
from rq.job_lifecycle import call_exception_handlers
from rq.queue import Queue
from rq.serializers import JSONSerializer

from .context import WorkerContext
from .retries import Verdict, verdict

log = logging.getLogger("wirewatch.worker")


class ContextJob(Job):
    """A job whose function is called as func(ctx, *args): the worker's resources come first."""

    context: WorkerContext | None = None

    def _execute(self) -> Any:
        if self.context is None:
            raise RuntimeError(f"job {self.id}: no worker context (run it in a WirewatchWorker)")
        return self.func(self.context, *self.args, **self.kwargs)


class WirewatchWorker(SimpleWorker):
    def __init__(self, context: WorkerContext, **options: Any) -> None:
        super().__init__(
            context.queues.all(),
            connection=context.redis,
            serializer=JSONSerializer,
            job_class=ContextJob,
            **options,
        )
        self.context = context

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        if isinstance(job, ContextJob):
            job.context = self.context
        return bool(super().perform_job(job, queue, execution))

    def handle_exception(
        self, job: Job, *exc_info: tuple[type[BaseException], BaseException, TracebackType]
    ) -> None:
        exc = exc_info[1]
        assert isinstance(exc, BaseException)
        what = job.description or f"job {job.id}"
        outcome = verdict(exc)
        if outcome is Verdict.RETRY and job.retries_left:
            _not_before(job, getattr(exc, "retry_after", None))
            log.warning(
                "%s: %s; will retry in %ds (%d more tries)",
                what, exc, job.get_retry_interval(), job.retries_left,
            )  # fmt: skip
        elif outcome is Verdict.RETRY:
            log.error(
                "%s: %s; gave up, job %s is in queue %s's failed registry", what, exc, job.id, job.origin
            )
        elif outcome is Verdict.GIVE_UP:
            job.retries_left = 0
            log.error(
                "%s: %s; not retried, job %s is in queue %s's failed registry", what, exc, job.id, job.origin
            )
        else:
            job.retries_left = 0
            log.error(
                "%s: bug: %s: %s; not retried, job %s is in queue %s's failed registry",
                what, type(exc).__name__, exc, job.id, job.origin, exc_info=exc,
            )  # fmt: skip
        call_exception_handlers(self._exc_handlers, job, *exc_info)


def _not_before(job: Job, retry_after: float | None) -> None:
    """Make the coming retry wait at least `retry_after` seconds (the receiver's Retry-After):
    RQ reads the interval when it schedules the retry, right after this."""
    if not retry_after or not job.retry_intervals:
        return
    index = max(len(job.retry_intervals) - (job.retries_left or 0), 0)
    job.retry_intervals[index] = max(job.retry_intervals[index], math.ceil(retry_after))
