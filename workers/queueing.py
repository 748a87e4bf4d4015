"""Putting work on the queues: the job ids, and the enqueueing a poll and an article job need.
Each job's id scheme and retry policy sit here, beside it; a delivery's are in workers.delivery,
which uses `enqueue_unique` and `schedule_job` from here.

poll-<hash of feeds and due times>   one batch of due feeds with their hosts' slots
                                     (`poll_feeds`, workers.planning), slots at most POLL_SPAN
                                     apart. A feed is only in a batch while leased in ww:due, so
                                     at most one poll of it is in flight; a lost batch is
                                     retried once by RQ
articles-<hash of entry keys>        a batch of new entries (`process_articles`); a page
                                     that may load later comes back alone, with attempt + 1
deliver-<delivery id>                one delivery per (alert, digest or notice, sink): see
                                     workers.delivery
websub-<mode>-<feed id>              a WebSub (un)subscription asked of the feed's hub, once at
                                     a time (`websub_request`); a hub's push is a job of its own
                                     (`websub_push`, random id: each push is read)

A finished job is deleted at once (result_ttl 0): no job is kept as a marker of work done.

The functions a job runs are named by stable paths (`workers.jobs.poll_feeds`, ...): RQ stores the
name with each job in Redis, so a queued job, or a dead letter, still runs after an upgrade.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from pipeline.config import FeedConfig
from pipeline.models import Entry, short_hash

from .planning import Planned, plan_polls
from .retries import retry_policy
from .services import Services
from .store import schedule

log = logging.getLogger(__name__)

POLL_BATCH = 100  # feeds per poll job, at most
POLL_SPAN = 0.5  # seconds between a poll job's first and last slot, at most: it holds a worker as long
POLL_TIMEOUT = 300  # seconds: a batch waits for its slowest fetch, each bounded by fetch_timeout
POLL_LEASE = 600.0  # seconds a claimed feed stays out of the schedule unless its batch reports back
ARTICLE_BATCH = 8  # entries per article job
ARTICLE_TRIES = 3  # page fetches per entry before the feed's text stands in
ARTICLE_TIMEOUT = 600
# A failed poll or article job is kept this long for an operator to look at (RQ's failed
# registries; the status page counts them), then dropped: nothing asks for it after that (a job id
# used again replaces a leftover), so they are bounded by the failures of a week, not of seen_ttl.
FAILED_POLL_KEPT = 86400
FAILED_ARTICLES_KEPT = 7 * 86400
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


def enqueue_unique(queue: Queue, job_id: str, func: str, args: tuple[object, ...], **options: object) -> bool:
    """Enqueue unless a live job with this id exists; a finished or failed leftover is replaced."""
    for _ in range(2):
        try:
            queue.enqueue_call(func, args=args, job_id=job_id, unique=True, **options)  # type: ignore[arg-type]
            return True
        except DuplicateJobError:
            if not _id_is_free(queue, job_id):
                return False
    return False


def schedule_job(queue: Queue, delay: float, func: str, args: tuple[object, ...], **options: Any) -> bool:
    """Put a job on the queue's schedule `delay` seconds from now, unless one with its id is
    scheduled or queued already (RQ's `enqueue_in` would read our options as the job's own
    keyword arguments: the job is made with `create_job` instead)."""
    if not _id_is_free(queue, options["job_id"]):
        return False
    job = queue.create_job(func, args=args, status=JobStatus.SCHEDULED, **options)
    queue.schedule_job(job, datetime.now(UTC) + timedelta(seconds=delay))
    return True


def enqueue_poll_batches(services: Services, planned: Sequence[Planned]) -> int:
    """Poll jobs for planned (feed id, due time, slot) triples, in order of slot: POLL_BATCH
    feeds to a job at most, whose slots lie within POLL_SPAN; returns the jobs made."""
    jobs = 0
    for batch in _by_slot(planned):
        job_id = "poll-" + short_hash(*(f"{fid}@{at}" for fid, at, _ in batch))
        jobs += enqueue_unique(
            services.queues.feeds,
            job_id,
            "workers.jobs.poll_feeds",
            ([list(p) for p in batch],),
            timeout=POLL_TIMEOUT,
            result_ttl=0,
            failure_ttl=FAILED_POLL_KEPT,
            retry=Retry(max=1, interval=[30]),
            description=f"poll of {len(batch)} feeds",
        )
    return jobs


def _by_slot(planned: Sequence[Planned]) -> list[list[Planned]]:
    batches: list[list[Planned]] = []
    for p in sorted(planned, key=lambda p: p[2]):
        if not batches or len(batches[-1]) >= POLL_BATCH or p[2] - batches[-1][0][2] > POLL_SPAN:
            batches.append([])
        batches[-1].append(p)
    return batches


def enqueue_poll(services: Services, feeds: Sequence[FeedConfig]) -> int:
    """Poll these feeds now (at their hosts' next free slots), unless a poll of them is in flight
    (or a retry is pending); returns how many were handed to a poll job (a feed whose host is
    booked beyond workers.planning.PLAN_AHEAD is left due, for the scheduler)."""
    now = time.time()
    ids = [f.id for f in feeds]
    schedule.make_due(services.redis, ids, now)
    claimed = schedule.claim_these(services.redis, ids, now, POLL_LEASE)
    planned = plan_polls(services, claimed, now)
    enqueue_poll_batches(services, planned)
    if len(claimed) < len(ids):
        log.info(
            "%d of %d feeds: a poll is in flight or a retry pending, skipped",
            len(ids) - len(claimed),
            len(ids),
        )
    return len(planned)


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
            "failure_ttl": FAILED_ARTICLES_KEPT,
            "retry": retry_policy(d, 2),  # a lost job (a worker killed mid-job) is run again
            "description": f"article {first}" if len(batch) == 1 else f"articles {first} (+{len(batch) - 1})",
        }
        args = ([e.to_json() for e in batch], attempt)
        if delay:
            jobs += schedule_job(
                services.queues.articles,
                delay,
                "workers.jobs.process_articles",
                args,
                job_id=job_id,
                **options,
            )
        else:
            jobs += enqueue_unique(
                services.queues.articles, job_id, "workers.jobs.process_articles", args, **options
            )
    return jobs


def enqueue_websub_request(
    services: Services, feed_id: str, mode: str, hub: str = "", topic: str = ""
) -> bool:
    """Ask a feed's hub to subscribe (or renew) or unsubscribe it (`websub_request`), unless such
    a request is queued already. `hub` and `topic`: a new subscription's, as the feed names them
    (a renewal or an unsubscription takes them from the record)."""
    return enqueue_unique(
        services.queues.feeds, f"websub-{mode}-{feed_id}", "workers.jobs.websub_request",
        (feed_id, mode, hub, topic), result_ttl=0, failure_ttl=FAILED_POLL_KEPT, timeout=POLL_TIMEOUT,
    )  # fmt: skip


def enqueue_push(feeds_queue: Queue, feed_id: str, body: bytes, content_type: str) -> None:
    """A body a hub pushed for a feed (its signature verified): read as a poll's (`websub_push`).
    Base64 in the job: RQ's JSON serializer carries text only (the body is capped by
    websub.max_push_bytes)."""
    feeds_queue.enqueue_call(
        "workers.jobs.websub_push", args=(feed_id, base64.b64encode(body).decode("ascii"), content_type),
        result_ttl=0, failure_ttl=FAILED_POLL_KEPT, timeout=POLL_TIMEOUT,
    )  # fmt: skip
