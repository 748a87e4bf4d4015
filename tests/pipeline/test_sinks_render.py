"""Shared alert text: subject, plain text, HTML and highlighting, fed hostile input."""

from __future__ import annotations

import html

import pytest

from pipeline.models import Match, TermHit
from pipeline.sinks.render import highlight, safe_link, why
from pipeline.sinks.templates import DEFAULT_TEMPLATES

from .factories import make_alert

# The shipped templates are the one way an alert becomes a message.
subject, render_text, render_html = DEFAULT_TEMPLATES.subject, DEFAULT_TEMPLATES.text, DEFAULT_TEMPLATES.html


def test_subject_format() -> None:
    assert subject(make_alert()) == (
        "[wirewatch] Statements by the Kremlin spokesman: Peskov said the talks were constructive"
    )


@pytest.mark.parametrize(
    "bad",
    ["\r\n", "\n", "\r", "\t", "\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u2029"],
)
def test_subject_replaces_every_control_character(bad: str) -> None:
    s = subject(make_alert(title=f"one{bad}Bcc: evil@x{bad}{bad}two", rule_title=f"r{bad}t"))
    assert s == "[wirewatch] r t: one Bcc: evil@x two"
    assert s.isprintable()


def test_subject_scrubs_bidi_overrides_and_surrogates() -> None:
    s = subject(make_alert(title="abc\u202egpj.exe \ud800 end"))
    assert "\u202e" not in s and "\ud800" not in s
    s.encode("utf-8")  # no lone surrogate left


def test_subject_is_capped() -> None:
    s = subject(make_alert(title="word " * 200))
    assert len(s) <= 200 and s.endswith("…")
    assert subject(make_alert(title="")).endswith(": (untitled)")


def test_highlight_markers_and_escape() -> None:
    assert highlight("a Peskov b", [(2, 8)], "**", "**") == "a **Peskov** b"
    assert (
        highlight("<x> & y", [(0, 3)], "<mark>", "</mark>", html.escape) == "<mark>&lt;x&gt;</mark> &amp; y"
    )


def test_highlight_distrusts_spans() -> None:
    text = "abcdefghij"
    # unsorted, overlapping, empty, reversed, negative and out-of-range spans
    spans = [(6, 20), (0, 2), (1, 3), (4, 4), (5, 3), (-5, 1)]
    assert highlight(text, spans, "[", "]") == "[abc]def[ghij]"
    assert highlight(text, [], "[", "]") == text


def test_text_body() -> None:
    text = render_text(make_alert())
    assert "Rule: Statements by the Kremlin spokesman (kremlin-spokesman)" in text
    assert "Title: Peskov said the talks were constructive" in text
    assert "URL: https://news.example.org/world/peskov-said" in text
    assert "Source: Example World" in text
    assert "Published: 2024-05-01T12:00:00Z" in text
    assert "Match 1 in text: Peskov, said" in text
    assert "... Kremlin spokesman Dmitry **Peskov** **said** on Tuesday ..." in text
    assert "Why: Peskov (term:peskov) at 120-126; said (term:said) at 127-131" in text


def test_why_groups_repeats_and_is_capped() -> None:
    hits = tuple(TermHit(text="said", start=10 * i, end=10 * i + 4, query="term:said") for i in range(3))
    hits += tuple(TermHit(text=f"w{i}", start=i, end=i + 1, query=f"term:w{i}") for i in range(20))
    reasons = why(Match(field="text", terms=("said",), hits=hits))
    assert reasons[0] == "said (term:said) at 0-4, ×3"
    assert len(reasons) == 13 and reasons[-1] == "… 9 more"


def test_html_why_is_escaped() -> None:
    evil = "<script>x</script>"
    m = Match(field="text", terms=(evil,), hits=(TermHit(text=evil, start=0, end=18, query="term:x"),))
    body = render_html(make_alert(matches=(m,)))
    assert "<script>" not in body and "Why: &lt;script&gt;x&lt;/script&gt; (term:x) at 0-18" in body


def test_text_body_has_no_control_characters() -> None:
    m = Match(field="text", terms=("x",), snippet="a\x1b[31mred\r\nb\u2028c", highlights=((0, 1),))
    text = render_text(make_alert(title="t\x1b]0;pwned\x07", matches=(m,)))
    assert all(ch == "\n" or ch.isprintable() for ch in text)


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</title><script>x</script>",
    "&lt;script&gt;",
]


@pytest.mark.parametrize("evil", HOSTILE)
def test_html_escapes_every_untrusted_string(evil: str) -> None:
    m = Match(field=evil, terms=(evil,), snippet=f"pre {evil} post", highlights=((4, 4 + len(evil)),))
    alert = make_alert(title=evil, rule_title=evil, matches=(m,))
    alert = alert.model_copy(
        update={"article": alert.article.model_copy(update={"source": evil, "published": evil})}
    )
    body = render_html(alert)
    for tag in ("<script", "<img", "<svg"):
        assert tag not in body.lower()
    assert html.escape(evil) in body
    assert "<mark" in body and html.escape(evil) + "</mark>" in body


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        'https://ok.example/"onmouseover=alert(1)',
        "https://ok.example/a b",
        "//evil.example/x",
    ],
)
def test_html_links_only_plain_http_urls(url: str) -> None:
    body = render_html(make_alert(url=url))
    if safe_link(url) is None:
        assert "href=" not in body
    else:
        assert 'href="https://ok.example/&quot;onmouseover=alert(1)"' in body
    assert "<script" not in body.lower()


def test_html_is_small_and_clean() -> None:
    body = render_html(make_alert())
    assert 'href="https://news.example.org/world/peskov-said"' in body
    assert "Dmitry <mark" in body and ">Peskov</mark> <mark" in body
    assert "<style" not in body and "<script" not in body and "<link" not in body
    assert "<title>[wirewatch] Statements by the Kremlin spokesman: Peskov said" in body
