"""pipeline.alerts without Redis: the one Article -> rules Document mapping, and alerts with ids
stable per (rule, story)."""

from __future__ import annotations

from pipeline.alerts import article_document, decide_alerts
from pipeline.config import RuleConfig
from pipeline.models import Alert, Article, StoryRef
from pipeline.rules import Matcher

ARTICLE = Article(
    url="https://www.reuters.com/world/europe/peskov-1",
    title="Kremlin says talks stalled",
    text="Kremlin spokesman Dmitry Peskov said on Tuesday that talks had stalled.",
    source="Wire World",
    published="2026-12-01T10:00:00+00:00",
    language="en",
)


STORY_1 = StoryRef(id="story-1", first_seen="2026-12-01T10:00:00+00:00")
STORY_2 = StoryRef(id="story-2", first_seen="2026-12-01T10:00:00+00:00")


def _matcher(*queries: tuple[str, str]) -> Matcher:
    return Matcher([RuleConfig(id=rule_id, title=rule_id.title(), query=q) for rule_id, q in queries])


def test_the_document_carries_every_field_a_rule_can_scope() -> None:
    doc = article_document(ARTICLE)
    assert doc.title == ARTICLE.title and doc.text == ARTICLE.text
    assert doc.source == "Wire World www.reuters.com"
    assert doc.url == ARTICLE.url and doc.lang == "en"


def test_source_url_and_lang_scopes_match_through_decide_alerts() -> None:
    matcher = _matcher(
        ("by-feed", "source:wire Peskov"),
        ("by-host", "source:reuters Peskov"),
        ("by-url", "url:europe Peskov"),
        ("by-lang", "lang:en Peskov"),
        ("other-host", "source:tass Peskov"),
    )
    alerts = decide_alerts(ARTICLE, STORY_1, matcher, {}, "2026-12-01T10:01:00+00:00")
    assert [a.rule_id for a in alerts] == ["by-feed", "by-host", "by-url", "by-lang"]


def test_alert_ids_are_stable_per_rule_and_story_and_carry_the_rules_sinks() -> None:
    matcher = _matcher(("kremlin", "Peskov NEAR/3 said"), ("talks", "talks"))
    sinks = {"kremlin": ("desk", "hooks"), "talks": ()}
    first = decide_alerts(ARTICLE, STORY_1, matcher, sinks, "t1")
    again = decide_alerts(ARTICLE, STORY_1, matcher, sinks, "t2")
    other = decide_alerts(ARTICLE, STORY_2, matcher, sinks, "t1")
    assert [a.alert_id for a in first] == [a.alert_id for a in again]
    assert {a.alert_id for a in first}.isdisjoint(a.alert_id for a in other)
    assert first[0].alert_id == Alert.make_id("kremlin", "story-1")
    assert first[0].sinks == ("desk", "hooks") and first[1].sinks == ()
    assert first[0].matches and first[0].matches[0].snippet
    assert first[0].article.url == ARTICLE.url
    assert first[0].story == STORY_1


def test_an_article_no_rule_matches_gives_no_alert() -> None:
    assert decide_alerts(ARTICLE, STORY_1, _matcher(("icc", '"International Criminal Court"')), {}, "t") == []


def test_kind_scopes_a_rule_to_one_kind_of_source() -> None:
    matcher = _matcher(("channels", "kind:telegram Peskov"), ("feeds", "kind:rss Peskov"))
    from_channel = ARTICLE.model_copy(update={"kind": "telegram"})
    assert article_document(from_channel).kind == "telegram"
    hit = decide_alerts(from_channel, STORY_1, matcher, {}, "2026-12-01T10:00:00+00:00")
    assert [a.rule_id for a in hit] == ["channels"]
    assert [a.rule_id for a in decide_alerts(ARTICLE, STORY_1, matcher, {}, "2026-12-01T10:00:00+00:00")] == [
        "feeds"
    ]
