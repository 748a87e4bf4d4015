"""Putting work on the queues with deterministic job ids, so nothing is queued twice.

poll-<feed id>          at most one poll in flight per feed
article-<story hash>    one article job per story, whichever feeds carry it
deliver-<delivery id>   one delivery per (alert, sink); its record outlives it by seen_ttl,
                        so a later re-run of the article cannot deliver it again
"""

from __future__ import annotations

import logging
import random

from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from pipeline.models import Alert, Entry, short_hash
from pipeline.schema import Defaults, FeedConfig

from .runtime import Runtime

log = logging.getLogger(__name__)

POLL_TIMEOUT = 120
ARTICLE_TIMEOUT = 180
DELIVER_TIMEOUT = 90
_DONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def backoff(tries: int, base: float, cap: float) -> list[int]:
    """Exponential backoff with +-20% jitter and a cap, one delay (seconds) per retry."""
    delays = []
    for n in range(tries):
        delay = min(cap, base * (2**n))
        delays.append(max(0, round(delay * random.uniform(0.8, 1.2))))
    return delays


def retry_policy(d: Defaults, tries: int) -> Retry | None:
    if tries <= 0:
        return None
    return Retry(max=tries, interval=backoff(tries, d.retry_backoff, d.retry_backoff_cap))


def _enqueue_unique(queue: Queue, job_id: str, func: str, args: tuple[str, ...], **options: object) -> bool:
    """Enqueue unless a live job with this id exists; a finished or failed leftover is replaced."""
    for _ in range(2):
        try:
            queue.enqueue_call(func, args=args, job_id=job_id, unique=True, **options)  # type: ignore[arg-type]
            return True
        except DuplicateJobError:
            try:
                old = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
            except NoSuchJobError:
                continue
            if old.get_status() not in _DONE:
                return False
            old.delete()
    return False


def enqueue_poll(rt: Runtime, feed: FeedConfig) -> bool:
    ok = _enqueue_unique(
        rt.queues.feeds,
        f"poll-{feed.id}",
        "workers.jobs.poll_feed",
        (feed.id,),
        timeout=POLL_TIMEOUT,
        result_ttl=0,
        failure_ttl=86400,
        retry=Retry(max=2, interval=[30, 120]),
        description=f"poll {feed.url}",
    )
    if not ok:
        log.info("%s: previous poll still in flight, skipped", feed.url)
    return ok


def enqueue_article(rt: Runtime, entry: Entry) -> bool:
    d = rt.config.defaults
    return _enqueue_unique(
        rt.queues.articles,
        f"article-{short_hash(entry.story_key)}",
        "workers.jobs.process_article",
        (entry.to_json(),),
        timeout=ARTICLE_TIMEOUT,
        result_ttl=0,
        failure_ttl=int(d.seen_ttl),
        retry=retry_policy(d, 3),
        description=f"article {entry.link or entry.key}",
    )


def enqueue_delivery(rt: Runtime, alert: Alert, sink_id: str) -> bool:
    d = rt.config.defaults
    delivery_id = alert.delivery_id(sink_id)
    try:
        rt.queues.alerts.enqueue_call(
            "workers.jobs.deliver",
            args=(alert.to_json(), sink_id),
            job_id=f"deliver-{delivery_id}",
            unique=True,
            timeout=DELIVER_TIMEOUT,
            result_ttl=int(d.seen_ttl),
            failure_ttl=int(d.seen_ttl),
            retry=retry_policy(d, d.delivery_retries),
            description=f"deliver {alert.rule_id} {alert.article.url} to {sink_id}",
        )
    except DuplicateJobError:
        return False
    return True
