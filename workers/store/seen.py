"""Seen entries in Redis: each feed's window of the entries its recent bodies listed, so a poll
knows at once which of its entries it has seen before. The window is bounded by the feed, not by
time: an entry that left it and comes back later is answered by the history store
(workers.history.seen), which keeps every entry handed to article work for seen_ttl.

    ww:feed:<feed id>:seen   string: the feed's window, its keys' hashes by the hour last listed
                             (a feed no longer polled drops it; a feed removed from the config
                             drops it with its other ww:feed:<feed id>* keys, `drop_window`)
    ww:legacy_seen_until     string: until when seen keys of the old form may still exist (PXAT
                             that time), set by the upgrade that found them (`note_legacy_seen`)
    ww:seen:<hash>           the old form, one key per entry key (EX seen_ttl): read, never
                             written, while ww:legacy_seen_until exists

The window is one string, not a set or a sorted set: about 6 bytes per entry key whatever its length
(a sorted set takes about 17 bytes a member up to 128 members and about 100 beyond, measured with
MEMORY USAGE), read whole with one GET per feed, all the batch's feeds in one round trip, and
written whole after the poll. Two writers of one window (never two polls of one feed at once: a
polled feed is leased) would lose only window entries, which the history store still answers for.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from redis import Redis
from redis.client import Pipeline

from pipeline.models import Entry, short_hash

from .common import PREFIX

# A window is a run of groups, one per hour its keys were last listed in (newest first): the
# hour (hours since 1970, modulo 2^16: read back against the present hour, see Window.parse) and
# how many keys, then each key as the first HASH_SIZE bytes of its SHA-256. A poll re-lists most
# of a feed's keys, so a window is one or a few groups: about 6 bytes a key.
WINDOW_GROUP = struct.Struct("<HH")
HASH_SIZE = 6
HOUR = 3600
WINDOW_AGE = 86400.0  # seconds an entry key stays in the window after its feed last listed it...
WINDOW_MIN = 200  # ...but at most max(WINDOW_MIN, 2 x the keys of the last body) entry keys...
WINDOW_MAX = 2000  # ...and never more than this (a body lists at most 500 entries, 2 keys each)

LEGACY_UNTIL_KEY = f"{PREFIX}legacy_seen_until"
LEGACY_PATTERN = f"{PREFIX}seen:*"  # the old form's keys (`any_legacy_seen`)

# Whether seen keys of the old form may exist, as this process last read it: a hint that decides
# only whether the check asks for them in its one round trip. The marker read in that same round
# trip decides: if the hint was wrong, they are asked in a second one (see `check`).
_legacy_hint = False


def window_key(feed_id: str) -> str:
    return f"{PREFIX}feed:{feed_id}:seen"


def legacy_key(entry_key: str) -> str:
    """An entry key's seen key of the old form (one Redis key per entry key, before windows)."""
    return f"{PREFIX}seen:{short_hash(entry_key, size=24)}"


def key_hash(entry_key: str) -> bytes:
    """The 6 bytes an entry key is kept as in its feed's window. 48 bits: a new key is taken for
    seen only if its hash equals one of its feed's (at most 2,000): odds about 1 in 10^11 for one
    key (once in some centuries at 500,000 new entries a day)."""
    return hashlib.sha256(entry_key.encode("utf-8")).digest()[:HASH_SIZE]


def entry_keys(entry: Entry) -> tuple[str, ...]:
    """Every key an entry is seen under (its key, then its alt_keys)."""
    return (entry.key, *entry.alt_keys)


@dataclass(frozen=True)
class Window:
    """A feed's recently listed entry keys: key hash -> the hour its feed last listed it (hours
    since 1970)."""

    listed: dict[bytes, int]

    @classmethod
    def parse(cls, raw: object, now: float | None = None) -> Window:
        """A window as stored (a GET's reply), read at `now`; empty when absent or not of whole
        records (then the history store answers for its entries: nothing is taken for new that
        was seen). An hour is stored modulo 2^16 (7 years): the latest such hour not after now."""
        if not isinstance(raw, bytes):
            return cls({})
        hour = int((time.time() if now is None else now) // HOUR)
        listed: dict[bytes, int] = {}
        at = 0
        while at < len(raw):
            if at + WINDOW_GROUP.size > len(raw):
                return cls({})
            stored, count = WINDOW_GROUP.unpack_from(raw, at)
            at += WINDOW_GROUP.size
            end = at + count * HASH_SIZE
            if end > len(raw):
                return cls({})
            when = hour - ((hour - stored) & 0xFFFF)
            listed.update(dict.fromkeys((raw[i : i + HASH_SIZE] for i in range(at, end, HASH_SIZE)), when))
            at = end
        return cls(listed)

    def to_bytes(self) -> bytes:
        """The groups of keys listed in one hour, in the window's order (newest first)."""
        out: list[bytes] = []
        for when, group in itertools.groupby(self.listed.items(), key=lambda item: item[1]):
            hashes = [h for h, _ in group]
            out.append(WINDOW_GROUP.pack(when & 0xFFFF, len(hashes)))
            out.extend(hashes)
        return b"".join(out)

    def has(self, entry: Entry) -> bool:
        """Whether the entry is in the window under any of its keys."""
        return any(key_hash(k) in self.listed for k in entry_keys(entry))

    def after(self, entries: Sequence[Entry], now: float, seen_ttl: float) -> Window:
        """The window after a body that listed `entries`: their keys, listed now, then the keys
        listed within WINDOW_AGE (or seen_ttl, if shorter) before, the most recent first, up to the
        cap (2 x the body's keys, at least WINDOW_MIN, at most WINDOW_MAX). Newest first in the
        body: a body of more keys than WINDOW_MAX keeps its first."""
        at = int(now // HOUR)
        fresh = dict.fromkeys((key_hash(k) for e in entries for k in entry_keys(e)), at)
        cap = min(WINDOW_MAX, max(WINDOW_MIN, 2 * len(fresh)))
        if len(fresh) >= cap:
            return Window(dict(list(fresh.items())[:cap]))
        hours = int(min(WINDOW_AGE, seen_ttl) // HOUR)  # kept while listed fewer hours ago than this
        older = sorted(
            ((h, t) for h, t in self.listed.items() if h not in fresh and at - t < hours),
            key=lambda item: item[1],
            reverse=True,
        )
        return Window(fresh | dict(older[: cap - len(fresh)]))


@dataclass(frozen=True)
class Checked:
    """What Redis knows of a poll batch's entries: each feed's window, and for each of its
    entries whether it was seen (in the window, or under a key of the old form)."""

    windows: list[Window]
    seen: list[list[bool]]


def check(redis: Redis, batch: Sequence[tuple[str, Sequence[Entry]]]) -> Checked:
    """Each feed's window and which of its listed entries Redis knows as seen, for a poll batch
    of (feed id, listed entries), in one round trip: the windows' GETs, the legacy marker and,
    while it may exist, the old form's keys. Feeds that listed nothing are not read."""
    global _legacy_hint
    read = [i for i, (_, entries) in enumerate(batch) if entries]
    if not read:
        return Checked([Window({}) for _ in batch], [[] for _ in batch])
    ask_legacy = _legacy_hint
    with redis.pipeline(transaction=False) as pipe:
        pipe.exists(LEGACY_UNTIL_KEY)
        for i in read:
            pipe.get(window_key(batch[i][0]))
        if ask_legacy:
            _ask_legacy(pipe, (e for i in read for e in batch[i][1]))
        replies = pipe.execute()
    legacy = bool(replies[0])
    _legacy_hint = legacy
    windows = [Window({}) for _ in batch]
    for i, raw in zip(read, replies[1 : 1 + len(read)], strict=True):
        windows[i] = Window.parse(raw)
    seen = [[windows[i].has(e) for e in entries] for i, (_, entries) in enumerate(batch)]
    if legacy:
        if ask_legacy:
            old = iter(replies[1 + len(read) :])
            found = [[bool(next(old)) for _ in batch[i][1]] for i in read]
        else:  # the marker came after this process last looked: ask for what the windows lack
            found = _legacy_of_absent(redis, [(batch[i][1], seen[i]) for i in read])
        for i, flags in zip(read, found, strict=True):
            seen[i] = [s or f for s, f in zip(seen[i], flags, strict=True)]
    return Checked(windows, seen)


def _ask_legacy(pipe: Pipeline, entries: Iterable[Entry]) -> None:
    for e in entries:
        pipe.exists(*(legacy_key(k) for k in entry_keys(e)))  # seen under any of its keys


def _legacy_of_absent(redis: Redis, feeds: Sequence[tuple[Sequence[Entry], list[bool]]]) -> list[list[bool]]:
    absent = [e for entries, seen in feeds for e, s in zip(entries, seen, strict=True) if not s]
    with redis.pipeline(transaction=False) as pipe:
        _ask_legacy(pipe, absent)
        found = iter(pipe.execute() if absent else [])
    return [[False if s else bool(next(found)) for s in seen] for _, seen in feeds]


def save_window(pipe: Pipeline, feed_id: str, window: Window, ttl: float) -> None:
    """Write a feed's window (`Window.after` of the one `check` read); it lasts seen_ttl after the
    feed's last body, so a feed never polled again leaves nothing behind."""
    key = window_key(feed_id)
    if window.listed:
        pipe.set(key, window.to_bytes(), ex=max(1, int(ttl)))
    else:
        pipe.delete(key)


def drop_window(pipe: Pipeline, feed_id: str) -> None:
    """Forget a feed's window (the feed left the config)."""
    pipe.delete(window_key(feed_id))


def read_window(redis: Redis, feed_id: str) -> Window:
    return Window.parse(redis.get(window_key(feed_id)))


_NOTE_LEGACY = """
local at = tonumber(ARGV[1])
if at <= tonumber(redis.call('get', KEYS[1]) or '0') then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PXAT', math.ceil(at * 1000))
return 1
"""


def note_legacy_seen(redis: Redis, until: float) -> None:
    """Seen keys of the old form (ww:seen:<hash>) may exist until `until` (the upgrade that found
    them: now + seen_ttl): polls check them too until then. Only ever moved later; the marker
    expires at that time, and with it the checks."""
    redis.eval(_NOTE_LEGACY, 1, LEGACY_UNTIL_KEY, repr(float(until)))


def any_legacy_seen(redis: Redis) -> bool:
    """Whether seen keys of the old form are left (for the upgrade: a SCAN of the keyspace that
    stops at the first one, so run it once, not per poll)."""
    return next(redis.scan_iter(match=LEGACY_PATTERN, count=1000), None) is not None


def legacy_seen_until(redis: Redis) -> float | None:
    """Until when seen keys of the old form are checked (None: they are not)."""
    raw = redis.get(LEGACY_UNTIL_KEY)
    return float(raw) if raw else None
