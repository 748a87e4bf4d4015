"""Everything that happens to an alert, a digest or a notice once it is decided, in one place.

    alert decided (the article job; `backfill --send`: deliver_backfilled)
      -> record_alert: recorded once per (rule, story); a copy of a story alerted already stops here
         (the article job: record_alerts, an article's alerts recorded and counted, and where
         their deliveries stand read, in one round trip)
      -> deliver_all, for each of its sinks not delivered to (nor queued) yet:
           held for its digest group (hold)          -> flush_due makes the digest, later
           its sink disabled (a 410 earlier)         -> a dead letter with the reason
           its sink busy (slow or failing lately)    -> enqueue_delivery
           else a first try from the article job, on the worker's pool (first_try)
      -> settle: a try that must wait for its sending slot, or failed, becomes a delivery job;
         the article job's tries go to the history store with its archive, in its one write
    a delivery job (workers.jobs.deliver*) -> run_job: dropped, delivered already, disabled,
      waiting for its slot (max_per_minute; no try spent) or attempt
    attempt: one try to the targets that have not taken it; recorded; a 410 disables the sink
      and tells the operator through the other sinks; raises for the worker's retry schedule
    worker gives up (workers.worker) -> dead_letter; `wirewatch deliveries retry` -> retry;
      `purge` -> purge

Every deliverable kind is one line of KINDS: its job function (a stable name RQ keeps with each
job in Redis) and what a delivery record calls it. Enqueueing and the dead letters both read it.
Every try of a delivery carries the same delivery id (the webhook-id, the Message-ID), so that a
receiver can drop repeats; its record in Redis (workers.store.deliveries) says where it stands
while it is under way and for as long as the alert can be made again (delivery_ttl), and every
change of it goes to the history store too (workers.recording), which keeps and lists it. A
finished delivery job is deleted at once: what was delivered is its record's to say, not the job's.

What Redis remembers is bounded by the story window, not by seen_ttl: an alert (alert_ttl) and a
delivery (delivery_ttl) are forgotten there redis_margin (a day) after the story window (or the whole retry
schedule) has passed; the history store answers beyond that (alert_recorded, and an alert of a
story kept going by its copies for longer than that: _record_alert).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence, Set
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Literal, assert_never

from redis import Redis
from rq import Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from pipeline.config import Config, Defaults
from pipeline.digests import group_policy, grouping, held_until
from pipeline.errors import DeliveryPermanent, DeliveryRetriable, SinkGone
from pipeline.feedback import make_token
from pipeline.models import Alert, Article, Digest, Notice, StoryRef, iso_time, unix_time
from pipeline.sinks import Deliverable
from pipeline.stages import StageClock, timed
from pipeline.values import DigestConfig

from .context import WorkerContext
from .history import alerts as alert_history
from .history import deliveries as delivery_history
from .history.deliveries import Delivery
from .queueing import schedule_job
from .recording import is_down
from .retries import Verdict, delivery_retry, jittered, verdict
from .services import Services
from .store import alerts as alert_store
from .store import deliveries, digests, sinks, slots

log = logging.getLogger("wirewatch.jobs")  # the jobs' lines (alert, delivery: see the README's Logs)

DELIVER_TIMEOUT = 90
SINK_BUSY_FOR = 60.0  # seconds a sink that failed or was slow gets its deliveries through the queue
SLOW_DELIVERY = 2.0  # seconds: a delivery slower than this makes the sink busy
SLOT_SLACK = 0.05  # seconds a delivery sleeps for its sink's next sending slot; longer, it is rescheduled
RATE_WAITS_MAX = 1_000_000  # a delivery may wait for its sending slot this many times (no try is spent)
JITTER = 1.2  # a retry's wait is at most this times its schedule's (workers.retries.jittered)


def alert_ttl(d: Defaults) -> float:
    """How long Redis remembers an alert (`ww:alert:<id>`: its dedup) and an (alert, sink) handed
    to a digest: story_window and redis_margin (a day by default).

    An alert's id is (rule, story), and it is made no earlier than its story's first copy: while
    a story is younger than this, Redis knows whether it was alerted. The story index joins a
    copy to a story only through a member placed within story_window, so most stories take no
    copy later than that; one that its copies keep going for longer is asked of the history
    store (_record_alert). The margin covers a copy's article job run late (its page's retries
    back off to retry_backoff_cap, an hour by default; a job cut off by a crash runs again at
    once) and the clocks of machines that differ a little."""
    return d.story_window + d.redis_margin


def delivery_ttl(config: Config, sink_id: str) -> float:
    """How long Redis keeps a delivery's records (`ww:delivery:<id>`, `:done`, `:given_up`) after
    its last change: the longer of
      - story_window: once delivered, as long as its alert is remembered (alert_ttl), so that
        the article job run again (a retry, a crash) finds it delivered and sends nothing twice;
      - the sink's whole retry schedule, each wait at its longest (+20% jitter, or a Retry-After,
        which is capped at the schedule's longest wait): while it is under way each change
        renews the keys, and this is more than the longest wait between two changes;
    and redis_margin (a queue that waits for its workers, clocks). The history store keeps it
    beyond."""
    try:
        schedule = config.retry_schedule_for(sink_id)
    except KeyError:  # no longer configured: its job drops it; the default schedule bounds it
        schedule = list(config.defaults.retry_schedule)
    whole = len(schedule) * JITTER * max(schedule, default=0.0)
    return max(config.defaults.story_window, whole) + config.defaults.redis_margin


# --- the deliverable kinds -----------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverableKind:
    """One kind of deliverable item: the job function that sends it and what its records say."""

    type: type[Alert] | type[Digest] | type[Notice]
    job: str  # the job function, by the name RQ stores with each job (see workers.jobs)
    what: str  # its jobs' description: "<what> <delivery id>"

    def parse(self, item_json: str) -> Deliverable:
        return self.type.model_validate_json(item_json)


KINDS = (
    DeliverableKind(Alert, "workers.jobs.deliver", "delivery"),
    DeliverableKind(Digest, "workers.jobs.deliver_digest", "digest"),
    DeliverableKind(Notice, "workers.jobs.deliver_notice", "notice"),
)
_BY_TYPE = {k.type: k for k in KINDS}
_BY_JOB = {k.job: k for k in KINDS}


def kind_of(item: Deliverable) -> DeliverableKind:
    return _BY_TYPE[type(item)]


def item_of_job(job: Job) -> Deliverable:
    """What a delivery job sends (its first argument), by its job function."""
    return _BY_JOB[job.func_name or ""].parse(str(job.args[0]))


def about(item: Deliverable, sink_id: str) -> dict[str, str]:
    """What a delivery record says of its item (see workers.store.deliveries.DeliveryRecord)."""
    if isinstance(item, Alert):
        art = item.article
        return {"sink": sink_id, "kind": "alert", "item": item.alert_id, "rule": item.rule_id,
                "title": art.title[:300], "url": art.url[:2000]}  # fmt: skip
    if isinstance(item, Notice):
        return {"sink": sink_id, "kind": "notice", "item": item.type, "rule": "",
                "title": item.headline[:300], "url": item.feed_url[:2000]}  # fmt: skip
    if isinstance(item, Digest):
        rule = item.rule
        return {"sink": sink_id, "kind": "digest", "item": item.digest_id, "rule": rule[0] if rule else "*",
                "title": f"{len(item.alerts)} alerts of group {item.group}"[:300], "url": ""}  # fmt: skip
    assert_never(item)


# --- enqueueing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstTryFailed:
    """The article job's own try of a delivery, which failed."""

    reason: str
    permanent: bool
    retry_after: float | None = None  # the receiver's Retry-After, in seconds


def enqueue_delivery(
    services: Services,
    item: Deliverable,
    sink_id: str,
    failed: FirstTryFailed | None = None,
    delay: float = 0.0,
) -> bool:
    """A delivery job, tried after `delay` seconds and then on the sink's retry schedule. Its id
    is `deliver-<delivery id>`, so it is queued once while it lives. Once it has finished it is
    deleted (result_ttl 0): its delivery record says it was delivered (delivery_ttl), and a job
    queued again for it sends nothing. One that gave up stays in the failed registry of queue
    alerts (a dead letter, kept seen_ttl and MAX_LISTED at most) until `wirewatch deliveries
    retry` or `purge`.

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
    if not isinstance(item, Alert) and not dead_reason:  # a notice or a digest: after quiet hours
        quiet_end = held_until(services.config, item, sink_id, time.time())
        if quiet_end is not None:
            delay = max(delay, quiet_end - time.time())
            log.info("delivery %s: sink %s is quiet until %s", delivery_id, sink_id, iso_time(quiet_end))
    kind = kind_of(item)
    options: dict[str, Any] = {
        "job_id": deliveries.delivery_job_id(delivery_id),
        "timeout": DELIVER_TIMEOUT,
        "result_ttl": 0,  # deleted once finished: no job is kept as a marker
        "failure_ttl": int(d.seen_ttl),  # a dead letter (dead_letter keeps MAX_LISTED at most)
        "retry": None if dead_reason else delivery_retry(schedule),
        "description": f"{kind.what} {delivery_id}",
    }
    args = (item.to_json(), sink_id, dead_reason)
    if delay > 0:
        return schedule_job(services.queues.alerts, delay, kind.job, args, **options)
    try:
        services.queues.alerts.enqueue_call(kind.job, args=args, unique=True, **options)
    except DuplicateJobError:
        return False
    return True


# --- from the article job ------------------------------------------------------------------------


Recorded = Literal["new", "again", "copy"]


def record_alert(
    ctx: WorkerContext, alert: Alert, entry_key: str, article: Article, story: StoryRef
) -> Recorded:
    """Record an alert made for this entry: "new"; "again" when this entry's job made it before
    (a retry: the deliveries not made yet are made now); "copy" when it was made for another
    copy of the story (not alerted again: nothing more to do). The history store gets a new or
    again alert from the article job, with its archive, after its deliveries (Recorder.filed)."""
    return _recorded(ctx, alert, _record_alert(ctx.services, alert, entry_key), entry_key, article, story)


@dataclass(frozen=True)
class Recording:
    """An alert the article job recorded (`record_alert`), and where each of its deliveries to
    the worker's sinks stood then (`deliveries.delivery_status`, read in the same round trip)."""

    alert: Alert
    recorded: Recorded
    sink_ids: tuple[str, ...]
    statuses: tuple[deliveries.DeliveryStatus, ...]


def record_alerts(
    ctx: WorkerContext, alerts: Sequence[Alert], entry_key: str, article: Article, story: StoryRef, now: float
) -> list[Recording]:
    """`record_alert` for each of an article's alerts, counted in the day's matches, with where
    their deliveries stand (what `deliver_all` asks first), in one round trip."""
    if not alerts:
        return []
    alerts = with_feedback_links(ctx, alerts)
    ttl = alert_ttl(ctx.config.defaults)
    for alert in alerts:
        _recall(ctx.services, alert, ttl)
    sink_ids = [tuple(s for s in alert.sinks if s in ctx.sinks) for alert in alerts]
    sizes = []
    with ctx.redis.pipeline(transaction=False) as pipe:
        skip = alert_store.count_matches_on(pipe, [a.rule_id for a in alerts], now)
        for alert, ids in zip(alerts, sink_ids, strict=True):
            alert_store.record_alert_on(pipe, alert, ttl, made_for=entry_key)
            sizes.append(deliveries.delivery_status_on(pipe, alert, ids))
        rows = pipe.execute()[skip:]
    out = []
    for alert, ids, size in zip(alerts, sink_ids, sizes, strict=True):
        first, statuses = alert_store.recorded_for(rows[0]), deliveries.statuses_of(rows[1 : 1 + size])
        rows = rows[1 + size :]
        recorded = _recorded(ctx, alert, first, entry_key, article, story)
        out.append(Recording(alert, recorded, ids, tuple(statuses)))
    return out


def with_feedback_links(ctx: WorkerContext, alerts: Sequence[Alert]) -> list[Alert]:
    """The alerts, each with its feedback link when the config gives `public_url`."""
    config = ctx.config
    if config.public_url is None:
        return list(alerts)
    key = ctx.feedback_key()
    base = config.public_url.rstrip("/")
    out = []
    for alert in alerts:
        expires = unix_time(alert.created_at) + config.feedback_ttl
        token = make_token(key, alert.alert_id, alert.rule_id, expires)
        out.append(alert.model_copy(update={"feedback_url": f"{base}/feedback/{token}"}))
    return out


def _recorded(
    ctx: WorkerContext, alert: Alert, first: str | None, entry_key: str, article: Article, story: StoryRef
) -> Recorded:
    """What recording the alert said (`first`: the entry it was first made for, None if new)."""
    if first is None:
        ctx.metrics.alerts.labels(alert.rule_id).inc()
        log.info("alert %s: rule %s matched article %s: %s", alert.alert_id, alert.rule_id,
                 article.url, article.title)  # fmt: skip
        return "new"
    if first != entry_key:
        log.info("alert %s: rule %s matched article %s, a copy of story %s (alerted for "
                 "entry %s); not alerted again", alert.alert_id, alert.rule_id, article.url,
                 story.id, first)  # fmt: skip
        return "copy"
    return "again"


def deliver_backfilled(services: Services, alert: Alert, entry_key: str) -> bool:
    """`wirewatch backfill --send`: record an alert found in the archive and queue its deliveries
    (a digest sink's wait in their group); False when it was alerted meanwhile (a worker placed
    a copy of the story)."""
    first = _record_alert(services, alert, entry_key)
    if first is None or first == entry_key:
        services.recorder.alert(alert, entry_key)
    if first is not None:
        return False
    for sink_id in alert.sinks:
        if not hold(services, alert, sink_id, time.time()):
            enqueue_delivery(services, alert, sink_id)
    return True


def _record_alert(services: Services, alert: Alert, entry_key: str) -> str | None:
    """Record an alert once per (rule, story) in Redis (alert_ttl): None when it is new, else the
    entry it was first made for; the caller writes it to the history store when it is new or its
    entry's (a job run again: it may have died before that write).

    Redis answers for every alert made within alert_ttl, hence for every story younger than that;
    an alert of an older story (copies kept it going) may have been made and forgotten by Redis:
    the history store is asked, and what it knows is remembered in Redis again."""
    ttl = alert_ttl(services.config.defaults)
    _recall(services, alert, ttl)
    return alert_store.record_alert(services.redis, alert, ttl, made_for=entry_key)


def _recall(services: Services, alert: Alert, ttl: float) -> None:
    """An alert of a story older than Redis remembers alerts (`ttl`): what the history store
    knows of it remembered in Redis again, before it is recorded."""
    if alert.story is not None and time.time() - unix_time(alert.story.first_seen) >= ttl:
        earlier = _made_for(services, alert)
        if earlier is not None:
            alert_store.remember_alert(services.redis, alert.alert_id, earlier, ttl)


def _made_for(services: Services, alert: Alert) -> str | None:
    """The entry the history store says the alert was made for (None: not made, or the store
    cannot be reached: then it is taken as new, a repeat rather than a loss)."""
    try:
        return alert_history.made_for(services.history, [alert.alert_id]).get(alert.alert_id)
    except Exception as exc:
        if not is_down(exc):
            raise
        log.warning("alert %s: story %s is older than Redis remembers its alerts and the history store "
                    "cannot say whether it was alerted (%s): taken as new", alert.alert_id,
                    alert.story.id if alert.story else "", exc)  # fmt: skip
        return None


def alert_recorded(services: Services, alert_ids: Sequence[str]) -> set[str]:
    """Which of these alerts were made: Redis answers for alert_ttl, the history store for
    seen_ttl (`wirewatch backfill`)."""
    found = alert_store.recorded(services.redis, alert_ids)
    rest = [a for a in alert_ids if a not in found]
    return (found | alert_history.recorded(services.history, rest)) if rest else found


@dataclass(frozen=True)
class FirstTry:
    """A first try of a delivery under way on the worker's pool."""

    alert: Alert
    sink_id: str
    answer: Future[FirstTryFailed | float | None]


Notes = list[tuple[Delivery, bool]]  # delivery states (and whether each was a try) to write later


def deliver_all(
    ctx: WorkerContext, alert: Alert, clock: StageClock | None = None, recording: Recording | None = None,
    notes: Notes | None = None,
) -> list[FirstTry]:  # fmt: skip
    """Each of the alert's deliveries not made yet: tried from here (on the pool) when its sink
    is healthy and no delivery job for it exists, else queued. Returns the tries under way;
    `clock` counts their CPU (on the pool's threads) as the "deliver" stage. `recording`: where
    the deliveries stood as the alert was recorded (else they are read now). `notes`: the
    history store's share of the tries' records is added there, for the caller to write with
    its own history (Recorder.filed), as are the records of those delivered before (a job run
    again: the run that delivered them may have died before writing them); without it each is
    written at once."""
    if recording is None:
        sink_ids: Sequence[str] = [s for s in alert.sinks if s in ctx.sinks]
        statuses: Sequence[deliveries.DeliveryStatus] = deliveries.delivery_status(ctx.redis, alert, sink_ids)
    else:
        sink_ids, statuses = recording.sink_ids, recording.statuses
    tries = []
    delivered = [alert.delivery_id(s) for s, st in zip(sink_ids, statuses, strict=True) if st.delivered]
    if delivered and notes is not None:
        records = deliveries.delivery_records(ctx.redis, delivered)
        notes += [(Delivery(*r), True) for r in records if r is not None]
    for sink_id, status in zip(sink_ids, statuses, strict=True):
        if status.delivered or status.queued:
            continue
        if hold(ctx.services, alert, sink_id, time.time()):  # it waits for its group's digest
            continue
        if status.sink_disabled:  # after a 410: a dead letter with the reason, nothing sent
            reason = disabled_reason(sink_id, status.sink_disabled)
            enqueue_delivery(ctx.services, alert, sink_id, FirstTryFailed(reason, permanent=True))
            continue
        if status.sink_busy:
            enqueue_delivery(ctx.services, alert, sink_id)
            continue
        progress = (status.done, status.given_up or {}) if recording is not None else None
        answer = ctx.pool.submit(_first_try_timed, ctx, alert, sink_id, clock, progress, notes)
        tries.append(FirstTry(alert, sink_id, answer))
    return tries


Progress = tuple[Set[str], Mapping[str, str]]  # a delivery's targets that took it, and those given up on


def _first_try_timed(
    ctx: WorkerContext, alert: Alert, sink_id: str, clock: StageClock | None, progress: Progress | None,
    notes: Notes | None,
) -> FirstTryFailed | float | None:  # fmt: skip
    with timed(clock, "deliver"):
        return first_try(ctx, alert, sink_id, progress, notes)


def first_try(
    ctx: WorkerContext, alert: Alert, sink_id: str, progress: Progress | None = None,
    notes: Notes | None = None,
) -> FirstTryFailed | float | None:  # fmt: skip
    """One try of a delivery from the article job: None when delivered, the seconds to wait
    for the sink's next sending slot (max_per_minute), or how the try failed. `progress`: its
    targets' progress as read just before (else it is read now); `notes`: as deliver_all's."""
    delivery_id = alert.delivery_id(sink_id)
    wait = slot_wait(ctx, sink_id, delivery_id)
    if wait > SLOT_SLACK:
        return wait
    time.sleep(wait)
    started = time.monotonic()
    try:
        attempt(ctx, alert, sink_id, progress=progress, notes=notes)
    except Exception as exc:
        outcome = verdict(exc)
        if outcome is Verdict.BUG:
            log.error("delivery %s: bug: %s: %s", delivery_id, type(exc).__name__, exc, exc_info=exc)
        else:
            log.warning("delivery %s: %s; %s", delivery_id, exc,
                        "not retried" if outcome is Verdict.GIVE_UP else "queued for a retry")  # fmt: skip
        return FirstTryFailed(f"{type(exc).__name__}: {exc}" if outcome is Verdict.BUG else str(exc),
                              permanent=outcome is not Verdict.RETRY,
                              retry_after=getattr(exc, "retry_after", None))  # fmt: skip
    if time.monotonic() - started > SLOW_DELIVERY:
        sinks.mark_sink_busy(ctx.redis, sink_id, SINK_BUSY_FOR)
    return None


def settle(ctx: WorkerContext, tries: list[FirstTry]) -> None:
    """Wait for every first try (the article job ends only once each has answered: no delivery
    is left to chance); one that must wait for its sending slot, or failed, becomes a job."""
    for t in tries:
        answer = t.answer.result()
        if isinstance(answer, float):  # its sink's next sending slot is later: a job waits for it
            enqueue_delivery(ctx.services, t.alert, t.sink_id, delay=answer)
        elif answer is not None:
            sinks.mark_sink_busy(ctx.redis, t.sink_id, SINK_BUSY_FOR)
            enqueue_delivery(ctx.services, t.alert, t.sink_id, answer)


# --- digests -------------------------------------------------------------------------------------


def hold(services: Services, alert: Alert, sink_id: str, now: float) -> bool:
    """True when the alert's deliveries to this sink go by digest (its quiet hours', its rule's
    or its own: pipeline.digests.grouping), and it is (now) in its group."""
    grouped = grouping(services.config, alert.rule_id, sink_id, now)
    if grouped is None and _has_quiet_hours(services.config, sink_id):
        # Quiet hours make the grouping depend on the time: a job run again after the window
        # ended finds the alert in the quiet group it was handed to before, and sends nothing.
        return digests.handed(services.redis, alert, sink_id)
    if grouped is None:
        return False
    policy, group = grouped
    # The alert is handed to its group once for as long as it can be made again (alert_ttl).
    digests.add(services.redis, alert, sink_id, policy, group, now, alert_ttl(services.config.defaults))
    return True


def _has_quiet_hours(config: Config, sink_id: str) -> bool:
    try:
        return config.sink(sink_id).quiet_hours is not None
    except KeyError:
        return False


def _digest_policy(services: Services, group: str) -> DigestConfig:
    return group_policy(services.config, group) or DigestConfig()  # no longer configured: it goes now


def flush_due(services: Services, now: float) -> int:
    """Take every due group's alerts into a digest and queue the digests not queued yet; the
    digests taken (the scheduler calls this every tick)."""
    taken = 0
    for group, due in digests.due_groups(services.redis, now):
        cfg = _digest_policy(services, group)
        digest, count = digests.take(services.redis, group, cfg, due, now, services.config.defaults.seen_ttl)
        if count:
            taken += 1
            log.info("digest %s: group %s, %d alerts", digest, group, count)
    enqueue_open_digests(services)
    return taken


def enqueue_open_digests(services: Services) -> int:
    """Queue the digest job of every open digest that has none; how many were queued."""
    redis = services.redis
    queued = 0
    for digest in digests.open_digests(redis):
        built = digests.load(redis, digest)
        if built is None:  # its batch expired (seen_ttl): nothing left to send
            digests.close(redis, digest)
            continue
        delivery_id = built.delivery_id(built.sink_id)
        if deliveries.delivered(redis, delivery_id):  # its job ended before it could close it
            digests.done(redis, built)
            continue
        if deliveries.job_exists(redis, delivery_id):
            continue  # queued, running, waiting to retry, or a dead letter
        queued += enqueue_delivery(services, built, built.sink_id)
    return queued


# --- a delivery job ------------------------------------------------------------------------------


def run_job(ctx: WorkerContext, item: Deliverable, sink_id: str, dead_reason: str) -> str | Retry:
    """One try of a delivery job. Raises on failure, so that RQ retries it as `workers.retries`
    decides; `dead_reason` records a failure that was final already (a dead letter); returns a
    Retry when the sink's rate limit makes it wait."""
    if isinstance(item, Digest):  # as it stands now: it may have waited (quiet hours, retries)
        item = digests.load(ctx.redis, item.digest_id) or item
    outcome = _run_job(ctx, item, sink_id, dead_reason)
    # A digest delivered (now, or before a crash), or whose sink is gone: its alerts leave Redis.
    if isinstance(item, Digest) and not isinstance(outcome, Retry):
        digests.done(ctx.redis, item)
    return outcome


def _run_job(ctx: WorkerContext, item: Deliverable, sink_id: str, dead_reason: str) -> str | Retry:
    delivery_id = item.delivery_id(sink_id)
    if dead_reason:
        raise DeliveryPermanent(dead_reason)
    if deliveries.delivered(ctx.redis, delivery_id):
        return "delivered already"
    if sink_id not in ctx.sinks:
        log.warning("delivery %s: sink %s is no longer configured or enabled, dropped", delivery_id, sink_id)
        return "dropped"
    disabled = sinks.sink_disabled(ctx.redis, sink_id)
    if disabled:
        reason = disabled_reason(sink_id, disabled)
        note(ctx.services, delivery_id, about(item, sink_id), "retrying", error=reason, tried=False)
        raise DeliveryPermanent(reason)
    wait = slot_wait(ctx, sink_id, delivery_id)
    if wait > SLOT_SLACK:  # its turn under max_per_minute comes later: no try is spent on waiting
        note(ctx.services, delivery_id, about(item, sink_id), "waiting", tried=False)
        log.debug("delivery %s: sink %s sends its next message in %.0fs", delivery_id, sink_id, wait)
        return Retry(max=RATE_WAITS_MAX, interval=math.ceil(wait))
    time.sleep(wait)
    return attempt(ctx, item, sink_id)


def attempt(
    ctx: WorkerContext, item: Deliverable, sink_id: str, *, progress: Progress | None = None,
    notes: Notes | None = None,
) -> str:  # fmt: skip
    """One try of one delivery to the sink's targets that have not taken it yet, recorded in its
    delivery record; raises as `Sink.send` does (a 410 disables the sink first). `progress`:
    the targets' progress as read just before (else it is read now); `notes`: where the
    history store's share of the record goes (else it is written at once)."""
    delivery_id = item.delivery_id(sink_id)
    sink = ctx.sinks[sink_id]
    said, services = about(item, sink_id), ctx.services
    done, given_up = progress or deliveries.target_progress(ctx.redis, delivery_id)
    pending = [t for t in sink.targets if t not in done and t not in given_up]
    tries = ctx.metrics.deliveries
    try:
        with ctx.metrics.delivery_seconds.labels(sink_id).time():
            status = sink.send(item, delivery_id, pending)
    except (DeliveryRetriable, DeliveryPermanent) as exc:
        tries.labels(sink_id, "retriable" if isinstance(exc, DeliveryRetriable) else "permanent").inc()
        note(services, delivery_id, said, "retrying", error=str(exc), done=exc.delivered,
             given_up=exc.given_up, notes=notes)  # fmt: skip
        if isinstance(exc, SinkGone):
            _disable(ctx, sink_id, exc)
        raise
    except Exception as exc:
        tries.labels(sink_id, "bug").inc()
        note(services, delivery_id, said, "retrying", error=f"bug: {type(exc).__name__}: {exc}", notes=notes)
        raise
    tries.labels(sink_id, "delivered").inc()
    if given_up:  # the others took it now; these failed for good in an earlier try
        reason = f"sink {sink_id}: given up on {len(given_up)} of {len(sink.targets)} targets: " + "; ".join(
            given_up.values()
        )
        note(services, delivery_id, said, "retrying", error=reason, done=pending, notes=notes)
        raise DeliveryPermanent(reason, delivered=tuple(pending))
    note(services, delivery_id, said, "delivered", done=pending, notes=notes)
    log.info("delivery %s: delivered to %s (%s; %s %s)", delivery_id, sink_id, status, said["kind"],
             said["rule"] or said["item"])  # fmt: skip
    return status


def note(
    services: Services, delivery_id: str, said: Mapping[str, str], status: str, *, error: str = "",
    tried: bool = True, done: Sequence[str] = (), given_up: Mapping[str, str] | None = None,
    notes: Notes | None = None,
) -> None:  # fmt: skip
    """Note a try (or a wait) of a delivery: in Redis, where it stands while under way (kept
    delivery_ttl), and its whole state, with the try, in the history store (now, or added to
    `notes` for the caller to write)."""
    record = deliveries.note_delivery(
        services.redis, delivery_id, said, status, time.time(), delivery_ttl(services.config, said["sink"]),
        error=error, tried=tried, done=done, given_up=given_up,
    )  # fmt: skip
    if notes is None:
        services.recorder.delivery(Delivery(*record), tried)
    else:
        notes.append((Delivery(*record), tried))


def slot_wait(ctx: WorkerContext, sink_id: str, delivery_id: str) -> float:
    """Seconds until this delivery may be sent under its sink's max_per_minute (0: now). A slot
    booked by an earlier wait of the same delivery is used, not booked again."""
    per_minute = ctx.config.sink(sink_id).max_per_minute
    if not per_minute:
        return 0.0
    now = time.time()
    booked = deliveries.take_slot(ctx.redis, delivery_id)
    wait = (
        booked - now if booked is not None else slots.reserve_send_slot(ctx.redis, sink_id, now, per_minute)
    )
    if wait > SLOT_SLACK:
        deliveries.keep_slot(ctx.redis, delivery_id, now + wait)
    return max(0.0, wait)


def disabled_reason(sink_id: str, why: str) -> str:
    return f"sink {sink_id} is disabled (wirewatch sinks enable {sink_id}): {why}"


def _disable(ctx: WorkerContext, sink_id: str, exc: SinkGone) -> None:
    """Disable a sink that answered 410 Gone, and tell the operator through the other sinks."""
    if not sinks.disable_sink(ctx.redis, sink_id, str(exc)):
        return  # disabled already: told already
    log.error("sink %s: disabled, nothing more is sent to it until `wirewatch sinks enable %s`: %s",
              sink_id, sink_id, exc)  # fmt: skip
    notice = Notice(type="sink.disabled", sink_id=sink_id, error=str(exc), since=iso_time(time.time()))
    for other in ctx.config.notice_sinks():
        if other != sink_id and not sinks.sink_disabled(ctx.redis, other):
            enqueue_delivery(ctx.services, notice, other)


# --- retries and dead letters --------------------------------------------------------------------


def not_before(job: Job, retry_after: float | None) -> None:
    """Make the coming retry wait at least `retry_after` seconds (the receiver's Retry-After),
    but no longer than the schedule's longest wait: RQ reads the interval when it schedules the
    retry, right after this (the worker calls it as a delivery job fails)."""
    if not retry_after or not job.retry_intervals:
        return
    index = max(len(job.retry_intervals) - (job.retries_left or 0), 0)
    asked = min(math.ceil(retry_after), max(job.retry_intervals))
    job.retry_intervals[index] = max(job.retry_intervals[index], asked)


def failure_reason(exc: BaseException, outcome: Verdict) -> str:
    """What a dead letter says of the failure that ended it."""
    return str(exc) if outcome is not Verdict.BUG else f"bug: {type(exc).__name__}: {exc}"


class NotRetried(Exception):
    """A dead letter that cannot be sent again, and why."""


def dead_letter(services: Services, job: Job, reason: str, now: float) -> None:
    """Mark a delivery job that gave up as a dead letter (the job waits in RQ's failed registry of
    queue alerts, which holds what was to be sent, for `wirewatch deliveries retry`): `wirewatch
    deliveries --failed` lists it, from the history store. Kept in Redis for seen_ttl and
    MAX_LISTED at most: past that, the oldest can no longer be sent again (the history store
    still lists them, as failed, until purged or seen_ttl)."""
    delivery_id = deliveries.delivery_of_job(job.id)
    assert delivery_id is not None, job.id
    redis, keep = services.redis, services.config.defaults.seen_ttl
    said = about(item_of_job(job), str(job.args[1]))
    record = deliveries.note_dead_letter(redis, delivery_id, reason, now, keep, said)
    services.recorder.delivery(Delivery(*record), tried=False)
    for old in deliveries.dead_letters_beyond(redis, deliveries.MAX_LISTED):
        _drop(redis, old)


def retry(services: Services, delivery_id: str) -> str:
    """Queue a dead letter again (same delivery id, a fresh retry schedule); what was done."""
    redis = services.redis
    job = _job(redis, delivery_id)
    if job is None or job.get_status() != JobStatus.FAILED:
        raise NotRetried(f"delivery {delivery_id}: not a dead letter (or no longer kept)")
    sink_id = str(job.args[1])
    if sink_id not in {s.id for s in services.config.sinks if s.enabled}:
        raise NotRetried(f"delivery {delivery_id}: sink {sink_id} is not configured or not enabled")
    if sinks.sink_disabled(redis, sink_id):
        raise NotRetried(
            f"delivery {delivery_id}: sink {sink_id} is disabled; `wirewatch sinks enable {sink_id}` first"
        )
    item = item_of_job(job)
    FailedJobRegistry(queue=services.queues.alerts).remove(job, delete_job=True)
    record = deliveries.reopen(redis, delivery_id, time.time(), delivery_ttl(services.config, sink_id))
    services.recorder.delivery(Delivery(*record), tried=False)
    enqueue_delivery(services, item, sink_id)
    log.info("delivery %s: dead letter queued again for sink %s", delivery_id, sink_id)
    return "queued again"


def purge(services: Services, before: float) -> int:
    """Drop the dead letters that gave up before `before`, from Redis and the history store
    (which also lists those Redis no longer keeps); how many."""
    old = set(deliveries.dead_letters_before(services.redis, before))
    old.update(delivery_history.failed_before(services.history, before))
    for delivery_id in sorted(old):
        _drop(services.redis, delivery_id)
        services.recorder.forget_delivery(delivery_id)
    return len(old)


def _job(redis: Redis, delivery_id: str) -> Job | None:
    try:
        return Job.fetch(deliveries.delivery_job_id(delivery_id), connection=redis, serializer=JSONSerializer)
    except (NoSuchJobError, ValueError):  # ValueError: not a job id at all (RQ checks its characters)
        return None


def _drop(redis: Redis, delivery_id: str) -> None:
    job = _job(redis, delivery_id)
    if job is not None and job.get_status() == JobStatus.FAILED:
        registry = FailedJobRegistry(job.origin, connection=redis, serializer=JSONSerializer)
        registry.remove(job, delete_job=True)
        item = item_of_job(job)
        if isinstance(item, Digest):  # or the next tick would queue it again
            digests.forget(redis, item.digest_id)
    deliveries.forget_dead_letter(redis, delivery_id)
