"""Putting work on the queues. Each job's id scheme and retry policy sit here, beside it.

poll-<hash of feeds and due times>   one batch of due feeds (`poll_feeds`). A feed is only in
                                     a batch while leased in ww:due, so at most one poll of it
                                     is in flight; a lost batch is retried once by RQ
articles-<hash of entry keys>        a batch of new entries (`process_articles`); a page
                                     that may load later comes back alone, with attempt + 1
deliver-<delivery id>                one delivery per (alert or notice, sink) that the article job
                                     could not make itself; it and its record outlive it by
                                     seen_ttl, so a later re-run of the article cannot deliver it
                                     again; one that gave up stays in the failed registry (a dead
                                     letter) until `wirewatch deliveries retry` or `purge`
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from pipeline.models import Alert, Digest, Entry, Notice, short_hash
from pipeline.schema import FeedConfig

from . import state
from .context import Services
from .retries import delivery_retry, jittered, retry_policy

log = logging.getLogger(__name__)

POLL_BATCH = 100  # feeds per poll job
POLL_TIMEOUT = 300  # seconds: a batch waits for its slowest fetch, each bounded by fetch_timeout
POLL_LEASE = 600.0  # seconds a claimed feed stays out of the schedule unless its batch reports back
ARTICLE_BATCH = 8  # entries per article job
ARTICLE_TRIES = 3  # page fetches per entry before the feed's text stands in
ARTICLE_TIMEOUT = 600
DELIVER_TIMEOUT = 90
_DONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def _id_is_free(queue: Queue, job_id: str) -> bool:
    """True unless a live job holds this id; a finished or failed leftover is deleted."""
    try:
        old = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:
        return True
    if old.get_status() not in _DONE:
        return False
    old.delete()
    return True


def _enqueue_unique(
    queue: Queue, job_id: str, func: str, args: tuple[object, ...], **options: object
) -> bool:
    """Enqueue unless a live job with this id exists; a finished or failed leftover is replaced."""
    for _ in range(2):
        try:
            queue.enqueue_call(func, args=args, job_id=job_id, unique=True, **options)  # type: ignore[arg-type]
            return True
        except DuplicateJobError:
            if not _id_is_free(queue, job_id):
                return False
    return False


def _schedule(queue: Queue, delay: float, func: str, args: tuple[object, ...], **options: Any) -> bool:
    """Put a job on the queue's schedule `delay` seconds from now, unless one with its id is
    scheduled or queued already (RQ's `enqueue_in` would read our options as the job's own
    keyword arguments: the job is made with `create_job` instead)."""
    if not _id_is_free(queue, options["job_id"]):
        return False
    job = queue.create_job(func, args=args, status=JobStatus.SCHEDULED, **options)
    queue.schedule_job(job, datetime.now(UTC) + timedelta(seconds=delay))
    return True


def enqueue_poll_batches(services: Services, due: Sequence[tuple[str, float]]) -> int:
    """One poll job per POLL_BATCH of claimed (feed id, due time) pairs; returns the jobs made."""
    jobs = 0
    for start in range(0, len(due), POLL_BATCH):
        batch = [[feed_id, due_at] for feed_id, due_at in due[start : start + POLL_BATCH]]
        job_id = "poll-" + short_hash(*(f"{fid}@{at}" for fid, at in batch))
        jobs += _enqueue_unique(
            services.queues.feeds,
            job_id,
            "workers.jobs.poll_feeds",
            (batch,),
            timeout=POLL_TIMEOUT,
            result_ttl=0,
            failure_ttl=86400,
            retry=Retry(max=1, interval=[30]),
            description=f"poll of {len(batch)} feeds",
        )
    return jobs


def enqueue_poll(services: Services, feeds: Sequence[FeedConfig]) -> int:
    """Poll these feeds now, unless a poll of them is in flight (or a retry is pending);
    returns how many were handed to a poll job."""
    now = time.time()
    ids = [f.id for f in feeds]
    with services.redis.pipeline(transaction=False) as pipe:
        for fid in ids:
            pipe.zadd(state.DUE_KEY, {fid: now}, nx=True)
        pipe.execute()
    claimed = state.claim_these(services.redis, ids, now, POLL_LEASE)
    enqueue_poll_batches(services, claimed)
    if len(claimed) < len(ids):
        log.info(
            "%d of %d feeds: a poll is in flight or a retry pending, skipped",
            len(ids) - len(claimed),
            len(ids),
        )
    return len(claimed)


def enqueue_articles(services: Services, entries: Sequence[Entry], attempt: int = 0, delay: float = 0) -> int:
    """Article jobs for new entries, ARTICLE_BATCH to a job, run after `delay` seconds (a retry,
    attempt > 0, waits its backoff); returns the jobs made."""
    d = services.config.defaults
    jobs = 0
    for start in range(0, len(entries), ARTICLE_BATCH):
        batch = entries[start : start + ARTICLE_BATCH]
        job_id = "articles-" + short_hash(str(attempt), *(e.key for e in batch))
        first = batch[0].link or batch[0].key
        options: dict[str, object] = {
            "timeout": ARTICLE_TIMEOUT,
            "result_ttl": 0,
            "failure_ttl": int(d.seen_ttl),
            "retry": retry_policy(d, 2),  # a lost job (a worker killed mid-job) is run again
            "description": f"article {first}" if len(batch) == 1 else f"articles {first} (+{len(batch) - 1})",
        }
        args = ([e.to_json() for e in batch], attempt)
        if delay:
            jobs += _schedule(
                services.queues.articles,
                delay,
                "workers.jobs.process_articles",
                args,
                job_id=job_id,
                **options,
            )
        else:
            jobs += _enqueue_unique(
                services.queues.articles, job_id, "workers.jobs.process_articles", args, **options
            )
    return jobs


@dataclass(frozen=True)
class FirstTryFailed:
    """The article job's own try of a delivery, which failed."""

    reason: str
    permanent: bool
    retry_after: float | None = None  # the receiver's Retry-After, in seconds


def enqueue_delivery(
    services: Services,
    item: Alert | Digest | Notice,
    sink_id: str,
    failed: FirstTryFailed | None = None,
    delay: float = 0.0,
) -> bool:
    """A delivery job, tried after `delay` seconds and then on the sink's retry schedule.

    `failed`: the article job tried first, which counts as the first try: the job comes at the
    schedule's first wait (not before the receiver's Retry-After, capped at the schedule's
    longest wait) with the rest of the schedule; when that try failed for good, or the schedule
    is empty, the job only records the failure (a dead letter) without sending again."""
    d = services.config.defaults
    delivery_id = item.delivery_id(sink_id)
    try:
        schedule = services.config.retry_schedule_for(sink_id)
    except KeyError:  # no longer configured: the job drops it
        schedule = []
    dead_reason = ""
    if failed is not None:
        if failed.permanent or not schedule:
            dead_reason, delay = failed.reason, 0.0
        else:
            asked = min(failed.retry_after or 0.0, max(schedule))
            delay = max(delay, jittered(schedule[:1])[0], asked)
        schedule = schedule[1:]
    func, what = {
        Alert: ("workers.jobs.deliver", "delivery"),
        Digest: ("workers.jobs.deliver_digest", "digest"),
        Notice: ("workers.jobs.deliver_notice", "notice"),
    }[type(item)]
    options: dict[str, Any] = {
        "job_id": state.delivery_job_id(delivery_id),
        "timeout": DELIVER_TIMEOUT,
        "result_ttl": int(d.seen_ttl),
        "failure_ttl": int(d.seen_ttl),
        "retry": None if dead_reason else delivery_retry(schedule),
        "description": f"{what} {delivery_id}",
    }
    args = (item.to_json(), sink_id, dead_reason)
    if delay > 0:
        return _schedule(services.queues.alerts, delay, func, args, **options)
    try:
        services.queues.alerts.enqueue_call(func, args=args, unique=True, **options)
    except DuplicateJobError:
        return False
    return True
