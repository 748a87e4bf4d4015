"""One alert factory for the sink tests."""

from __future__ import annotations

import random

from pipeline.models import Alert, ArticleRef, Match, TermHit

DEFAULT_MATCH = Match(
    field="text",
    terms=("Peskov", "said"),
    offsets=((120, 126), (127, 131)),
    snippet="... Kremlin spokesman Dmitry Peskov said on Tuesday ...",
    highlights=((29, 35), (36, 40)),
    hits=(
        TermHit(text="Peskov", start=120, end=126, query="term:peskov"),
        TermHit(text="said", start=127, end=131, query="term:said"),
    ),
)


def make_alert(
    title: str = "Peskov said the talks were constructive",
    url: str = "https://news.example.org/world/peskov-said",
    rule_title: str = "Statements by the Kremlin spokesman",
    matches: tuple[Match, ...] = (DEFAULT_MATCH,),
    sinks: tuple[str, ...] = ("newsdesk",),
    **overrides: object,
) -> Alert:
    fields: dict[str, object] = {
        "alert_id": "a1b2c3d4e5f6a7b8c9d0",
        "rule_id": "kremlin-spokesman",
        "rule_title": rule_title,
        "article": ArticleRef(
            url=url, title=title, source="Example World", published="2024-05-01T12:00:00Z", language="en"
        ),
        "matches": matches,
        "sinks": sinks,
        "created_at": "2024-05-01T12:01:00Z",
    }
    return Alert.model_validate(fields | overrides)


def long_text(n_words: int, seed: int) -> str:
    """`n_words` words of made-up prose, the same for the same seed (and unlike any other's)."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "re", "tu", "sa", "ne", "vo", "di", "pe", "ru", "zo"]
    return " ".join("".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(n_words))
