"""wirewatch's RQ worker: jobs run in this process (no fork per job), each called with the
`WorkerContext` the worker made at start, and each failure logged as one line that says what
happens next, with a traceback only for a bug.

    with WorkerContext.build(services) as ctx:
        WirewatchWorker(ctx).work(burst=True)

A reload never holds a job: the worker's `Reloader` follows the config generation from a thread
of its own and builds the new context there (its rules read from this machine's compiled file, or
compiled) while jobs go on with the old one; the worker swaps it in between two jobs.

Work cut off by a crash comes back within a minute. While a job runs, a thread refreshes its
entry in RQ's started registry every HEARTBEAT_SECONDS, each time to expire EXECUTION_TTL seconds
later. An entry that expires means its worker died; every MAINTENANCE_SECONDS one worker sweeps
the registries and puts such jobs back at the front of their queue (`requeue_abandoned`). RQ's
defaults suit long jobs in forked work-horses: an entry lasting the job's timeout plus a minute,
swept every 10 minutes (13.5 minutes from a kill to the delivery, measured).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import os
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, cast

from redis.exceptions import RedisError
from rq import SimpleWorker, worker_registration
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.job_lifecycle import call_exception_handlers
from rq.queue import Queue
from rq.registry import clean_registries
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer
from rq.utils import as_text, current_timestamp, now, parse_composite_key

from . import delivery
from .context import WorkerContext
from .reload import GenerationWatch
from .retries import MAX_ABANDONED, Verdict, after_abandoned, verdict
from .store.deliveries import delivery_of_job
from .store.trouble import TroubleLog

log = logging.getLogger("wirewatch.worker")

HEARTBEAT_SECONDS = 5  # a running job's entry is refreshed this often...
EXECUTION_TTL = 20  # ...to expire this long after: four missed heartbeats mean the worker is gone
MAINTENANCE_SECONDS = 10  # how often one of the workers sweeps for abandoned jobs
WORKER_TTL = 25  # an idle worker waits WORKER_TTL - 15 s for a job, then may sweep
MAINTENANCE_LOCK_SECONDS = 30  # RQ's own lasts 15 minutes: a sweeper killed holding it stops them all
RELOAD_CHECK_SECONDS = 1.0  # how often a worker's reloader looks at the config generation


class ContextJob(Job):
    """A job whose function is called as func(ctx, *args): the worker's resources come first."""

    context: WorkerContext | None = None

    def _execute(self) -> Any:
        if self.context is None:
            raise RuntimeError(f"job {self.id}: no worker context (run it in a WirewatchWorker)")
        return self.func(self.context, *self.args, **self.kwargs)


class WirewatchWorker(SimpleWorker):
    def __init__(self, context: WorkerContext, **options: Any) -> None:
        options = {
            "maintenance_interval": MAINTENANCE_SECONDS,
            "worker_ttl": WORKER_TTL,
            "job_monitoring_interval": HEARTBEAT_SECONDS,
            **options,
        }
        super().__init__(
            context.queues.all(),
            connection=context.redis,
            serializer=JSONSerializer,
            job_class=ContextJob,
            **options,
        )
        self.context = context
        self._heartbeats: _Heartbeats | None = None
        self.reloader = Reloader(context, f"Worker {self.name}")
        self.trouble = TroubleLog(log, f"Worker {self.name}")
        # jobs Redis's trouble cut off, to put back (with their execution, if its start was recorded)
        self._cut_off: list[tuple[Queue, Job, str | None]] = []

    def work(self, *args: Any, **kwargs: Any) -> bool:
        self.reloader.start()
        try:
            return bool(super().work(*args, **kwargs))
        finally:
            self.reloader.stop()

    # RQ's main loop rides out Redis being away only while it waits for a job (with a backoff
    # up to max_connection_wait_time); a failure anywhere else in the loop (a heartbeat, the
    # suspension check, the maintenance, a job's bookkeeping) ends the worker ("unhandled
    # exception, quitting"). A failover or a cut-off link must not end every worker: these steps
    # take Redis's trouble (workers.store.trouble) as a skipped step, said once a minute, and the
    # loop goes on to the wait, which retries until Redis answers. A job whose bookkeeping was
    # cut off is in the started registry still: its heartbeats stop and it is requeued.
    max_connection_wait_time = 10.0  # RQ's 60 s would leave a worker idle a minute after Redis is back

    def _riding_out(self, doing: str, step: Callable[[], Any]) -> Any:
        try:
            return step()
        except RedisError as exc:
            if self.trouble.failed(exc, doing) in (None, "other"):
                raise
            return None

    def teardown(self) -> None:
        """RQ's end of a worker (its registration dropped), which raises when Redis went first
        (`run` killed with its embedded Redis): the registration then lapses by its TTL."""
        try:
            super().teardown()  # type: ignore[no-untyped-call]
        except RedisError as exc:
            log.warning("Worker %s: not unregistered (%s); its registration lapses", self.name, exc)

    def check_for_suspension(self, burst: bool) -> None:
        self._riding_out(
            "the suspension check", lambda: super(WirewatchWorker, self).check_for_suspension(burst)
        )

    def run_maintenance_tasks(self) -> None:
        self._riding_out("maintenance", super().run_maintenance_tasks)

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        beat = super().heartbeat

        def beat_and_tell() -> None:
            beat(timeout, pipeline)
            if pipeline is None:  # a write that went through: Redis takes writes again
                self.trouble.succeeded()

        self._riding_out("a heartbeat", beat_and_tell)

    def _finalize_failure(self, job: Job, queue: Queue, execution: Execution, exc_info: Any) -> None:
        """RQ's end of a job that raised, unless Redis's trouble made it fail (out of memory,
        away, read-only): such a job is no failure of its own and spends none of its tries. It
        goes back to the front of its queue as it was; when Redis refuses that too, this worker
        keeps it and puts it back as soon as Redis takes writes (`_put_back_cut_off`), before it
        takes another job. (RQ 3's private hook: the one place all of a job's failures pass.)"""
        exc = exc_info[1]
        if exc is None or self.trouble.failed(exc, f"job {job.id}") in (None, "other"):
            super()._finalize_failure(job, queue, execution, exc_info)
            return
        self._cut_off.append((queue, job, execution.id))
        self._put_back_cut_off()

    def _put_back_cut_off(self) -> None:
        """Put back the jobs Redis's trouble cut off (those still waiting on this worker, not
        requeued meanwhile by another's sweep); raises while Redis still refuses. A job whose
        start Redis refused to record says QUEUED and is in no queue: this worker took it, and
        nothing else knows of it."""
        while self._cut_off:
            queue, job, execution_id = self._cut_off[0]
            try:
                job.refresh()  # type: ignore[no-untyped-call]  # RQ leaves it untyped
                status = job.get_status(refresh=False)
                ours = (status == JobStatus.STARTED and job.worker_name == self.name) or taken_unrecorded(
                    queue, job
                )
            except NoSuchJobError:  # run by another worker meanwhile, and gone
                ours = False
            if ours:  # not requeued by another's sweep (and perhaps running there) meanwhile
                put_back(queue, job, execution_id)
                log.warning(
                    "%s: cut off by Redis; back in queue %s (job %s)", job.description, queue.name, job.id
                )
            self._cut_off.pop(0)

    def _start_scheduler(
        self, burst: bool = False, logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT, log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:  # fmt: skip
        """RQ's own (rq/worker/base.py, RQ 3.0), with RidingScheduler for RQScheduler, which
        RQ names there and nowhere else."""
        self.scheduler = RidingScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()  # type: ignore[no-untyped-call]
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()  # type: ignore[no-untyped-call]
                finally:
                    self.scheduler.release_locks()  # type: ignore[no-untyped-call]
                    self.scheduler.register_death()
            else:
                self.scheduler.start()  # type: ignore[no-untyped-call]

    def dequeue_job_and_maintain_ttl(self, timeout: int | None, max_idle_time: int | None = None) -> Any:
        """RQ's wait for a job, which retries a Redis that cannot be reached, but not one that
        refuses writes (out of memory: taking a job writes) nor a failure of its first write;
        those are waited out here, with the same backoff, until Redis takes writes again (or the
        worker is asked to stop)."""
        wait = 1.0
        while True:
            try:
                self._put_back_cut_off()  # before any other job: they were taken first
                found = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except RedisError as exc:
                if self.trouble.failed(exc, "waiting for a job") in (None, "other") or self._stop_requested:
                    raise
                time.sleep(wait)
                wait = min(wait * 2, self.max_connection_wait_time)
                continue
            self.trouble.succeeded()  # a job taken, or none waiting: Redis takes writes again
            return found

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return EXECUTION_TTL  # the heartbeat thread keeps a live job's entry fresh

    def prepare_execution(self, job: Job) -> Execution:
        execution = super().prepare_execution(job)
        self._heartbeats = _Heartbeats(self, job, execution)
        return execution

    def execute_job(self, job: Job, queue: Queue) -> None:
        self.reload_if_changed()
        try:
            try:
                super().execute_job(job, queue)
            except RedisError as exc:
                if self.trouble.failed(exc, f"job {job.id}") in (None, "other"):
                    raise
                if self._heartbeats is None:  # its start was not recorded (prepare_execution): popped
                    # from its queue and known to no registry, the job is this worker's to put back
                    self._cut_off.append((queue, job, None))
        finally:
            if self._heartbeats is not None:
                self._heartbeats.stop()
                self._heartbeats = None

    def reload_if_changed(self) -> bool:
        """Between jobs: when the reloader has a context ready for a newer config generation,
        the jobs from now on get it (rules, sinks, feeds) and the old one is closed (its jobs
        are over: one runs at a time). True when it did. Never waits for a build."""
        new = self.reloader.take()
        if new is None:
            return False
        old, self.context = self.context, new
        old.close()
        del old
        refreeze()
        cfg = new.config
        log.info(
            "Worker %s: config generation %s: %d feeds, %d rules, %d sinks",
            self.name, self.reloader.generation, len(cfg.feeds), len(cfg.rules), len(cfg.sinks),
        )  # fmt: skip
        return True

    def clean_registries(self) -> None:
        """RQ's maintenance, with our sweep for abandoned jobs first, under one short lock per
        queue (RQ's own method takes the lock itself, so it cannot be called around ours)."""
        for queue in self.queues:
            if not self.connection.set(queue.registry_cleaning_key, 1, nx=True, ex=MAINTENANCE_LOCK_SECONDS):
                continue  # another worker is at it
            try:
                requeue_abandoned(queue)
                clean_registries(queue, self._exc_handlers)
                worker_registration.clean_worker_registry(queue)
                queue.intermediate_queue.cleanup(self, queue)
            finally:
                self.connection.delete(queue.registry_cleaning_key)
        self.last_cleaned_at = now()  # type: ignore[assignment]  # RQ declares it as None only

    def unsubscribe(self) -> None:
        """RQ's, with redis-py's pubsub thread told to stop before the unsubscribe is sent. RQ
        sends it first and then stops the thread, which redis 8 waits for: a thread that reads
        the reply before it is told to stop goes on to wait for a subscription for its sleep_time
        (60 s), and the worker's exit waits with it (every burst in the tests, once finished jobs
        were deleted at once). Told first, it ends at the reply."""
        if self.pubsub_thread is not None:
            self.pubsub_thread._running.clear()
        super().unsubscribe()  # type: ignore[no-untyped-call]

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
            delivery.not_before(job, getattr(exc, "retry_after", None))
            log.warning(
                "%s: %s; will retry in %ds (%d more tries)",
                what, exc, job.get_retry_interval(), job.retries_left,
            )  # fmt: skip
            call_exception_handlers(self._exc_handlers, job, *exc_info)
            return
        delivery_id = delivery_of_job(job.id)
        if delivery_id is not None:  # the dead-letter hook: `wirewatch deliveries --failed` lists it
            reason = delivery.failure_reason(exc, outcome)
            delivery.dead_letter(self.context.services, job, reason, time.time())
            self.context.metrics.dead_letters.inc()
        if outcome is Verdict.RETRY:
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


def refreeze() -> None:
    """Once a worker has let go of its old context: what lives as long as the new one is kept
    from the cyclic GC's full collections (a config of a million rules is millions of objects to
    walk), as at the worker's start. What was frozen before is collected first: the old
    context's cycles (its thread pool, its HTTP client) and any garbage frozen with them would
    otherwise stay for good, about 1 MB a reload (bench/README.md, "A worker's memory")."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _trim_malloc()


def _trim_malloc() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim): the old context
    was freed in the arena of the reloader's thread, which built it, and glibc keeps a thread's
    arena's free pages otherwise, about 1 MB a reload (bench/README.md, "A worker's memory").
    No library does this; elsewhere than glibc it is not there, and nothing is done."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up once (find_library runs ldconfig); None elsewhere."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


class Reloader:
    """A worker's reloads, built beside the context in use: `poll` looks at the config
    generation and, when it moved and the config loads, builds the new context (config, compiled
    rules, sinks) in the calling thread, which is the reloader's own once `start`ed; `take`
    hands it over. A config that does not load, or a context that cannot be built, is logged and
    the context in use stays."""

    def __init__(self, context: WorkerContext, who: str) -> None:
        self.who = who
        self._newest = context  # the newest context built: the next one is made from its services
        self._watch = GenerationWatch(context.redis, who)
        self._lock = threading.Lock()
        self._ready: WorkerContext | None = None  # built, not taken yet
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def generation(self) -> int | None:
        """The config generation last seen."""
        return self._watch.seen

    def start(self) -> None:
        """Poll every RELOAD_CHECK_SECONDS from a thread of its own, until `stop`."""
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name=f"reloads of {self.who}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(RELOAD_CHECK_SECONDS):
            self.poll()

    def stop(self) -> None:
        """Stop polling. A build under way is not waited for long: the thread is a daemon, and
        a process that stops needs no new context."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        untaken = self.take()
        if untaken is not None:
            untaken.close()

    def poll(self) -> bool:
        """Build the context of a newer config generation, if there is one and it loads; True
        when one is ready to `take`."""
        loaded = self._watch.newer(self._newest.config.config_path)
        if loaded is None:
            return False
        newest = self._newest
        try:
            new = WorkerContext.build(newest.services.again(loaded.config), newest.metrics, loaded.queries)
        except Exception as exc:
            log.error("%s: config generation %s: %s; the one running stays", self.who, self.generation, exc,
                      exc_info=exc)  # fmt: skip
            return False
        del loaded  # the parsed queries: the compiled rules have what the matcher needs
        with self._lock:
            untaken, self._ready = self._ready, new
        if untaken is not None:  # two generations before a job came: the older was never used
            untaken.close()
        self._newest = new
        return True

    def take(self) -> WorkerContext | None:
        """The context built for the newest generation, once; None when there is none new."""
        with self._lock:
            new, self._ready = self._ready, None
        return new


class _Heartbeats:
    """Refreshes a running job's started-registry entry from a thread: SimpleWorker runs the job
    in its own thread and sends no heartbeat until the job ends."""

    def __init__(self, worker: WirewatchWorker, job: Job, execution: Execution) -> None:
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, args=(worker, job, execution), name=f"heartbeats of job {job.id}", daemon=True
        )
        self._thread.start()

    def _beat(self, worker: WirewatchWorker, job: Job, execution: Execution) -> None:
        while not self._stopped.wait(HEARTBEAT_SECONDS):
            try:
                worker.maintain_heartbeats(job, execution)
            except RedisError as exc:  # Redis away for a moment: the next beat may get through
                log.debug("Job %s: heartbeat not sent (%s)", job.id, exc)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


class RidingScheduler(RQScheduler):
    """RQ's scheduler of delayed jobs (retries after a backoff, digests), run by one worker in a
    process of its own. RQ's ends at Redis's first failure, and the worker starts another only
    at its next maintenance, ten minutes later: delayed retries would wait that long after a
    failover, a full disk or a Redis out of memory. This one rides the trouble out as the
    worker does (said once a minute) and goes on when Redis takes writes again."""

    def work(self) -> None:  # RQ 3.0's loop, each round's Redis steps ridden out
        trouble = TroubleLog(log, f"RQ scheduler {os.getpid()}")
        self._install_signal_handlers()  # type: ignore[no-untyped-call]
        born = False
        while True:
            if self._stop_requested:
                try:
                    self.stop()  # type: ignore[no-untyped-call]
                except RedisError as exc:  # Redis gone with its worker: the locks lapse by their TTL
                    log.info("RQ scheduler %d: locks not given back (%s); they lapse", os.getpid(), exc)
                break
            try:
                if not born:
                    self.register_birth()
                    born = True
                if self.should_reacquire_locks:
                    self.acquire_locks()  # type: ignore[no-untyped-call]
                self.heartbeat()  # type: ignore[no-untyped-call]
                self.enqueue_scheduled_jobs()  # type: ignore[no-untyped-call]
            except RedisError as exc:
                if trouble.failed(exc, "moving due jobs to their queues") in (None, "other"):
                    raise
            else:
                trouble.succeeded()
            time.sleep(self.interval)


def requeue_abandoned(queue: Queue) -> int:
    """Put the jobs whose worker died under them back at the front of `queue`; how many.

    Their entries in the started registry have expired (no heartbeat for EXECUTION_TTL seconds)
    while they still say STARTED. Called under the queue's maintenance lock, so one worker at a
    time sweeps a queue. Jobs past MAX_ABANDONED are left to RQ's cleanup.
    """
    registry = queue.started_job_registry
    redis = queue.connection
    requeued = 0
    for entry in cast(list[bytes], redis.zrangebyscore(registry.key, 0, current_timestamp())):
        job_id = registry.parse_job_id(entry)
        try:
            job = Job.fetch(job_id, connection=redis, serializer=queue.serializer)
        except NoSuchJobError:
            continue
        if job.get_status(refresh=False) != JobStatus.STARTED and not taken_unrecorded(queue, job):
            continue  # it ended: RQ's cleanup drops the entry
        what = job.description or f"job {job.id}"
        times = int(job.meta.get("abandoned", 0)) + 1
        if after_abandoned(times) is not Verdict.RETRY:
            log.error(
                "%s: its worker died under it %d times (out of memory?); left to its retries (job %s)",
                what, times, job.id,
            )  # fmt: skip
            continue
        job.meta["abandoned"] = times
        _, execution_id = parse_composite_key(as_text(entry))
        put_back(queue, job, execution_id)
        log.warning(
            "%s: its worker died mid-job; requeued (job %s, %d of %d times)",
            what, job.id, times, MAX_ABANDONED,
        )  # fmt: skip
        requeued += 1
    return requeued


def taken_unrecorded(queue: Queue, job: Job) -> bool:
    """Whether `job` was taken from `queue` by a worker that could not record its start (Redis
    refused the write, or the worker died in between): it says QUEUED, as it did in the queue,
    and is in no queue. RQ loses such a job; its worker (or the sweep, once its entry in the
    started registry lapsed) puts it back."""
    return (
        job.get_status(refresh=False) == JobStatus.QUEUED and queue.connection.lpos(queue.key, job.id) is None
    )


def put_back(queue: Queue, job: Job, execution_id: str | None) -> None:
    """`job` back at the front of `queue`, its execution (if one was recorded) gone with its
    started-registry entry, in one transaction: the job is never in neither place."""
    redis = queue.connection
    with redis.pipeline() as pipe:
        # The execution goes with its entry: RQ fails a job whose list of executions names one
        # it cannot load.
        if execution_id is not None:
            Execution(execution_id, job.id, redis).delete(job, pipe)
        # What RQ's own retry calls: `enqueue_job` opens a transaction of its own, which cannot
        # be nested in this one, for dependencies these jobs do not have.
        queue._enqueue_job(job, pipeline=pipe, at_front=True)
        pipe.execute()
