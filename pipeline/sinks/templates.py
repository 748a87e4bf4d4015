"""Message templates: Jinja2 in its sandboxed, immutable environment, one set per sink (and per
rule, overriding). The shipped defaults (pipeline/sinks/templates/*.j2, files to copy) give the
messages wirewatch always sent, byte for byte (tests/fixtures/messages).

Four templates: `subject` (email subject, Apprise title: one scrubbed line, at most 200
characters), `text` (email text part, Apprise body), `html` (email HTML part; autoescaped) and
`body` (the webhook's JSON body, or an Apprise body instead of `text`). Each sees `alert`, the
webhook payload's shape (pipeline.sinks.payload: alert_id, rule {id, title}, article {url,
title, source, published, language}, story {id, first_seen, and when known first_outlet {source,
url, published, seen}, followed, copies [{source, url, title, published, seen, first}],
copies_total}, matches [{field, terms, snippet,
offsets, highlights, hits [{text, start, end, query}], hits_total, and for a said_by: or quote:
match statement {speaker, identity, verb, content, offsets}}], trimmed) and, but for `subject`,
`subject` (the rendered subject line). Filters: one_line, header, esc, marked (a match's snippet
with the hits in **), marked_html, why (each distinct hit and the query part it matched),
statement (a match's statement on one line: who, the verb, what was said), first_outlet (a
story's first outlet and how many followed, on one line), safe_link, json. An
output over its cap is rendered again from a smaller payload (fewer hits, then shorter snippets)
and is an error if it still does not fit.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from jinja2 import StrictUndefined, Template, TemplateError, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..alerts import sample_alert
from ..models import Alert, Digest, Match, StatementRef
from ..plaintext import one_line, scrub, truncate
from .payload import trimmed_digest_payloads, trimmed_payloads
from .render import (
    SUBJECT_MAX,
    header_text,
    highlight,
    safe_link,
    statement_line,
    why,
)

TemplateName = Literal[
    "subject", "text", "html", "body", "digest_subject", "digest_text", "digest_html", "digest_body"
]
NAMES: tuple[TemplateName, ...] = (
    "subject",
    "text",
    "html",
    "body",
    "digest_subject",
    "digest_text",
    "digest_html",
    "digest_body",
)
DEFAULTS_DIR = Path(__file__).parent / "templates"
DEFAULT_FILES: dict[TemplateName, str] = {
    "subject": "subject.txt.j2",
    "text": "alert.txt.j2",
    "html": "alert.html.j2",
    "body": "alert.json.j2",
    "digest_subject": "digest_subject.txt.j2",
    "digest_text": "digest.txt.j2",
    "digest_html": "digest.html.j2",
    "digest_body": "digest.json.j2",
}
CAPS: dict[TemplateName, int] = {
    "subject": 4096, "text": 1_000_000, "html": 2_000_000, "body": 64 * 1024,
    "digest_subject": 4096, "digest_text": 1_000_000, "digest_html": 2_000_000, "digest_body": 64 * 1024,
}  # fmt: skip
_MARK = '<mark style="background:#fff3a0;color:#000;padding:0 1px;">'


class TemplateProblem(Exception):
    """A template that does not compile or render, or whose output is too large."""


def _esc(value: Any) -> Markup:
    return Markup(html.escape(str(value), quote=True))


def _match(value: Mapping[str, Any]) -> Match:
    return Match.model_validate({k: v for k, v in value.items() if k in Match.model_fields})


def _marked(value: Mapping[str, Any]) -> str:
    m = _match(value)
    return one_line(highlight(scrub(m.snippet), m.highlights, "**", "**"))


def _marked_html(value: Mapping[str, Any]) -> Markup:
    m = _match(value)
    body = highlight(scrub(m.snippet), m.highlights, _MARK, "</mark>", lambda t: html.escape(t, quote=True))
    return Markup(" ".join(body.split()))


def _first_outlet(story: Mapping[str, Any]) -> str:
    """An alert's story's first outlet on one line, and how many followed: "Wire Daily
    (published 2026-12-01T10:00:00+00:00); 3 other outlets followed"."""
    first = story["first_outlet"]
    when = f"published {first['published']}" if first.get("published") else f"read {first['seen']}"
    followed = int(story.get("followed") or 0)
    more = f"; {followed} other outlet{'' if followed == 1 else 's'} followed" if followed else ""
    return one_line(f"{first['source']} ({when}){more}")


def _json(value: Any) -> str:
    if isinstance(value, Undefined):
        str(value)  # a StrictUndefined raises, naming what is undefined
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.filters.update(
        one_line=one_line, header=header_text, esc=_esc, marked=_marked, marked_html=_marked_html,
        why=lambda m: why(_match(m)), safe_link=lambda u: safe_link(str(u)) or "", json=_json,
        statement=lambda st: statement_line(StatementRef.model_validate(st)), first_outlet=_first_outlet,
    )  # fmt: skip
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


def compile_template(name: TemplateName, source: str, where: str) -> Template:
    """A template compiled in the sandbox; TemplateProblem names `where` and the line."""
    env = _HTML if name in ("html", "digest_html") else _TEXT
    try:
        return env.from_string(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise TemplateProblem(f"{where}{f' line {line}' if line else ''}: {exc}") from exc


def template_source(value: str, base: Path) -> tuple[str, str]:
    """A template given in the config: inline text (it holds a newline, `{{` or `{%`), else the
    path of a file relative to the config's directory. (source, where it came from)."""
    if "\n" in value or "{{" in value or "{%" in value:
        return value, "inline template"
    path = base / value
    try:
        return path.read_text("utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateProblem(
            f"cannot read template {path}: {getattr(exc, 'strerror', None) or exc}"
        ) from exc


def _defaults() -> dict[TemplateName, Template]:
    return {
        name: compile_template(name, (DEFAULTS_DIR / file).read_text("utf-8"), str(DEFAULTS_DIR / file))
        for name, file in DEFAULT_FILES.items()
    }


_DEFAULTS = _defaults()


@dataclass(frozen=True)
class Templates:
    """The templates one (sink, rule) renders with: the defaults, overridden by the sink's, then
    the rule's."""

    own: Mapping[TemplateName, Template] = field(default_factory=dict)
    where: Mapping[TemplateName, str] = field(default_factory=dict)

    def get(self, name: TemplateName) -> Template:
        return self.own.get(name) or _DEFAULTS[name]

    def over(self, other: Templates) -> Templates:
        """These templates, falling back on `other`'s."""
        return Templates({**other.own, **self.own}, {**other.where, **self.where})

    def subject(self, alert: Alert) -> str:
        raw = self._render("subject", trimmed_payloads(alert), {})
        return truncate(header_text(raw), SUBJECT_MAX)

    def text(self, alert: Alert) -> str:
        return self._render("text", trimmed_payloads(alert), {"subject": self.subject(alert)})

    def html(self, alert: Alert) -> str:
        return self._render("html", trimmed_payloads(alert), {"subject": self.subject(alert)})

    def body(self, alert: Alert) -> str:
        return self._render("body", trimmed_payloads(alert), {"subject": self.subject(alert)})

    def digest_subject(self, digest: Digest) -> str:
        raw = self._render("digest_subject", trimmed_digest_payloads(digest), {}, "digest")
        return truncate(header_text(raw), SUBJECT_MAX)

    def digest_text(self, digest: Digest) -> str:
        extra = {"subject": self.digest_subject(digest)}
        return self._render("digest_text", trimmed_digest_payloads(digest), extra, "digest")

    def digest_html(self, digest: Digest) -> str:
        extra = {"subject": self.digest_subject(digest)}
        return self._render("digest_html", trimmed_digest_payloads(digest), extra, "digest")

    def digest_body(self, digest: Digest) -> str:
        extra = {"subject": self.digest_subject(digest)}
        return self._render("digest_body", trimmed_digest_payloads(digest), extra, "digest")

    def subject_of(self, item: Alert | Digest) -> str:
        return self.digest_subject(item) if isinstance(item, Digest) else self.subject(item)

    def text_of(self, item: Alert | Digest) -> str:
        return self.digest_text(item) if isinstance(item, Digest) else self.text(item)

    def html_of(self, item: Alert | Digest) -> str:
        return self.digest_html(item) if isinstance(item, Digest) else self.html(item)

    def body_of(self, item: Alert | Digest) -> str:
        return self.digest_body(item) if isinstance(item, Digest) else self.body(item)

    def has_body(self, item: Alert | Digest) -> bool:
        """Whether this item's body template is the user's own (not the shipped default)."""
        return self.has("digest_body" if isinstance(item, Digest) else "body")

    def has(self, name: TemplateName) -> bool:
        return name in self.own

    def _render(
        self,
        name: TemplateName,
        payloads: Iterator[dict[str, Any]],
        extra: dict[str, Any],
        what: str = "alert",
    ) -> str:
        template, cap = self.get(name), CAPS[name]
        size = 0
        for payload in payloads:
            try:
                out = template.render({what: payload, "payload": payload, **extra})
            except Exception as exc:  # a user's template is user code: any failure is its own
                where = self.where.get(name, DEFAULT_FILES[name])
                raise TemplateProblem(f"template {name} ({where}): {type(exc).__name__}: {exc}") from exc
            size = len(out.encode("utf-8", "surrogatepass"))
            if size <= cap:
                return out
        raise TemplateProblem(f"template {name}: {size} bytes even with the alert trimmed, over {cap}")


def load_templates(
    given: Mapping[str, str | None], base: Path, check: Callable[[Templates], None] | None = None
) -> Templates:
    """The templates a config entry names (unset ones fall back); TemplateProblem on the first bad one."""
    own: dict[TemplateName, Template] = {}
    where: dict[TemplateName, str] = {}
    for name in NAMES:
        value = given.get(name)
        if value:
            source, origin = template_source(value, base)
            own[name], where[name] = compile_template(name, source, origin), origin
    return Templates(own, where)


DEFAULT_TEMPLATES = Templates()


@dataclass(frozen=True)
class SinkTemplates:
    """One sink's templates, and each rule's own over them."""

    sink: Templates = DEFAULT_TEMPLATES
    rules: Mapping[str, Templates] = field(default_factory=dict)

    def for_rule(self, rule_id: str) -> Templates:
        return self.rules.get(rule_id, self.sink)

    def for_item(self, item: Alert | Digest) -> Templates:
        """An alert's rule's templates; a digest's rule's when it holds one rule, else the sink's."""
        if isinstance(item, Alert):
            return self.for_rule(item.rule_id)
        return self.for_rule(item.rule[0]) if item.rule else self.sink


def check_templates(templates: Templates) -> None:
    """Render a sample alert through each of `templates`' own: TemplateProblem when one fails
    (`wirewatch check` finds it, not a delivery)."""
    sample = sample_alert("2026-01-01T08:00:00+00:00", ("sink",))
    digest = Digest(
        digest_id="sample", group="sink/rule", sink_id="sink", alerts=(sample, sample),
        also=("Example News", ""), window_start=sample.created_at, flushed_at=sample.created_at,
    )  # fmt: skip
    for name in NAMES:
        if templates.has(name):
            getattr(templates, name)(digest if name.startswith("digest_") else sample)
