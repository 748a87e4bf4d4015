"""Alerts and notices whose messages are kept in tests/fixtures/messages: every shipped default
template must render them byte for byte as the Python renderers did before templates existed
(the statement cases came later, with statements: their messages are the templates' own, read
and kept)."""

from __future__ import annotations

from pipeline.models import Alert, ArticleRef, Match, Notice, StatementRef, StoryRef, TermHit

from .factories import DEFAULT_MATCH, make_alert

EVIL = "Evil <script>alert(1)</script>\r\nBcc: x@y.z \u202etxt.exe =?UTF-8?Q?=0A?= & \"quoted\" 'single'"


def _many_hits(n: int, word: str = "Peskov") -> Match:
    hits = tuple(
        TermHit(text=f"{word}{i % 15}", start=i * 10, end=i * 10 + 6, query=f"term:{word.lower()}{i % 15}")
        for i in range(n)
    )
    return Match(
        field="text",
        terms=tuple(sorted({h.text for h in hits})),
        offsets=tuple((h.start, h.end) for h in hits),
        snippet="... " + " ".join(h.text for h in hits[:20]) + " ...",
        highlights=((4, 11),),
        hits=hits,
    )


def _statement_match(speaker: str, identity: str, verb: str, content: str) -> Match:
    text = f"“{content},” {speaker} {verb}."
    start = text.rindex(f" {speaker} ") + 1
    return Match(
        field="text",
        terms=(speaker, verb),
        offsets=((start, start + len(speaker)),),
        snippet=text,
        highlights=((start, start + len(speaker)),),
        hits=(TermHit(text=speaker, start=start, end=start + len(speaker), query="said_by:(@peskov)"),),
        statement=StatementRef(
            speaker=speaker,
            identity=identity,
            verb=verb,
            content=content,
            speaker_start=start,
            speaker_end=start + len(speaker),
            content_start=1,
            content_end=1 + len(content),
            sentence_start=0,
            sentence_end=len(text),
        ),
    )


def alert_cases() -> dict[str, Alert]:
    return {
        "plain": make_alert(),
        "hostile": make_alert(
            title=EVIL,
            url="javascript:alert(1)",
            rule_title="Rule\twith\x00controls <b>",
            matches=(
                Match(
                    field="title",
                    terms=("<i>x</i>", "Bcc:\nhdr"),
                    offsets=((0, 5),),
                    snippet="<img src=x onerror=alert(1)> Peskov\u2028said & more",
                    highlights=((29, 35), (-3, 2), (30, 999)),
                    hits=(TermHit(text="<Peskov>", start=0, end=6, query="term:<peskov>\n"),),
                ),
                DEFAULT_MATCH,
            ),
        ),
        "bare": make_alert(rule_title="", matches=(Match(field="text", terms=("icc",)),)).model_copy(
            update={"article": ArticleRef(url="https://example.org/a b", title="", source="")}
        ),
        "many_hits": make_alert(
            matches=(_many_hits(40),), story=StoryRef(id="5f1e", first_seen="2024-05-01T11:00:00+00:00")
        ),
        "statement": make_alert(
            matches=(
                _statement_match(
                    "he",
                    "he | Dmitry Peskov | the Kremlin spokesman",
                    "said",
                    "There are no contacts planned",
                ),
            )
        ),
        "hostile_statement": make_alert(
            matches=(_statement_match(EVIL, f"{EVIL} | x\ny", "said\r\n", EVIL),)
        ),
        "huge": make_alert(
            title="T" * 5000,
            url="https://example.org/" + "p" * 5000,
            matches=(_many_hits(3000, "Kremlin"), _many_hits(3000, "Peskov")),
        ),
    }


def notice_cases() -> dict[str, Notice]:
    return {
        "unhealthy": Notice(
            type="feed.unhealthy",
            feed_url="https://example.org/feed.xml",
            feed_name="Example <b>",
            error="HTTP 503 Service Unavailable\nRetry later",
            failures=5,
            since="2024-05-01T10:00:00+00:00",
        ),
        "recovered": Notice(
            type="feed.recovered",
            feed_url="https://example.org/feed.xml",
            feed_name="Example",
            failures=7,
            since="2024-05-01T10:00:00+00:00",
        ),
        "retired": Notice(
            type="feed.retired",
            feed_url="https://example.org/old.xml",
            feed_name="Old",
            error="HTTP 410 Gone",
            since="2024-05-01T10:00:00+00:00",
        ),
        "moved": Notice(
            type="feed.moved",
            feed_url="https://example.org/a.xml",
            feed_name="Moved =?UTF-8?Q?=0A?=",
            moved_to="https://example.org/b.xml",
            since="2024-05-01T10:00:00+00:00",
        ),
    }
