"""The story index in Redis: LSH bands keyed by day, so that it forgets by itself.

    ww:story:lsh:<day>:<n>  hash, one of the day's shards: band key (band number and a 4-byte
                            hash of its rows) -> the first member (8 bytes) that had it that day
    ww:story:shards:<day>   how many shards the day has: enough for about 100 bands each at
                            yesterday's count (small hashes are kept compact by Redis: 17 bytes
                            a band instead of about 70 in a large one)
    ww:story:count:<day>    articles placed that day
    ww:story:member:<day>   hash: member id -> its record (story id, when the story and the
                            member were first seen, shingle count, 8-bit signature)
    ww:story:url:<day>      hash: story URL hash -> story id and its first-seen time
    ww:story:title:<day>    hash: title hash -> story id and its first-seen time
    ww:story:<id>:copies    list: every member of the story (source, URL, title, when), oldest first

Every day key expires `story_window` after its day ends, and only the days of the window are
read: no sweeping, and memory is bounded by the articles of the window. A window shorter than a
day keys the index by spans of the window's own length instead (`<day>` is then `<span>s:<n>`,
the span in seconds and its number since the epoch, so the two forms never meet): by day, a
window of ten minutes would still hold a whole day's articles. An article is placed in
two steps: a read of what the index holds (one script), `pipeline.stories.place` to decide, and
a write (one script, atomic: every band, the record, the URL and the title) that first checks
nothing it read has changed. When it has (a copy of the same story placed meanwhile by another
worker), the article is looked up and decided again: of two copies placed at once, the second
always sees the first.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from redis import Redis

from pipeline.models import StoryCopy, StoryRef, short_hash
from pipeline.plaintext import one_line
from pipeline.stories import (
    BANDS,
    MAX_CANDIDATES,
    NUM_PERM,
    Candidate,
    Fingerprint,
    KnownStory,
    Lookup,
    Placement,
    StoryPolicy,
    place,
)

from .common import PREFIX, to_str

log = logging.getLogger("wirewatch.stories")

DAY = 86400
MAX_COPIES = 100  # members listed per story ("also reported by"); the story itself has no limit
PLACE_TRIES = 5
BANDS_PREFIX = f"{PREFIX}story:lsh:"
_HEAD = struct.Struct("<8sIII")  # story id, story first seen, member seen, shingles
_SIGNATURE = struct.Struct(f"<{NUM_PERM}B")
_INDEXED = struct.Struct("<8sI")  # story id, story first seen

# KEYS, for each day of the window, oldest first: member, url, title, shards; then today's and
# yesterday's article counts and the story's copies list (only the write uses those three).
# ARGV: 1 own id, 2 url key, 3 title key, 4 max candidates, 5 the band keys' prefix, 6 the first
# day; the read then has the bands from 7.
_CANDIDATES = """
local function shard_of(band, shards)
  local b2, b3, b4, b5 = string.byte(band, 2, 5)
  return ((b2 * 16777216) + (b3 * 65536) + (b4 * 256) + b5) % shards
end
local function band_key(d, band, shards)
  return ARGV[5] .. (tonumber(ARGV[6]) + d - 1) .. ':' .. shard_of(band, shards)
end
local function candidates(ndays, first_band)
  local found, out, most = {}, {}, tonumber(ARGV[4])
  for d = 1, ndays do
    local k = (d - 1) * 4
    local shards = tonumber(redis.call('get', KEYS[k + 4]) or '0')
    if shards > 0 then
      for i = first_band, #ARGV do
        local m = redis.call('hget', band_key(d, ARGV[i], shards), ARGV[i])
        if m and not found[m] then
          found[m] = true
          local rec = redis.call('hget', KEYS[k + 1], m)
          if rec then
            table.insert(out, m)
            table.insert(out, rec)
            if #out >= 2 * most then return out end
          end
        end
      end
    end
  end
  return out
end
"""

_LOOKUP = (
    _CANDIDATES
    + """
local n = (#KEYS - 3) / 4
local own, url, title = false, false, false
for d = 1, n do
  local k = (d - 1) * 4
  own = own or redis.call('hget', KEYS[k + 1], ARGV[1])
  if ARGV[2] ~= '' then url = url or redis.call('hget', KEYS[k + 2], ARGV[2]) end
  if ARGV[3] ~= '' then title = title or redis.call('hget', KEYS[k + 3], ARGV[3]) end
end
return {own or '', url or '', title or '', candidates(n, 7)}
"""
)

# ARGV after the six above: 7-8 url and title as read, 9 record, 10 index value, 11 copy,
# 12 expire-at, 13 copies ttl, 14 max copies, 15 bands per article, 16 m, the m candidate ids
# read, then the bands.
_COMMIT = (
    _CANDIDATES
    + """
local n = (#KEYS - 3) / 4
local own_id = ARGV[1]
local url, title = false, false
for d = 1, n do
  local k = (d - 1) * 4
  local own = redis.call('hget', KEYS[k + 1], own_id)
  if own then return {'again', own} end
  if ARGV[2] ~= '' then url = url or redis.call('hget', KEYS[k + 2], ARGV[2]) end
  if ARGV[3] ~= '' then title = title or redis.call('hget', KEYS[k + 3], ARGV[3]) end
end
if (url or '') ~= ARGV[7] or (title or '') ~= ARGV[8] then return {'changed'} end
local m = tonumber(ARGV[16])
local read = {}
for i = 17, 16 + m do read[ARGV[i]] = true end
local first_band = 17 + m
local now = candidates(n, first_band)
for i = 1, #now, 2 do
  if not read[now[i]] then return {'changed'} end
end
local today, expire_at = (n - 1) * 4, ARGV[12]
local shards = tonumber(redis.call('get', KEYS[today + 4]) or '0')
if shards == 0 then
  -- Enough shards that each holds about 100 bands (a small hash, kept compact by Redis) for
  -- as many articles as yesterday had; at least 1024.
  local yesterday = tonumber(redis.call('get', KEYS[#KEYS - 1]) or '0')
  shards = 1024
  while shards * 100 < yesterday * tonumber(ARGV[15]) do shards = shards * 2 end
  redis.call('set', KEYS[today + 4], shards, 'EXAT', expire_at)
end
for i = first_band, #ARGV do
  local key = band_key(n, ARGV[i], shards)
  redis.call('hsetnx', key, ARGV[i], own_id)
  redis.call('expireat', key, expire_at)
end
redis.call('hset', KEYS[today + 1], own_id, ARGV[9])
if ARGV[2] ~= '' then redis.call('hsetnx', KEYS[today + 2], ARGV[2], ARGV[10]) end
if ARGV[3] ~= '' then redis.call('hsetnx', KEYS[today + 3], ARGV[3], ARGV[10]) end
for i = 1, 3 do redis.call('expireat', KEYS[today + i], expire_at) end
redis.call('incr', KEYS[#KEYS - 2])
redis.call('expireat', KEYS[#KEYS - 2], expire_at)
local copies = KEYS[#KEYS]
redis.call('rpush', copies, ARGV[11])
redis.call('ltrim', copies, 0, tonumber(ARGV[14]) - 1)
redis.call('expire', copies, ARGV[13])
return {'ok'}
"""
)


def member_id(entry_key: str) -> bytes:
    """An article's id in the index: stable, so a retried job finds its own placement."""
    return bytes.fromhex(short_hash("member", entry_key, size=16))


def copies_key(story_id: str) -> str:
    return f"{PREFIX}story:{story_id}:copies"


@dataclass(frozen=True)
class Spans:
    """How the index is keyed for a window: by day, or by spans of the window's length when it
    is shorter than a day (see the module's doc)."""

    length: int  # seconds
    tag: str  # what comes before a span's number in its keys: "" for days

    @classmethod
    def of(cls, window: float) -> Spans:
        length = DAY if window >= DAY else max(60, int(window))
        return cls(length, "" if length == DAY else f"{length}s:")

    def covering(self, now: float, window: float) -> range:
        """The spans with a moment within `window` before `now`, oldest first."""
        return range(int((now - window) // self.length), int(now // self.length) + 1)

    def expire_at(self, now: float, window: float) -> int:
        """When the keys of the span `now` is in expire: `window` after it ends, and a little
        more (an hour, or a span when shorter) for the machines' clocks."""
        return (int(now // self.length) + 1) * self.length + int(window) + min(3600, self.length)

    def keys(self, spans: range, story_id: str) -> list[str]:
        kinds = ("member", "url", "title", "shards")
        per_span = [f"{PREFIX}story:{kind}:{self.tag}{n}" for n in spans for kind in kinds]
        now = spans[-1]
        counts = [f"{PREFIX}story:count:{self.tag}{now}", f"{PREFIX}story:count:{self.tag}{now - 1}"]
        return [*per_span, *counts, copies_key(story_id)]


def _record(placement: Placement, fp: Fingerprint, now: float) -> bytes:
    head = _HEAD.pack(bytes.fromhex(placement.story_id), int(placement.first_seen), int(now), fp.shingles)
    return head + (_SIGNATURE.pack(*fp.signature) if fp.signature is not None else b"")


def _known(raw: bytes) -> KnownStory | None:
    if not raw:
        return None
    story, first_seen = _INDEXED.unpack_from(raw)
    return KnownStory(story.hex(), float(first_seen))


def _candidate(member: bytes, record: bytes) -> Candidate:
    story, first_seen, seen, shingle_count = _HEAD.unpack_from(record)
    rest = record[_HEAD.size :]
    signature = _SIGNATURE.unpack(rest) if len(rest) == _SIGNATURE.size else ()
    return Candidate(member.hex(), story.hex(), float(first_seen), float(seen), shingle_count, signature)


def _again(record: bytes) -> Placement:
    """The placement an article already has (its own record)."""
    story, first_seen, _seen, _shingles = _HEAD.unpack_from(record)
    return Placement(story.hex(), float(first_seen), "again")


def place_article(
    redis: Redis,
    fp: Fingerprint,
    member: bytes,
    copy: StoryCopy,
    policy: StoryPolicy,
    now: float,
    keep: float,
) -> Placement:
    """Place an article in its story and record it there; `keep` is how long (seconds) the
    story's list of copies is kept."""
    spans = Spans.of(policy.window)
    days = spans.covering(now, policy.window)
    expire_at = spans.expire_at(now, policy.window)
    bands_prefix = BANDS_PREFIX + spans.tag
    url_key, title_key = fp.url_key or b"", fp.title_key or b""
    placement = None
    for _ in range(PLACE_TRIES):
        keys = spans.keys(days, "")
        own, by_url, by_title, found = redis.eval(
            _LOOKUP, len(keys), *keys, member, url_key, title_key, MAX_CANDIDATES, bands_prefix, days[0],
            *fp.bands,
        )  # fmt: skip
        if own:
            return _again(own)
        candidates = tuple(_candidate(found[i], found[i + 1]) for i in range(0, len(found), 2))
        lookup = Lookup(None, _known(by_url), _known(by_title), candidates)
        placement = place(fp, member.hex(), lookup, policy, now)
        indexed = _INDEXED.pack(bytes.fromhex(placement.story_id), int(placement.first_seen))
        keys = spans.keys(days, placement.story_id)
        answer = redis.eval(
            _COMMIT, len(keys), *keys,
            member, url_key, title_key, MAX_CANDIDATES, bands_prefix, days[0], by_url, by_title,
            _record(placement, fp, now), indexed, copy.to_json(), expire_at, int(keep), MAX_COPIES, BANDS,
            len(found) // 2, *(found[i] for i in range(0, len(found), 2)), *fp.bands,
        )  # fmt: skip
        if answer[0] == b"ok":
            return placement
        if answer[0] == b"again":
            return _again(answer[1])
    log.warning("story index: %s kept changing while it was placed; placed in %s", copy.url, placement)
    assert placement is not None
    return placement


def story_copies(redis: Redis, story_ids: Sequence[str]) -> dict[str, list[StoryCopy]]:
    """The members of each story, oldest first, in one round trip."""
    with redis.pipeline(transaction=False) as pipe:
        for sid in story_ids:
            pipe.lrange(copies_key(sid), 0, -1)
        rows = pipe.execute()
    return {
        sid: [StoryCopy.model_validate_json(to_str(raw) or "{}") for raw in row]
        for sid, row in zip(story_ids, rows, strict=True)
    }


def also_reported_by(
    story: StoryRef | None, own_url: str, copies: dict[str, list[StoryCopy]], most: int = 5
) -> str:
    """ "Outlet (URL), ..." for the story's copies other than the article at `own_url`; "" if none."""
    if story is None:
        return ""
    others = [c for c in copies.get(story.id, []) if c.url != own_url]
    shown = ", ".join(f"{one_line(c.source)[:60]} ({c.url})" for c in others[:most])
    return shown + (f" and {len(others) - most} more" if len(others) > most else "")
