"""The delivery jobs (queue alerts): one try of one item's delivery to one sink, each a thin
shell over workers.delivery, where everything about delivering is decided."""

from __future__ import annotations

from rq import Retry

from pipeline.models import Alert, Digest, Notice

from .. import delivery
from ..context import WorkerContext


def deliver(ctx: WorkerContext, alert_json: str, sink_id: str, dead_reason: str = "") -> str | Retry:
    """One try of one alert's delivery. Raises on failure, so that RQ retries it as
    `workers.retries` decides; `dead_reason` records a failure that was final already (a dead
    letter); returns a Retry when the sink's rate limit makes it wait."""
    return delivery.run_job(ctx, Alert.model_validate_json(alert_json), sink_id, dead_reason)


def deliver_notice(ctx: WorkerContext, notice_json: str, sink_id: str, dead_reason: str = "") -> str | Retry:
    """One try of sending a notice to one sink, as `deliver` does for an alert."""
    return delivery.run_job(ctx, Notice.model_validate_json(notice_json), sink_id, dead_reason)


def deliver_digest(ctx: WorkerContext, digest_json: str, sink_id: str, dead_reason: str = "") -> str | Retry:
    """One try of sending a digest, as `deliver` does for an alert; once it is delivered its
    alerts leave Redis."""
    return delivery.run_job(ctx, Digest.model_validate_json(digest_json), sink_id, dead_reason)
