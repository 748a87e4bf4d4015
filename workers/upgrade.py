"""An installation of the Redis-only wirewatch upgraded in place, and the history store made ready
at a process's start (`prepare_history`: worker and scheduler call it; `wirewatch db upgrade` too).

On the first start of this version, what the old version kept in Redis for seen_ttl is copied
into the history store: the archive stream, the alert records (with the details of the newest
10,000, which the old alert stream held; older ones by their ids), the delivery records. Every
copy is idempotent (keyed rows; the archive's position is written with the rows it covers), so a
crash midway and a second start copy nothing twice. Only then are the Redis copies removed or
given the bounded lifetime of this version: the archive stream deleted, alert and delivery
records and story copies expiring with the story window, finished delivery jobs (kept as
markers) deleted. Seen entries of the old form keep counting until they expire.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import SQLAlchemyError

from pipeline.models import Alert

from .delivery import alert_ttl, delivery_ttl
from .history import alerts as alert_rows
from .history import articles as article_rows
from .history import copied
from .history import deliveries as delivery_rows
from .history.deliveries import Delivery
from .services import Services
from .store import alerts as alert_store
from .store import deliveries as delivery_store
from .store import legacy
from .store import seen as seen_store

log = logging.getLogger("wirewatch.history")

VERSION = "1"  # of the upgrade: a later one may copy more
PAGE = 500  # records copied per transaction


def prepare_history(services: Services) -> None:
    """The history store's schema brought up to date (under its lock), then the upgrade from
    Redis if it is due. A store that cannot be reached is a warning, not a failure to start:
    writes wait in Redis's outbox until it answers (workers.recording)."""
    try:
        services.history.ensure_ready()
        upgrade_from_redis(services)  # idempotent: a copy cut off here is taken up at the next start
    except (SQLAlchemyError, OSError) as exc:
        why = (str(exc).splitlines() or [type(exc).__name__])[0]
        log.warning("history store %s cannot be reached (%s): writes wait in Redis until it can",
                    services.history.where(), why)  # fmt: skip


def upgrade_from_redis(services: Services, now: float | None = None) -> dict[str, int] | None:
    """Copy what an older wirewatch left in Redis into the history store, once per Redis (None:
    done before, or another process is doing it)."""
    redis = services.redis
    if legacy.upgraded(redis):
        return None
    token = legacy.take_upgrade(redis)
    if token is None:
        return None
    now = time.time() if now is None else now
    d = services.config.defaults
    try:
        counts = {
            "articles": _copy_archive(services, token, now),
            "alerts": _copy_alerts(services, token, now),
            "deliveries": _copy_deliveries(services, token),
            "finished jobs": legacy.drop_finished_delivery_jobs(redis),
        }
        legacy.drop_recent_deliveries(redis)
        copies = list(legacy.story_copy_keys(redis))
        for start in range(0, len(copies), PAGE):
            legacy.shorten(redis, copies[start : start + PAGE], d.story_window + 86400)
        if seen_store.any_legacy_seen(redis):
            seen_store.note_legacy_seen(redis, now + d.seen_ttl)
        legacy.mark_upgraded(redis, VERSION)
    finally:
        legacy.release_upgrade(redis, token)
    if any(counts.values()):
        log.info("history store %s: copied from Redis: %s", services.history.where(),
                 ", ".join(f"{n} {what}" for what, n in counts.items()))  # fmt: skip
    return counts


def _copy_archive(services: Services, token: str, now: float) -> int:
    history, redis = services.history, services.redis
    at = copied.position(history, "archive") or "0-0"
    total = 0
    while page := legacy.archive_page(redis, at, PAGE):
        with history.begin() as conn:
            article_rows.add(conn, [item for _, item in page])
            at = page[-1][0]
            copied.set_position(conn, "archive", at, now)
        total += len(page)
        legacy.renew_upgrade(redis, token)
    legacy.drop_archive(redis)
    return total


def _copy_alerts(services: Services, token: str, now: float) -> int:
    history, redis = services.history, services.redis
    detailed = {a.alert_id: a for a in alert_store.recent_alerts(redis, alert_store.OLD_STREAM_MAXLEN)}
    total = 0
    keys = list(legacy.alert_keys(redis))
    for start in range(0, len(keys), PAGE):
        chunk = keys[start : start + PAGE]
        made_for = legacy.values(redis, [key for _, key in chunk])
        with history.begin() as conn:
            for (alert_id, _), entry_key in zip(chunk, made_for, strict=True):
                alert: Alert | None = detailed.get(alert_id)
                if alert is not None:
                    alert_rows.add(conn, alert, entry_key or "")
                else:
                    alert_rows.add_known(conn, alert_id, entry_key or "", now)
        legacy.shorten(redis, [key for _, key in chunk], alert_ttl(services.config.defaults))
        total += len(chunk)
        legacy.renew_upgrade(redis, token)
    return total


def _copy_deliveries(services: Services, token: str) -> int:
    history, redis = services.history, services.redis
    ids = list(legacy.delivery_ids(redis))
    total = 0
    for start in range(0, len(ids), PAGE):
        chunk = ids[start : start + PAGE]
        records = delivery_store.delivery_records(redis, chunk)
        finished: dict[str, list[str]] = {}  # sink id -> the keys of its deliveries done
        with history.begin() as conn:
            for r in records:
                if r is None:
                    continue
                delivery_rows.note(conn, Delivery(*r), tried=False)
                if r.status == "delivered":
                    finished.setdefault(r.sink, []).extend(delivery_store.record_keys(r.delivery_id))
        for sink_id, keys in finished.items():
            legacy.shorten(redis, keys, delivery_ttl(services.config, sink_id))
        total += sum(r is not None for r in records)
        legacy.renew_upgrade(redis, token)
    return total
