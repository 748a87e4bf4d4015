"""What messages are made of: the templates' filters (see pipeline.sinks.templates: a header
line, a snippet with its hits marked, why a match matched, a statement on one line, a safe
link) and the notices' subject and text.

Everything in an alert except the rule comes from feeds and pages, so it is hostile: control
characters never reach a header or a one-line field (pipeline.plaintext), and every string in
HTML is escaped.
"""

from __future__ import annotations

import contextlib
import email.errors
import email.header
import re
from collections.abc import Callable, Sequence

from ..models import Match, Notice, StatementRef
from ..plaintext import one_line, truncate
from ..statements import IDENTITY_SEPARATOR

SUBJECT_PREFIX = "[wirewatch]"
SUBJECT_MAX = 200

_SAFE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
_ENCODED_WORD_START = re.compile(r"=\?")


def header_text(text: str) -> str:
    """Untrusted text made safe for an email header, whatever its encoding: RFC 2047 encoded
    words are decoded first (the email library would decode them itself when it parses the
    value, so `=?UTF-8?Q?=0A?=` would become a line break *after* scrubbing), then the text is
    scrubbed to one line, and any `=?` left is broken up so that no encoded word gets through."""
    if "=?" in text:  # a malformed encoded word stays as written, and is neutralised below
        with contextlib.suppress(ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
            text = str(email.header.make_header(email.header.decode_header(text)))
    return _ENCODED_WORD_START.sub("=\u2060?", one_line(text))


def notice_subject(notice: Notice) -> str:
    """`[wirewatch] feed unhealthy: <name>`, one line, at most SUBJECT_MAX characters."""
    return truncate(f"{SUBJECT_PREFIX} {header_text(notice.headline)}", SUBJECT_MAX)


def notice_text(notice: Notice) -> str:
    """The plain-text body of a notice: what happened to which feed, since when, and why."""
    if notice.type == "sink.disabled":
        sink = one_line(notice.sink_id)
        return (
            f"Sink {sink} answered 410 Gone and is disabled: nothing more is sent to it until "
            f"`wirewatch sinks enable {sink}`.\n\nIts deliveries are kept as dead letters "
            f"(wirewatch deliveries --failed --sink {sink}).\nSince: {notice.since}\n"
            + (f"Last error: {truncate(one_line(notice.error), 1000)}\n" if notice.error else "")
        )
    if notice.type == "rule.spike":
        return spike_text(notice)
    what = {
        "feed.unhealthy": f"has failed {notice.failures} times in a row",
        "feed.recovered": f"works again, after {notice.failures} failures in a row",
        "feed.retired": "answered 410 Gone and is polled no more (wirewatch feeds revive URL)",
        "feed.moved": "moved permanently; the new URL is polled from now on",
    }[notice.type]
    lines = [f"Feed {one_line(notice.feed_name)} {what}.", "", f"URL: {one_line(notice.feed_url)}"]
    if notice.moved_to:
        lines.append(f"New URL: {one_line(notice.moved_to)}")
    lines.append(f"Since: {notice.since}")
    if notice.error:
        lines.append(f"Last error: {truncate(one_line(notice.error), 1000)}")
    return "\n".join(lines) + "\n"


def spike_text(notice: Notice) -> str:
    """The plain-text body of a rule.spike notice: the rule, its count against its baseline, and
    its top stories with their outlets."""
    rule = one_line(notice.rule_title or notice.rule_id)
    hours = notice.window / 3600
    span = f"{hours:g} hour{'' if hours == 1 else 's'}"
    lines = [
        f"Rule {rule} ({one_line(notice.rule_id)}) matched {notice.count} stories in the last {span}, "
        f"against {notice.baseline:g} usually ({notice.basis}).",
        "",
        f"Since: {notice.since}",
    ]
    if notice.stories:
        lines += ["", "Top stories:"]
        for n, story in enumerate(notice.stories, 1):
            outlets = ", ".join(one_line(o)[:60] for o in story.outlets[:8])
            more = f" and {len(story.outlets) - 8} more" if len(story.outlets) > 8 else ""
            lines.append(f"{n}. {truncate(one_line(story.title), 300) or '(untitled)'}")
            lines.append(f"   {truncate(one_line(story.url), 2000)}")
            plural = "" if len(story.outlets) == 1 else "s"
            lines.append(f"   {len(story.outlets)} outlet{plural}: {outlets}{more}")
    return "\n".join(lines) + "\n"


def _normalise_spans(spans: Sequence[Sequence[int]], size: int) -> list[tuple[int, int]]:
    """Clamp to [0, size], drop empty spans, sort and merge overlaps."""
    clean: list[tuple[int, int]] = []
    for span in spans:
        if len(span) != 2:
            continue
        start, end = max(0, int(span[0])), min(size, int(span[1]))
        if start < end:
            clean.append((start, end))
    clean.sort()
    merged: list[tuple[int, int]] = []
    for start, end in clean:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _identity(text: str) -> str:
    return text


def highlight(
    snippet: str,
    highlights: Sequence[Sequence[int]],
    before: str,
    after: str,
    escape: Callable[[str], str] = _identity,
) -> str:
    """Wrap each highlighted span of `snippet` in `before`/`after`.

    `escape` is applied to the snippet text only, never to the markers, so `before="<mark>"`
    with `escape=html.escape` gives safe HTML. Spans out of range, empty or overlapping are
    clamped and merged rather than trusted.
    """
    out: list[str] = []
    pos = 0
    for start, end in _normalise_spans(highlights, len(snippet)):
        out.append(escape(snippet[pos:start]))
        out.append(before + escape(snippet[start:end]) + after)
        pos = end
    out.append(escape(snippet[pos:]))
    return "".join(out)


def safe_link(url: str) -> str | None:
    """The URL if it is a plain http(s) URL (no whitespace or controls anywhere), else None."""
    return url if _SAFE_URL.fullmatch(url) else None


_WHY_MAX = 12


def why(match: Match) -> list[str]:
    """Each distinct (matched text, query part) once: `Peskov (term:peskov) at 120-126, ×3`."""
    seen: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for h in match.hits:
        seen.setdefault((one_line(h.text), one_line(h.query)), []).append((h.start, h.end))
    out = []
    for (text, query), where in list(seen.items())[:_WHY_MAX]:
        start, end = where[0]
        times = f", ×{len(where)}" if len(where) > 1 else ""
        out.append(f"{text} ({query}) at {start}-{end}{times}")
    if len(seen) > _WHY_MAX:
        out.append(f"… {len(seen) - _WHY_MAX} more")
    return out


def statement_line(statement: StatementRef) -> str:
    """A statement on one line: who as named (and whom that names), the verb, what was said:
    `he (Dmitry Peskov, the Kremlin spokesman) said: “the talks were constructive”`."""
    parts = statement.identity.split(IDENTITY_SEPARATOR) if statement.identity else [statement.speaker]
    named, *more = parts
    who = one_line(statement.speaker or named)
    also = [one_line(part) for part in (named, *more) if one_line(part) and one_line(part) != who]
    aside = f" ({', '.join(also)})" if also else ""
    has_verb = any(c.isalpha() for c in statement.verb)  # a headline's "X: …" has none
    verb = f" {one_line(statement.verb)}" if has_verb else ""
    return f"{who}{aside}{verb}: “{one_line(statement.content)}”"
