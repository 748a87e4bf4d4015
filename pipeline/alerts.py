"""Deciding alerts: an Article and the compiled rules in, one Alert per matching rule out.

`article_document` is the one mapping from an Article to what the rules see (title, text,
source, url, lang, category, kind), used by the article job and by `wirewatch rules test` alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from .models import Alert, Article, ArticleRef, Match, RuleHit, StoryRef, TermHit
from .rules import Document, Matcher
from .stages import StageClock


def article_document(article: Article) -> Document:
    """What the rules match against. `source:` is the feed's name and the article's host, so
    `source:reuters` matches a feed named "Reuters World" and a page on www.reuters.com."""
    host = urlsplit(article.url).hostname or ""
    return Document(
        title=article.title,
        text=article.text,
        source=f"{article.source} {host}".strip(),
        url=article.url,
        lang=article.language or "",
        category=article.category or "",
        kind=article.kind,
    )


def decide_alerts(
    article: Article,
    story: StoryRef,
    matcher: Matcher,
    rule_sinks: Mapping[str, tuple[str, ...]],
    created_at: str,
    clock: StageClock | None = None,
) -> list[Alert]:
    """An Alert per rule that matches, with an id stable per (rule, story): the same story seen
    again, through this feed or another, under any URL (see pipeline.stories), gives the same
    ids, so it alerts once."""
    hits = matcher.match(article_document(article), clock)
    return alerts_for(article, story, hits, rule_sinks, created_at)


def alerts_for(
    article: Article,
    story: StoryRef,
    hits: Sequence[RuleHit],
    rule_sinks: Mapping[str, tuple[str, ...]],
    created_at: str,
) -> list[Alert]:
    """The Alert of each rule hit on an article (see `decide_alerts`)."""
    ref = ArticleRef(
        url=article.url,
        title=article.title,
        source=article.source,
        published=article.published,
        language=article.language,
    )
    return [
        Alert(
            alert_id=Alert.make_id(hit.rule_id, story.id),
            rule_id=hit.rule_id,
            rule_title=hit.rule_title,
            article=ref,
            matches=hit.matches,
            sinks=rule_sinks.get(hit.rule_id, ()),
            created_at=created_at,
            story=story,
        )
        for hit in hits
    ]


SAMPLE_RULE_ID = "wirewatch-test"


def sample_alert(created_at: str, sinks: tuple[str, ...] = (), alert_id: str = "sample") -> Alert:
    """A made-up alert, clearly marked as a test, with every field filled: what `wirewatch sinks
    test` sends and what `wirewatch check` renders each template with."""
    text = "Kremlin spokesman Dmitry Peskov said on Tuesday that the talks were constructive."
    start = text.index("Peskov")
    return Alert(
        alert_id=alert_id,
        rule_id=SAMPLE_RULE_ID,
        rule_title="wirewatch test message",
        article=ArticleRef(
            url="https://example.org/wirewatch-test",
            title="This is a test message from wirewatch, not a news alert",
            source="wirewatch",
            published=created_at,
            language="en",
        ),
        matches=(
            Match(
                field="text",
                terms=("Peskov",),
                offsets=((start, start + 6),),
                snippet=text,
                highlights=((start, start + 6),),
                hits=(TermHit(text="Peskov", start=start, end=start + 6, query="term:peskov"),),
            ),
        ),
        sinks=sinks,
        created_at=created_at,
        story=StoryRef(id="sample", first_seen=created_at),
    )
