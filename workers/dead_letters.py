"""Dead letters: deliveries that gave up. Each is a delivery record marked failed (see
workers.state) and its job in RQ's failed registry of queue `alerts`, which holds what was to be
sent; `wirewatch deliveries retry` queues it again under the same delivery id, `purge` drops it.
Kept for seen_ttl and MAX_LISTED at most: the oldest go first."""

from __future__ import annotations

import logging

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from pipeline.models import Alert, Digest, Notice

from . import digests, state
from .context import Services
from .enqueue import enqueue_delivery

log = logging.getLogger(__name__)


class NotRetried(Exception):
    """A dead letter that cannot be sent again, and why."""


def record(redis: Redis, delivery_id: str, reason: str, now: float, ttl: float) -> None:
    """Mark a delivery as given up; past MAX_LISTED, the oldest dead letters are dropped."""
    state.note_dead_letter(redis, delivery_id, reason, now, ttl)
    overflow = state.dead_letters_beyond(redis, state.MAX_LISTED)
    for old in overflow:
        _drop(redis, old)


def retry(services: Services, delivery_id: str) -> str:
    """Queue a dead letter again (same delivery id, a fresh retry schedule); what was done."""
    redis = services.redis
    job = _job(redis, delivery_id)
    if job is None or job.get_status() != JobStatus.FAILED:
        raise NotRetried(f"delivery {delivery_id}: not a dead letter (or no longer kept)")
    item_json, sink_id = str(job.args[0]), str(job.args[1])
    if sink_id not in {s.id for s in services.config.sinks if s.enabled}:
        raise NotRetried(f"delivery {delivery_id}: sink {sink_id} is not configured or not enabled")
    disabled = state.sink_disabled(redis, sink_id)
    if disabled:
        raise NotRetried(
            f"delivery {delivery_id}: sink {sink_id} is disabled; `wirewatch sinks enable {sink_id}` first"
        )
    item = _item(job.func_name or "", item_json)
    FailedJobRegistry(queue=services.queues.alerts).remove(job, delete_job=True)
    redis.zrem(state.FAILED_DELIVERIES, delivery_id)
    state.forgive_targets(redis, delivery_id)
    redis.hset(state.delivery_key(delivery_id), mapping={"status": "retrying", "error": ""})
    enqueue_delivery(services, item, sink_id)
    log.info("delivery %s: dead letter queued again for sink %s", delivery_id, sink_id)
    return "queued again"


def purge(redis: Redis, before: float) -> int:
    """Drop the dead letters that gave up before `before`; how many."""
    old = state.dead_letters_before(redis, before)
    for delivery_id in old:
        _drop(redis, delivery_id)
    return len(old)


def _job(redis: Redis, delivery_id: str) -> Job | None:
    try:
        return Job.fetch(state.delivery_job_id(delivery_id), connection=redis, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def _item(func: str, item_json: str) -> Alert | Digest | Notice:
    """What a delivery job sends, by its function (see workers.enqueue.enqueue_delivery)."""
    if func.endswith(".deliver"):
        return Alert.model_validate_json(item_json)
    if func.endswith(".deliver_digest"):
        return Digest.model_validate_json(item_json)
    return Notice.model_validate_json(item_json)


def _drop(redis: Redis, delivery_id: str) -> None:
    job = _job(redis, delivery_id)
    if job is not None and job.get_status() == JobStatus.FAILED:
        registry = FailedJobRegistry(job.origin, connection=redis, serializer=JSONSerializer)
        registry.remove(job, delete_job=True)
        item = _item(job.func_name or "", str(job.args[0]))
        if isinstance(item, Digest):  # or the next tick would queue it again
            digests.forget(redis, item.digest_id)
    state.forget_dead_letter(redis, delivery_id)
