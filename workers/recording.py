"""Everything the running system writes to the history store, in one place (`Recorder`): the
archive, alerts, deliveries and their tries, seen entries.

The history store down is not an outage: a write that fails because the store cannot be reached
(PostgreSQL stopped, a SQLite file that cannot be written) is kept in Redis's bounded outbox
(workers.store.outbox) and written when the store answers again, by the next process that writes
successfully and by the scheduler's housekeeping. Every write is idempotent (keyed rows, "the
later state wins"), so a write replayed twice or out of order changes nothing. Alerts are matched
and delivered meanwhile: only the history waits. When the outbox is full, a write raises
OutboxFull (retriable): its job fails and RQ runs it again later. An article job writes its
history last, after its deliveries, so even then its alerts go out; a delivery's state, which no
retry could make again, may use a reserve beyond the limit (Recorder.delivery).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal, assert_never

from redis import Redis
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from pipeline.models import Alert, Archived

from .history import DiskLow, History
from .history import alerts as alert_rows
from .history import articles as article_rows
from .history import deliveries as delivery_rows
from .history import feedback as feedback_rows
from .history import seen as seen_rows
from .history.deliveries import Delivery
from .store import outbox

log = logging.getLogger("wirewatch.history")

WriteKind = Literal["articles", "alert", "delivery", "forget_delivery", "seen"]
SKIP_AFTER_FAILURE = 5.0  # seconds a process writes straight to the outbox after a failure
OUTBOX_LOOK = 10.0  # seconds between two looks at the outbox's length after good writes
DRAIN_BATCH = 500  # writes per transaction when the outbox drains
LOG_EVERY = 60.0  # "the history store is down" at most once a minute per process
DELIVERY_RESERVE = 0.1  # of the outbox's limit, kept for deliveries' states (Recorder.delivery)


def is_down(exc: BaseException) -> bool:
    """Whether a failed write means "the store cannot be reached now" (keep it for later), not
    "this write is wrong" (a bug: log it and drop it)."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or type(exc).__name__ in ("OperationalError", "InterfaceError")
    return isinstance(exc, SQLAlchemyError | OSError)


def _why(exc: BaseException) -> str:
    """Why the store is down, in one line: a full disk said as such (SQLite says "database or
    disk is full" for either), a disk under its floor as DiskLow says it."""
    if isinstance(exc, DiskLow):
        return f"disk low: {exc}"
    first = str(exc).splitlines()[0] if str(exc) else ""
    if "disk is full" in first or "No space left" in first:
        return f"its disk is full ({type(exc).__name__}: {first})"[:300]
    return f"{type(exc).__name__}: {first}"[:300]


def _apply(conn: Connection, write: dict[str, Any]) -> None:
    kind: WriteKind = write["kind"]
    match kind:
        case "articles":
            article_rows.add(conn, [Archived.model_validate_json(a) for a in write["items"]])
        case "alert":
            alert_rows.add(conn, Alert.model_validate_json(write["alert"]), write["made_for"])
        case "delivery":
            delivery_rows.note(conn, Delivery(**write["delivery"]), write["tried"])
        case "forget_delivery":
            delivery_rows.forget(conn, write["delivery_id"])
        case "seen":
            seen_rows.add(conn, write["feed_id"], write["keys"], write["at"])
        case _:
            assert_never(kind)


SEEN_DOWN_LOG_EVERY = 60.0  # seconds between two "history store down, taken for new" lines


class SeenReadsDown:
    """A worker's view of a history store that failed a seen query (one per worker context, made
    with it): when to ask it again, and the entries taken for new meanwhile (logged at most once
    a minute)."""

    def __init__(self) -> None:
        self._skip_until = float("-inf")
        self._logged_at = float("-inf")
        self._why = ""
        self._entries = 0

    def skipping(self) -> bool:
        return time.monotonic() < self._skip_until

    def failed(self, why: str) -> None:
        self._skip_until = time.monotonic() + SKIP_AFTER_FAILURE
        self._why = why

    def taken_for_new(self, where: str, entries: int) -> None:
        self._entries += entries
        now = time.monotonic()
        if now - self._logged_at >= SEEN_DOWN_LOG_EVERY:
            log.warning(
                "history store %s is down (%s): %d entries not in their feed's window taken for new; "
                "one seen before alerts at most once within story_window all the same (alert ids are "
                "kept in Redis)",
                where, self._why, self._entries,
            )  # fmt: skip
            self._logged_at, self._entries = now, 0


class Recorder:
    """The history writes of one process (made once, with its Services)."""

    def __init__(self, history: History, redis: Redis, outbox_limit: int = outbox.OUTBOX_MAX) -> None:
        self.history = history
        self.redis = redis
        self.outbox_limit = outbox_limit  # writes the outbox keeps at most (a delivery's: a reserve more)
        self._lock = threading.Lock()
        self._skip_until = 0.0
        self._look_at = 0.0
        self._logged_at = -LOG_EVERY
        self._down = False

    # What is written.
    def articles(self, items: Sequence[Archived]) -> None:
        if items:
            self._write([{"kind": "articles", "items": [i.to_json() for i in items]}])

    def filed(
        self, items: Sequence[Archived], alerts: Sequence[tuple[Alert, str]],
        deliveries: Sequence[tuple[Delivery, bool]] = (),
    ) -> None:  # fmt: skip
        """An article job's archive records, the alerts it made (each with the entry it was
        made for) and its deliveries' states (each with whether it was a try), in one write.
        Kept for later (the store down), the deliveries' may use the outbox's reserve (see
        `delivery`): the job fails if the rest does not fit."""
        writes = [{"kind": "articles", "items": [i.to_json() for i in items]}] if items else []
        writes += [{"kind": "alert", "alert": a.to_json(), "made_for": made_for} for a, made_for in alerts]
        reserved = [{"kind": "delivery", "delivery": d.to_dict(), "tried": tried} for d, tried in deliveries]
        if writes or reserved:
            self._write(writes, reserved=reserved)

    def alert(self, alert: Alert, made_for: str) -> None:
        self._write([{"kind": "alert", "alert": alert.to_json(), "made_for": made_for}])

    def delivery(self, d: Delivery, tried: bool) -> None:
        """A delivery's state and try: it records what a sink did, which no retry makes again (a
        delivery job run again finds it delivered in Redis and sends nothing), so it may use the
        outbox's reserve; the article jobs that make new deliveries stop at the limit itself."""
        self._write([{"kind": "delivery", "delivery": d.to_dict(), "tried": tried}], reserve=True)

    def forget_delivery(self, delivery_id: str) -> None:
        """A dead letter purged (`wirewatch deliveries purge`): its row and tries go."""
        self._write([{"kind": "forget_delivery", "delivery_id": delivery_id}])

    def seen(self, feed_id: str, keys: Sequence[str], now: float) -> None:
        if keys:
            self._write([{"kind": "seen", "feed_id": feed_id, "keys": list(keys), "at": now}])

    def seen_of_feeds(self, keys_by_feed: Mapping[str, Sequence[str]], now: float) -> None:
        """`seen` of several feeds (a poll batch's) in one transaction."""
        writes = [
            {"kind": "seen", "feed_id": fid, "keys": list(keys), "at": now}
            for fid, keys in keys_by_feed.items()
            if keys
        ]
        if writes:
            self._write(writes)

    # How.
    def _write(
        self, writes: list[dict[str, Any]], reserve: bool = False, reserved: Sequence[dict[str, Any]] = ()
    ) -> None:
        """Write now, or keep the writes in the outbox (OutboxFull when it is full: the caller's
        job fails and is retried, nothing is lost). `reserved`: more writes of the same
        transaction, which may use the reserve when kept (kept first)."""
        if time.monotonic() < self._skip_until:
            self._keep_all(writes, reserve, reserved, None)
            return
        try:
            self.history.check_room()
            with self.history.begin() as conn:
                for w in [*writes, *reserved]:
                    _apply(conn, w)
        except Exception as exc:
            if not is_down(exc):
                raise
            self._keep_all(writes, reserve, reserved, exc)
            return
        self._after_good_write()

    def _keep_all(
        self, writes: list[dict[str, Any]], reserve: bool, reserved: Sequence[dict[str, Any]],
        exc: BaseException | None,
    ) -> None:  # fmt: skip
        if reserved:
            self._keep(list(reserved), exc, True)
            exc = None  # noted once
        if writes:
            self._keep(writes, exc, reserve)

    def _keep(self, writes: list[dict[str, Any]], exc: BaseException | None, reserve: bool) -> None:
        if exc is not None:  # noted first: a full outbox (OutboxFull below) says why all the same
            self._skip_until = time.monotonic() + SKIP_AFTER_FAILURE
            self._down = True
            why = _why(exc)
            outbox.note_down(self.redis, why)
        limit = self.outbox_limit + (max(1, int(self.outbox_limit * DELIVERY_RESERVE)) if reserve else 0)
        waiting = outbox.push(self.redis, [json.dumps(w, ensure_ascii=False) for w in writes], limit)
        if exc is None:
            return
        now = time.monotonic()
        if now - self._logged_at >= LOG_EVERY:
            self._logged_at = now
            log.warning(
                "history store %s is down (%s): %d writes wait in Redis", self.history.where(), why, waiting
            )

    def _after_good_write(self) -> None:
        if self._down:
            self._down = False
            outbox.note_up(self.redis)
            log.info("history store %s: writing again", self.history.where())
        now = time.monotonic()
        if now >= self._look_at:
            self._look_at = now + OUTBOX_LOOK
            if outbox.waiting(self.redis):
                self.drain()

    def drain(self, max_writes: int = 20 * DRAIN_BATCH) -> int:
        """Write what waits in the outbox, oldest first, by one process at a time; how many."""
        token = outbox.take_drain(self.redis)
        if token is None:
            return 0
        done = 0
        try:
            while done < max_writes:
                batch = outbox.peek(self.redis, DRAIN_BATCH)
                if not batch:
                    break
                self.history.check_room()
                self._write_batch([json.loads(raw) for raw in batch])
                outbox.drop(self.redis, len(batch))
                done += len(batch)
            if done:  # the store took what waited: it is up, for every process to see
                self._skip_until, self._down = 0.0, False
                outbox.note_up(self.redis)
        except Exception as exc:
            if not is_down(exc):
                raise
            outbox.note_down(self.redis, _why(exc))
        finally:
            outbox.release_drain(self.redis, token)
        if done:
            log.info("history store %s: %d writes from the outbox written", self.history.where(), done)
        return done

    def _write_batch(self, writes: list[dict[str, Any]]) -> None:
        try:
            with self.history.begin() as conn:
                for w in writes:
                    _apply(conn, w)
            return
        except Exception as exc:
            if is_down(exc):
                raise
        for w in writes:  # one bad write must not hold the outbox: the others go in, it is logged
            try:
                with self.history.begin() as conn:
                    _apply(conn, w)
            except Exception as exc:
                if is_down(exc):
                    raise
                log.error("history store: a %s write dropped: %s: %s", w.get("kind"), type(exc).__name__, exc)


def prune(history: History, archive_retention: float, seen_ttl: float, now: float) -> dict[str, int]:
    """Retention: articles older than archive_retention, alerts, deliveries, tries and seen
    entries older than seen_ttl, deleted in batches; how many of each."""
    return {
        "articles": article_rows.forget_before(history, now - archive_retention)
        if archive_retention > 0
        else 0,
        "alerts": alert_rows.forget_before(history, now - seen_ttl),
        "deliveries": delivery_rows.forget_before(history, now - seen_ttl),
        "seen": seen_rows.forget_before(history, now - seen_ttl),
        "feedback": feedback_rows.forget_before(history, now - seen_ttl),
    }
