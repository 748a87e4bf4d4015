"""The webhook's JSON body (version 1) of an alert, a digest and a notice, and the same made
smaller step by step, each saying so (`"trimmed": true`), for a receiver that takes at most
MAX_BODY_BYTES. The default templates render from these payloads (pipeline.sinks.templates), so
every sink's messages see the same shape; the webhook sink posts them as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..models import Alert, Digest, Notice, StoryRef

PAYLOAD_VERSION = 1
MAX_BODY_BYTES = 64 * 1024  # a receiver is never sent more; what was left out is said in the body


def payload(alert: Alert) -> dict[str, Any]:
    """The JSON body of one alert (version 1)."""
    art = alert.article
    return {
        "version": PAYLOAD_VERSION,
        "type": "alert",
        "alert_id": alert.alert_id,
        "rule": {"id": alert.rule_id, "title": alert.rule_title},
        "article": {
            "url": art.url,
            "title": art.title,
            "source": art.source,
            "published": art.published,
            "language": art.language,
        },
        **({"story": story_payload(alert.story)} if alert.story else {}),
        "matches": [
            {
                "field": m.field,
                "terms": list(m.terms),
                "snippet": m.snippet,
                "offsets": [[s, e] for s, e in m.offsets],
                "highlights": [[s, e] for s, e in m.highlights],
                "hits": [{"text": h.text, "start": h.start, "end": h.end, "query": h.query} for h in m.hits],
                **({"hits_total": m.hits_total} if m.hits_total is not None else {}),
                **({"statement": m.statement.model_dump()} if m.statement is not None else {}),
            }
            for m in alert.matches
        ],
        **({"feedback_url": alert.feedback_url} if alert.feedback_url else {}),
    }


def story_payload(story: StoryRef) -> dict[str, Any]:
    """An alert's story: its id, when first seen, and its timeline as the alert was made (or its
    digest taken): the first outlet, how many outlets followed, and each copy with when its
    outlet published it and when wirewatch read it, the first outlet's first."""
    data: dict[str, Any] = {"id": story.id, "first_seen": story.first_seen}
    first = story.first_outlet
    if first is not None:
        data["first_outlet"] = {"source": first.source, "url": first.url, "published": first.published,
                                "seen": first.seen}  # fmt: skip
        data["followed"] = story.followed
        data["copies"] = [
            {"source": c.source, "url": c.url, "title": c.title, "published": c.published, "seen": c.seen,
             "first": i == 0}
            for i, c in enumerate(story.copies)
        ]  # fmt: skip
        data["copies_total"] = story.copies_total
    return data


def notice_payload(notice: Notice) -> dict[str, Any]:
    """The JSON body of a notice (version 1): its type, the feed or sink, and what happened."""
    if notice.type == "rule.spike":
        return {
            "version": 1,
            "type": notice.type,
            "rule": {"id": notice.rule_id, "title": notice.rule_title},
            "count": notice.count,
            "baseline": notice.baseline,
            "basis": notice.basis,
            "window_seconds": notice.window,
            "since": notice.since,
            "stories": [
                {
                    "id": st.story_id,
                    "title": st.title[:500],
                    "url": st.url[:2000],
                    "outlets": list(st.outlets[:50]),
                }
                for st in notice.stories
            ],
        }
    if notice.type == "sink.disabled":
        return {
            "version": 1,
            "type": notice.type,
            "sink": {"id": notice.sink_id},
            "error": notice.error[:2000],
            "since": notice.since,
        }
    data: dict[str, Any] = {
        "version": 1,
        "type": notice.type,
        "feed": {"url": notice.feed_url, "name": notice.feed_name},
        "error": notice.error[:2000],
        "failures": notice.failures,
        "since": notice.since,
    }
    if notice.moved_to:
        data["moved_to"] = notice.moved_to
    return data


def digest_payload(digest: Digest) -> dict[str, Any]:
    """The JSON body of a digest (version 1): each alert as its own body, with the other outlets
    of its story."""
    rule = digest.rule
    return {
        "version": PAYLOAD_VERSION,
        "type": "digest",
        "digest_id": digest.digest_id,
        "group": digest.group,
        "count": len(digest.alerts),
        "rule": {"id": rule[0], "title": rule[1]} if rule else None,
        "window_start": digest.window_start,
        "flushed_at": digest.flushed_at,
        "alerts": [
            {**payload(a), "also_reported_by": digest.also[i] if i < len(digest.also) else ""}
            for i, a in enumerate(digest.alerts)
        ],
        "spikes": [notice_payload(n) for n in digest.spikes],
    }


def trimmed_digest_payloads(digest: Digest) -> Iterator[dict[str, Any]]:
    """A digest's payload, then smaller each time, saying so (`"trimmed": true`): no hits, then
    shorter snippets, titles and URLs, then only each alert's first match, then none. One dict,
    changed in place between yields."""
    data = digest_payload(digest)
    yield data
    data["trimmed"] = True
    for a in data["alerts"]:
        for m in a["matches"]:
            m["hits_total"] = m.get("hits_total") or len(m["hits"])
            m["hits"], m["offsets"] = [], []
    yield data
    for a in data["alerts"]:
        for m in a["matches"]:
            m["snippet"], m["highlights"], m["terms"] = m["snippet"][:300], [], m["terms"][:10]
        a["article"]["title"], a["article"]["url"] = a["article"]["title"][:300], a["article"]["url"][:2000]
        _shorter_timeline(a, 5)
    for spike in data["spikes"]:
        spike["stories"] = [_shorter_story(st, 100) for st in spike["stories"][:3]]
    yield data
    for a in data["alerts"]:
        a["matches"] = [{**m, "snippet": m["snippet"][:200]} for m in a["matches"][:1]]
        a["article"]["url"], a["also_reported_by"] = a["article"]["url"][:500], a["also_reported_by"][:200]
    yield data
    for a in data["alerts"]:  # the least: what, where, and the rule, for every alert of the digest
        a["matches"], a["also_reported_by"] = [], a["also_reported_by"][:100]
        a["article"]["title"], a["article"]["url"] = a["article"]["title"][:150], a["article"]["url"][:300]
        _shorter_timeline(a, 0)
    data["spikes"] = data["spikes"][:5]
    for spike in data["spikes"]:
        spike["stories"] = [_shorter_story(st, 60) for st in spike["stories"][:1]]
    yield data


def _shorter_story(story: dict[str, Any], chars: int) -> dict[str, Any]:
    """A spike notice's story with its title, URL and outlets shortened (its first 5 outlets)."""
    outlets = [o[:chars] for o in story["outlets"][:5]]
    return {
        **story,
        "title": story["title"][: chars * 2],
        "url": story["url"][: chars * 5],
        "outlets": outlets,
    }


def encode_body(alert: Alert) -> bytes:
    """Compact UTF-8 JSON, at most MAX_BODY_BYTES: the first of `trimmed_payloads` that fits.
    Lone surrogates fall back to \\u escapes."""
    body = b""
    for data in trimmed_payloads(alert):
        body = _json(data)
        if len(body) <= MAX_BODY_BYTES:
            break
    return body


def trimmed_payloads(alert: Alert) -> Iterator[dict[str, Any]]:
    """The alert's payload, then the same trimmed further each time: the hits of each match
    halved, down to none, then the snippets and the title shortened, each saying so
    (`"trimmed": true`, each match's `hits_total`). One dict, changed in place between yields."""
    data = payload(alert)
    yield data
    hits = max((len(m["hits"]) for m in data["matches"]), default=0)
    while hits > 0:
        hits //= 2
        for m in data["matches"]:
            m["hits_total"] = m.get("hits_total") or len(m["hits"])
            m["hits"], m["offsets"] = m["hits"][:hits], m["offsets"][:hits]
        data["trimmed"] = True
        yield data
    for m in data["matches"]:
        m["snippet"], m["highlights"], m["terms"] = m["snippet"][:500], [], m["terms"][:10]
    data["article"]["title"] = data["article"]["title"][:300]
    data["article"]["url"] = data["article"]["url"][:4000]
    _shorter_timeline(data, 5)
    data["trimmed"] = True
    yield data


def _shorter_timeline(alert_data: dict[str, Any], most: int) -> None:
    """The story's first `most` copies, their titles and URLs shortened, and its first outlet's
    (`copies_total` and `followed` stay as they are)."""
    story = alert_data.get("story")
    if story and "copies" in story:
        story["copies"] = [
            {**c, "title": c["title"][:150], "url": c["url"][:500]} for c in story["copies"][:most]
        ]
        first = story["first_outlet"]  # the least: its name alone
        first["url"], first["source"] = (
            (first["url"][:500], first["source"][:200]) if most else ("", first["source"][:80])
        )


def encode_notice(notice: Notice) -> bytes:
    """A notice's body as compact UTF-8 JSON (it is small: never trimmed)."""
    return _json(notice_payload(notice))


def _json(data: dict[str, Any]) -> bytes:
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")
