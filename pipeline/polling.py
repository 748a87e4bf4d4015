"""Polling one feed: its HTTP validators in, an outcome out; and what follows from the outcome.

    outcome = poll_feed(fetcher, feed, Validators(etag, last_modified), max_bytes)
    match outcome:
        case NotModified(): ...          # 304: nothing to do until the next poll
        case FeedEntries(): ...          # parsed entries, new validators, a permanent redirect
        case PollFailed(): ...           # retriable or permanent, with the reason (and HTTP status)
        case Deferred(): ...             # not polled: its host was polled too recently

`decide_poll` turns the feed's past (`PollState`) and the outcome into one `PollDecision`:
the feed's new state and the fields to save it as, which entries become articles
(`triage_entries`), when the feed is due again and why (`schedule`), the notices
(pipeline.notices), the metric labels and the log lines. No Redis here: the poll job loads the
state, polls, calls `decide_poll` and saves what it returns.

How often a feed is polled (`schedule`):

    pinned      the feed's own `interval:` in the config
    adaptive    half the median gap between its entries of the last week (`adaptive_interval`),
                clamped to [min_interval, max_interval]; `poll_interval` until it has three
    ttl         never more often than the feed asks: RSS <ttl>, sy:updatePeriod/Frequency, ...
    max-age     ... or its Cache-Control max-age (each capped at a day)
    Retry-After a 429 or 503 that says when: no request before then (capped at a day)
    backoff     other failures: the interval, doubling with each failure in a row, with jitter,
                up to max_backoff, so a broken feed is still tried at least that often
    host delay  its host was polled too recently (`host_delay`): when the host is free again
    retired     410 Gone: never again (until `wirewatch feeds revive`)

Skip hours (RSS <skipHours>) move a due time to the next hour the feed does not skip.
"""

from __future__ import annotations

import itertools
import logging
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, assert_never

from .config import Config, FeedConfig
from .errors import FetchPermanent, FetchRetriable, Gone, PermanentError, RetriableError, without_url
from .feeds import Body, FeedHints
from .fetch import MAX_RETRY_AFTER, BeforeSend, Fetcher
from .loglines import LogLine
from .models import Entry, Notice
from .notices import PollResult, Spell, notices_after
from .sources import SOURCE_KINDS, SourceKind

Pace = Callable[[str], None]  # before a further GET of a poll: wait for the URL's host (or raise)
ADAPTIVE_WINDOW = 7 * 86400.0  # entries of the last week say how often a feed publishes
ADAPTIVE_MIN_ENTRIES = 3  # fewer than this: not enough to tell


# Further GETs one poll may make for a kind that follows links (a sitemap index's children):
# each waits for its host's slot like a poll, so a bound keeps one poll from holding a thread long.
FOLLOW_UPS = 8


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: the feed's last ETag and Last-Modified; and, for a kind
    whose body changes when its entries do not, the digest its parser made of them (a body with
    the same digest counts as not modified: `ParsedFeed.digest`)."""

    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None


@dataclass(frozen=True)
class NotModified:
    """Nothing new: a 304, or (status 200) a body whose entries' digest is the last poll's."""

    status: int = 304
    moved_to: str | None = None
    max_age: float | None = None  # Cache-Control max-age of the answer
    validators: Validators | None = None  # the answer's own, when it had a body; else the feed's kept


@dataclass(frozen=True)
class FeedEntries:
    entries: tuple[Entry, ...]
    validators: Validators
    status: int = 200
    warning: str | None = None  # why an ill-formed feed still gave entries (feedparser's bozo...)
    moved_to: str | None = None  # every redirect hop was permanent: the feed's new address
    max_age: float | None = None
    hints: FeedHints = field(default_factory=FeedHints)
    baseline: bool = False  # entries to remember, not read: `ParsedFeed.baseline`
    hub: str | None = None  # WebSub: the hub the feed names, and its topic
    topic: str | None = None


@dataclass(frozen=True)
class PollFailed:
    error: str
    retriable: bool
    retry_after: float | None = None  # seconds the server asked us to wait (429, 503)
    gone: bool = False  # 410 Gone: retire the feed
    http_status: int | None = None  # the server's answer, when it gave one (None: timeout, bad feed...)


@dataclass(frozen=True)
class Deferred:
    """Not polled: its host's next free slot (`host_delay` apart) is `wait` seconds away."""

    wait: float


PollOutcome = NotModified | FeedEntries | PollFailed | Deferred


def poll_result(outcome: PollOutcome) -> PollResult:
    """What a poll came to, as far as notices go."""
    match outcome:
        case NotModified() | FeedEntries():
            return "ok"
        case PollFailed(gone=True):
            return "retired"
        case PollFailed():
            return "failed"
        case Deferred():
            return "deferred"
        case _:
            assert_never(outcome)


def poll_labels(outcome: PollOutcome) -> tuple[str, str]:
    """(outcome, HTTP status class) of a poll, for wirewatch_polls."""
    match outcome:
        case NotModified(status=status):
            return "not_modified", f"{status // 100}xx"
        case FeedEntries():
            return "entries", f"{outcome.status // 100}xx"
        case Deferred():
            return "deferred", "none"
        case PollFailed(http_status=status):
            return (
                "gone" if outcome.gone else "failed",
                f"{status // 100}xx" if status is not None else "error",
            )
        case _:
            assert_never(outcome)


def listed_entries(outcome: PollOutcome) -> tuple[Entry, ...]:
    """The entries the feed's body listed (none unless the poll got a body)."""
    match outcome:
        case FeedEntries(entries=entries):
            return entries
        case NotModified() | PollFailed() | Deferred():
            return ()
        case _:
            assert_never(outcome)


def poll_feed(fetcher: Fetcher, feed: FeedConfig, validators: Validators, max_bytes: int) -> PollOutcome:
    """One conditional GET of the feed and, when it changed, its entries. Never raises for bad
    input: a network error, an HTTP status or bytes that are no feed are a `PollFailed`."""
    return poll_url(fetcher, feed, feed.url, validators, max_bytes)


def poll_url(
    fetcher: Fetcher,
    feed: FeedConfig,
    url: str,
    validators: Validators,
    max_bytes: int,
    before_send: BeforeSend | None = None,
    pace: Pace | None = None,
    since: float | None = None,
) -> PollOutcome:
    """`poll_feed` at `url`: where the feed moved to, when it did. The body is read by the feed's
    kind of source (`type:`, pipeline.sources). `before_send`: as `Fetcher.get` has it (what it
    raises goes through); `pace`, called with a URL before each further GET a kind makes
    (`FetchMore`), may wait for its host's slot (the job's politeness) or raise to refuse it;
    `since`: when the feed's last good poll was (`PollState.last_ok`), for a kind that follows
    only what changed after it."""
    kind = SOURCE_KINDS[feed.type]
    try:
        result = fetcher.get(
            url,
            max_bytes=max_bytes,
            accept=kind.accept,
            etag=validators.etag,
            last_modified=validators.last_modified,
            before_send=before_send,
            cut=kind.reads_prefix,
        )
        if result.not_modified:
            return NotModified(moved_to=result.moved_to, max_age=result.max_age)
        more = _FollowUps(fetcher, url, kind, max_bytes, pace, since)
        body = Body(result.content, result.url, result.content_type, result.truncated)
        parsed = kind.read(body, feed, more)
    except RetriableError as exc:
        return PollFailed(
            str(exc), retriable=True, retry_after=exc.retry_after, http_status=_http_status(exc)
        )
    except Gone as exc:
        return PollFailed(str(exc), retriable=False, gone=True, http_status=exc.http_status)
    except PermanentError as exc:
        return PollFailed(str(exc), retriable=False, http_status=_http_status(exc))
    got = Validators(result.etag, result.last_modified, parsed.digest)
    if parsed.digest is not None and parsed.digest == validators.digest:
        return NotModified(200, result.moved_to, result.max_age, got)
    return FeedEntries(
        entries=parsed.entries,
        validators=got,
        status=result.status,
        warning=parsed.warning,
        moved_to=result.moved_to,
        max_age=result.max_age,
        hints=parsed.hints,
        baseline=parsed.baseline,
        hub=parsed.hub,
        topic=parsed.topic,
    )


class _FollowUps:
    """`FetchMore` for one poll: at most FOLLOW_UPS further GETs, each through `pace` first."""

    def __init__(
        self,
        fetcher: Fetcher,
        url: str,
        kind: SourceKind,
        max_bytes: int,
        pace: Pace | None,
        since: float | None,
    ) -> None:
        self.fetcher, self.url, self.kind, self.max_bytes, self.pace = fetcher, url, kind, max_bytes, pace
        self.since = since
        self.left = FOLLOW_UPS

    def __call__(self, url: str) -> Body:
        if self.left <= 0:
            raise FetchPermanent(f"{url}: more than {FOLLOW_UPS} further requests in one poll of {self.url}")
        self.left -= 1
        if self.pace is not None:
            self.pace(url)
        kind = self.kind
        result = self.fetcher.get(url, max_bytes=self.max_bytes, accept=kind.accept, cut=kind.reads_prefix)
        return Body(result.content, result.url, result.content_type, result.truncated)


def _validator_fields(validators: Validators) -> dict[str, FieldValue]:
    return {
        "etag": validators.etag or "",
        "last_modified": validators.last_modified or "",
        "digest": validators.digest or "",
    }


def _http_status(exc: RetriableError | PermanentError) -> int | None:
    """The HTTP status behind a failure: only a fetch error carries one (a feed that is no feed
    was answered 200)."""
    return exc.http_status if isinstance(exc, FetchRetriable | FetchPermanent) else None


@dataclass(frozen=True)
class EntryTriage:
    new: tuple[Entry, ...]  # to read and match
    stale: tuple[Entry, ...]  # never seen, but published longer ago than max_entry_age: remembered only


def triage_entries(
    entries: Sequence[Entry],
    seen: Sequence[bool],
    max_entry_age: float,
    now: datetime,
    baseline: bool = False,
) -> EntryTriage:
    """Split the entries not seen before into new ones and stale ones. An entry without a date
    counts as new: a feed that gives none must still alert. A `baseline` (a listing page's first
    poll: `ParsedFeed.baseline`) is all stale: what the source showed before it was watched."""
    new: list[Entry] = []
    stale: list[Entry] = []
    for entry, was_seen in zip(entries, seen, strict=True):
        if was_seen:
            continue
        published = _parse_time(entry.published)
        if baseline or (published is not None and (now - published).total_seconds() > max_entry_age):
            stale.append(entry)
        else:
            new.append(entry)
    return EntryTriage(tuple(new), tuple(stale))


@dataclass(frozen=True)
class PollPolicy:
    """One feed's polling settings, from the config."""

    start: float  # the interval until the feed's own history says better (poll_interval)
    min_interval: float
    max_interval: float
    max_backoff: float
    jitter: float
    pinned: float | None = None  # the feed's own `interval:`
    # Its hub pushes its entries (WebSub): polled at max_interval only, as a safety net.
    pushed: bool = False

    @classmethod
    def of(cls, config: Config, feed: FeedConfig) -> PollPolicy:
        d = config.defaults
        return cls(
            d.poll_interval, d.min_interval, d.max_interval, d.max_backoff, d.poll_jitter, feed.interval
        )


@dataclass(frozen=True)
class Cadence:
    """What the last good polls taught about a feed (kept in its state between polls)."""

    adaptive: float | None = None  # from its entries' dates; None: not enough of them
    floor: float | None = None  # the feed's own hint (ttl, sy:updatePeriod)
    max_age: float | None = None  # its Cache-Control max-age
    skip_hours: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Schedule:
    """The decision after a poll: when next (None: never, the feed is retired), the interval
    behind it and why (pinned, adaptive, start, ttl, max-age, Retry-After, backoff, retired)."""

    due: float | None
    interval: float
    why: str


def adaptive_interval(published: Sequence[float], now: float, policy: PollPolicy) -> float | None:
    """Half the median gap between the feed's entries of the last week (so that a new entry
    waits half a gap on average), clamped; None with fewer than ADAPTIVE_MIN_ENTRIES."""
    recent = sorted({t for t in published if now - ADAPTIVE_WINDOW <= t <= now + 3600})
    if len(recent) < ADAPTIVE_MIN_ENTRIES:
        return None
    gap = statistics.median(b - a for a, b in itertools.pairwise(recent))
    return min(policy.max_interval, max(policy.min_interval, gap / 2))


def cadence_after(outcome: PollOutcome, before: Cadence, now: float, policy: PollPolicy) -> Cadence:
    """The cadence a poll's outcome leaves: a new feed body says everything again; a 304 only
    its max-age; a failure nothing."""
    match outcome:
        case FeedEntries(entries=entries, hints=hints, max_age=max_age):
            dated = [t for e in entries if (t := _timestamp(e.published)) is not None]
            adaptive = adaptive_interval(dated, now, policy)
            return Cadence(adaptive or before.adaptive, hints.min_interval, max_age, hints.skip_hours)
        case NotModified(max_age=max_age):
            return Cadence(before.adaptive, before.floor, max_age, before.skip_hours)
        case PollFailed() | Deferred():
            return before
        case _:
            assert_never(outcome)


def schedule(
    outcome: PollOutcome,
    cadence: Cadence,
    policy: PollPolicy,
    due_at: float,
    now: float,
    consecutive_errors: int,
    rng: random.Random,
) -> Schedule:
    """When the feed is polled next, and why. After a success: one interval after it was last
    due, so that a feed keeps its cadence however late its poll ran, spread by up to half of the
    jitter either way (at most a quarter of the interval); after a failure, counted from now."""
    interval, why = _interval(cadence, policy)
    match outcome:
        case PollFailed(gone=True):
            return Schedule(None, interval, "retired")
        case PollFailed(retry_after=wait) if wait is not None:
            wait = min(wait, MAX_RETRY_AFTER)
            return Schedule(_awake(now + max(wait, 1.0), cadence.skip_hours), wait, "Retry-After")
        case PollFailed():
            doubled = interval * 2.0 ** max(0, consecutive_errors - 1)
            delay = min(policy.max_backoff, max(interval, doubled) * rng.uniform(0.8, 1.2))
            return Schedule(_awake(now + delay, cadence.skip_hours), delay, "backoff")
        case Deferred(wait=wait):
            return Schedule(now + wait, interval, HOST_DELAY)
        case NotModified() | FeedEntries():
            spread = min(policy.jitter, interval / 2)
            due = max(now + 1, due_at + interval + rng.uniform(-spread, spread) / 2)
            return Schedule(_awake(due, cadence.skip_hours), interval, why)
        case _:
            assert_never(outcome)


HOST_DELAY = "host delay"  # why a feed is due later than it would be: its host's slots are taken
WEBSUB = "websub"  # why a feed is polled at max_interval: its hub pushes what it publishes
HEALTHY_REASONS = frozenset({"pinned", "adaptive", "start", HOST_DELAY, WEBSUB})
Health = Literal["ok", "backing off", "unhealthy", "retired", "not polled"]


def feed_health(errors: int, retired: bool, polled: bool, unhealthy_after: int) -> Health:
    """One word for a feed's state: retired (410), unhealthy (failed
    `unhealthy_after` times in a row or more), backing off (failing, fewer times), ok."""
    if retired:
        return "retired"
    if errors >= unhealthy_after:
        return "unhealthy"
    if errors:
        return "backing off"
    return "ok" if polled else "not polled"


def entries_per_day(entries: Sequence[Entry], now: float) -> float | None:
    """How many entries a day the feed published over the last week, from its entries' dates."""
    dated = [t for e in entries if (t := _timestamp(e.published)) is not None]
    if not dated:
        return None
    window = min(ADAPTIVE_WINDOW, max(86400.0, now - min(dated)))
    return round(sum(1 for t in dated if now - t <= window) * 86400.0 / window, 1)


def latest_due_in(policy: PollPolicy, why: str | None) -> float | None:
    """How far off a feed may be due after a config change (a shorter interval applies at once);
    None: leave it be, since the publisher or a failure set its time, not the config."""
    if why is not None and why not in HEALTHY_REASONS:
        return None
    return policy.pinned if policy.pinned is not None else policy.max_interval


@dataclass(frozen=True)
class PollState:
    """What a poll needs to know of a feed's past: what the last polls left in its state (the
    store reads it back from the fields `decide_poll` writes)."""

    validators: Validators = Validators()
    errors: int = 0  # failures in a row
    moved_to: str | None = None  # where a 301 or 308 sent it
    cadence: Cadence = Cadence()
    spell: Spell = field(default_factory=Spell)  # its run of failures, as far as notices go
    last_ok: float | None = None  # when its last good poll was (Unix time; None: never)


PollKind = Literal["not_modified", "entries", "deferred", "failed"]
FieldValue = str | int | float  # a feed state field as saved ("" deletes it)


@dataclass(frozen=True)
class PollDecision:
    """Everything one poll of one feed leads to (`decide_poll`): what the job saves, queues,
    counts and logs, as it is."""

    kind: PollKind  # what the poll came to, for the job's counts
    state: PollState  # the feed's state as this poll leaves it (saved as `write` and `delete`)
    write: Mapping[str, FieldValue]  # feed state fields to set
    delete: tuple[str, ...]  # feed state fields to remove (what the poll made empty)
    plan: Schedule  # when it is due next and why; due None: retired, out of the schedule
    labels: tuple[str, str]  # wirewatch_polls{outcome, status}
    listed: int = 0  # entries in the feed's body
    new: tuple[Entry, ...] = ()  # to read and match
    stale: tuple[Entry, ...] = ()  # never seen, too old to alert: only remembered as seen
    notices: tuple[Notice, ...] = ()  # about the feed itself, for the notice sinks
    log: tuple[LogLine, ...] = ()


def decide_poll(
    feed: FeedConfig,
    past: PollState,
    outcome: PollOutcome,
    seen: Sequence[bool],
    *,
    policy: PollPolicy,
    due_at: float,
    now: float,
    rng: random.Random,
    max_entry_age: float,
    unhealthy_after: int,
) -> PollDecision:
    """What a poll's outcome means for the feed, all of it at once: its new state and the fields
    that hold it, when it is due next (or retired), its new and stale entries, the notices, the
    metric labels and the log lines. `seen`: for each of the outcome's `listed_entries`, whether
    it was seen before; `due_at`: when the feed was due. Pure: the clock is `now`, chance `rng`."""
    today = datetime.fromtimestamp(now, UTC)
    stamp = today.isoformat(timespec="seconds")
    polled = past.moved_to or feed.url
    moved_now = _moved(outcome, polled)  # a new permanent address, found by this poll
    moved_to = moved_now or past.moved_to
    cadence = cadence_after(outcome, past.cadence, now, policy)
    failures = past.errors + 1 if isinstance(outcome, PollFailed) else 0
    plan = schedule(outcome, cadence, policy, due_at, now, failures, rng)
    found, spell = notices_after(
        poll_result(outcome), feed, past.spell, past.errors, _error(outcome), now, unhealthy_after, moved_now
    )
    # What every poll writes: when the feed is due next and why, and what it learned.
    timing: dict[str, FieldValue] = {
        "interval": round(plan.interval),
        "why": plan.why,
        "next_poll": round(plan.due) if plan.due is not None else "",
    }
    learned = {**_cadence_fields(cadence), **_spell_fields(spell), "moved_to": moved_to or "", **timing}
    # Whole seconds, and not the feed's URL (the config has it): 100,000 feed hashes (bench/scale.py)
    polled_now: dict[str, FieldValue] = {"last_poll": int(now)}
    lines: list[LogLine] = []
    triage = EntryTriage((), ())
    kind: PollKind
    fields: dict[str, FieldValue]
    match outcome:
        case NotModified(status=status, validators=answered):
            kept = answered or past.validators
            kind, state = "not_modified", PollState(kept, 0, moved_to, cadence, spell, now)
            ok: dict[str, FieldValue] = {
                "last_ok": stamp,
                "last_status": status,
                "last_error": "",
                "errors": "",
            }
            fields = {**polled_now, **ok, **learned, **(_validator_fields(answered) if answered else {})}
            same = "not modified" if status == 304 else "the same entries as the last poll's"
            lines.append(LogLine(logging.DEBUG, f"feed %s %s: {same}", (feed.id, polled)))
        case FeedEntries(entries=entries, validators=validators, warning=warning):
            kind, state = "entries", PollState(validators, 0, moved_to, cadence, spell, now)
            triage = triage_entries(entries, seen, max_entry_age, today, outcome.baseline)
            fields = {
                **polled_now,
                **_validator_fields(validators),
                "last_ok": stamp,
                "last_status": outcome.status,
                "last_error": "",
                "errors": "",
                "last_warning": warning or "",
                "entries": len(entries),
                **learned,
                "per_day": entries_per_day(entries, now) or "",
            }
            if warning:
                lines.append(
                    LogLine(logging.WARNING, "feed %s %s: ill-formed, %d entries recovered: %s",
                            (feed.id, polled, len(entries), warning))
                )  # fmt: skip
            old = f", {len(triage.stale)} too old to alert" if triage.stale else ""
            lines.append(
                LogLine(logging.INFO, "feed %s %s: %d entries, %d new%s",
                        (feed.id, polled, len(entries), len(triage.new), old))
            )  # fmt: skip
        case Deferred(wait=wait):
            kind, state = "deferred", past  # not polled: only its schedule changes
            fields = timing
            lines.append(
                LogLine(logging.DEBUG, "feed %s %s: its host is busy, deferred %ds", (feed.id, polled, wait))
            )
        case PollFailed(error=error):
            kind, state = (
                "failed",
                PollState(past.validators, failures, moved_to, cadence, spell, past.last_ok),
            )
            retired: dict[str, FieldValue] = (
                {"retired": stamp, "retired_reason": error} if outcome.gone else {}
            )
            failed: dict[str, FieldValue] = {"last_error": error, "errors": failures, "last_error_at": stamp}
            fields = {**polled_now, **failed, **retired, **learned}
        case _:
            assert_never(outcome)
    if moved_now:
        lines.append(
            LogLine(logging.WARNING, "feed %s %s: moved permanently to %s; polled there from now on",
                    (feed.id, polled, moved_now))
        )  # fmt: skip
    if plan.due is None:
        lines.append(
            LogLine(logging.ERROR, "feed %s %s: %s; retired, no more polls (wirewatch feeds revive %s)",
                    (feed.id, polled, without_url(polled, _error(outcome)), feed.url))
        )  # fmt: skip
    elif isinstance(outcome, PollFailed):
        lines.append(
            LogLine(logging.WARNING if outcome.retriable else logging.ERROR,
                    "feed %s %s: %s; next poll in %ds (%s)",
                    (feed.id, polled, without_url(polled, outcome.error), plan.due - now, plan.why))
        )  # fmt: skip
    return PollDecision(
        kind=kind,
        state=state,
        write={k: v for k, v in fields.items() if v != ""},
        delete=tuple(k for k, v in fields.items() if v == ""),
        plan=plan,
        labels=poll_labels(outcome),
        listed=len(listed_entries(outcome)),
        new=triage.new,
        stale=triage.stale,
        notices=tuple(found),
        log=tuple(lines),
    )


def _cadence_fields(cadence: Cadence) -> dict[str, FieldValue]:
    """A cadence as feed state fields (an empty value deletes the field)."""
    return {
        "adaptive": cadence.adaptive or "",
        "floor": cadence.floor or "",
        "max_age": cadence.max_age or "",
        "skip_hours": ",".join(str(h) for h in sorted(cadence.skip_hours)),
    }


def _spell_fields(spell: Spell) -> dict[str, FieldValue]:
    """A spell as feed state fields (an empty value deletes the field)."""
    return {
        "spell_since": spell.since or "",
        "spell_notified": spell.notified or "",
        "spell_reminders": spell.reminders or "",
    }


def _error(outcome: PollOutcome) -> str:
    return outcome.error if isinstance(outcome, PollFailed) else ""


def _moved(outcome: PollOutcome, polled: str) -> str | None:
    """Where a permanent redirect sent the feed, when it did (and not to where it was polled)."""
    moved = outcome.moved_to if isinstance(outcome, NotModified | FeedEntries) else None
    return moved if moved and moved != polled else None


def _interval(cadence: Cadence, policy: PollPolicy) -> tuple[float, str]:
    """The interval for a healthy feed, and what set it: the feed's own floors win."""
    if policy.pushed:
        interval, why = policy.max_interval, WEBSUB
    elif policy.pinned is not None:
        interval, why = policy.pinned, "pinned"
    elif cadence.adaptive is not None:
        interval, why = cadence.adaptive, "adaptive"
    else:
        interval, why = min(policy.max_interval, max(policy.min_interval, policy.start)), "start"
    for floor, name in ((cadence.floor, "ttl"), (cadence.max_age, "max-age")):
        if floor is not None and floor > interval:
            interval, why = min(floor, MAX_RETRY_AFTER), name
    return interval, why


def _awake(when: float, skip_hours: frozenset[int]) -> float:
    """`when`, or the start of the first hour after it that the feed does not skip (UTC)."""
    if not skip_hours:
        return when
    for _ in range(24):
        hour = datetime.fromtimestamp(when, UTC).hour
        if hour not in skip_hours:
            return when
        when = (when // 3600 + 1) * 3600
    return when


def _timestamp(value: str | None) -> float | None:
    parsed = _parse_time(value)
    return parsed.timestamp() if parsed is not None else None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
