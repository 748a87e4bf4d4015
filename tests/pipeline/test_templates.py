"""Message templates: the shipped defaults reproduce the messages kept in tests/fixtures/messages
byte for byte; user templates run sandboxed, capped, escaped, and fail at `check` time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.config import load_config, sink_templates
from pipeline.errors import ConfigError
from pipeline.sinks.payload import encode_body
from pipeline.sinks.templates import DEFAULT_TEMPLATES, TemplateProblem, load_templates

from .factories import make_alert
from .message_cases import EVIL, alert_cases

MESSAGES = Path(__file__).resolve().parents[1] / "fixtures" / "messages"
CASES = sorted(alert_cases())


@pytest.mark.parametrize("case", CASES)
def test_the_default_templates_give_the_messages_wirewatch_always_sent(case: str) -> None:
    alert = alert_cases()[case]
    assert DEFAULT_TEMPLATES.subject(alert) == (MESSAGES / f"{case}.subject").read_text("utf-8")
    assert DEFAULT_TEMPLATES.text(alert) == (MESSAGES / f"{case}.txt").read_text("utf-8")
    assert DEFAULT_TEMPLATES.html(alert) == (MESSAGES / f"{case}.html").read_text("utf-8")
    assert DEFAULT_TEMPLATES.body(alert).encode() == (MESSAGES / f"{case}.json").read_bytes()
    assert encode_body(alert) == (MESSAGES / f"{case}.json").read_bytes()


def _own(tmp_path: Path, **given: str) -> object:
    return load_templates(given, tmp_path)


@pytest.mark.parametrize(
    "source",
    [
        "{{ alert.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ alert.matches.append(1) }}",
        "{% set _ = alert.rule.update({'id': 'x'}) %}{{ alert.rule.id }}",
    ],
)
def test_templates_are_sandboxed_and_immutable(tmp_path: Path, source: str) -> None:
    templates = load_templates({"text": source}, tmp_path)
    with pytest.raises(TemplateProblem, match="template text"):
        templates.text(make_alert())


def test_html_templates_autoescape_feed_text(tmp_path: Path) -> None:
    templates = load_templates({"html": "<h1>{{ alert.article.title }}</h1>{{ subject }}"}, tmp_path)
    out = templates.html(make_alert(title=EVIL))
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_a_subject_template_cannot_add_a_header(tmp_path: Path) -> None:
    templates = load_templates(
        {"subject": "News: {{ alert.article.title }}\nBcc: victim@example.org"}, tmp_path
    )
    subject = templates.subject(make_alert(title=EVIL))
    assert "\n" not in subject and "\r" not in subject and len(subject) <= 200


def test_a_body_over_its_cap_is_rendered_from_a_trimmed_alert_or_refused(tmp_path: Path) -> None:
    huge = alert_cases()["huge"]
    hits = load_templates({"body": "{{ alert.matches | map(attribute='hits') | list | json }}"}, tmp_path)
    assert len(hits.body(huge).encode()) <= 64 * 1024  # fewer hits, but it went
    never = load_templates({"body": "{{ 'x' * 70000 }}"}, tmp_path)
    with pytest.raises(TemplateProblem, match="over 65536"):
        never.body(make_alert())


def _config(
    tmp_path: Path, sink_templates_: dict[str, str], rule_templates: dict[str, str] | None = None
) -> Path:
    rule: dict[str, object] = {"id": "icc", "query": "ICC"}
    if rule_templates:
        rule["templates"] = rule_templates
    cfg = {
        "rules": [rule],
        "sinks": [{"id": "hooks", "type": "webhook", "url": "https://hooks.example.org/x",
                   "secret": "whsec_" + "A" * 32, "templates": sink_templates_}],
    }  # fmt: skip
    path = tmp_path / "wirewatch.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), "utf-8")
    return path


def test_template_errors_are_config_errors_found_by_check(tmp_path: Path) -> None:
    (tmp_path / "body.j2").write_text('{"text": {{ alert.article.titel | json }}}', "utf-8")
    path = _config(tmp_path, {"subject": "{{ alert.rule.id ", "body": "body.j2", "text": "missing.j2"})
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    found = {i.key: i.message for i in err.value.issues}
    assert set(found) == {"sinks[0].templates.subject", "sinks[0].templates.body", "sinks[0].templates.text"}
    assert "line 1" in found["sinks[0].templates.subject"]
    assert "titel" in found["sinks[0].templates.body"] and "body.j2" in found["sinks[0].templates.body"]
    assert "cannot read template" in found["sinks[0].templates.text"]


def test_a_rule_template_overrides_its_sinks(tmp_path: Path) -> None:
    (tmp_path / "slack.json.j2").write_text(
        '{"text": {{ (alert.rule.id ~ ": " ~ alert.article.title) | json }}}'
    )
    path = _config(tmp_path, {"body": "slack.json.j2"}, {"subject": "ICC! {{ alert.article.title }}"})
    cfg = load_config(path, env={})
    templates = sink_templates(cfg, "hooks").for_rule("icc")
    alert = make_alert(rule_id="icc", title="Court rules")
    assert templates.body(alert) == '{"text": "icc: Court rules"}'
    assert templates.subject(alert) == "ICC! Court rules"
    assert (
        sink_templates(cfg, "hooks").for_rule("other").subject(alert)
        == "[wirewatch] Statements by the Kremlin spokesman: Court rules"
    )


def test_the_default_digest_lists_each_alert_escaped_with_its_other_outlets() -> None:
    from pipeline.models import Digest

    evil, plain = make_alert(alert_id="e1", title=EVIL), make_alert(alert_id="p1", title="Court rules")
    digest = Digest(
        digest_id="d1", group="hooks/kremlin-spokesman", sink_id="hooks", alerts=(evil, plain),
        also=("", "Other Outlet (https://other.example/x)"), window_start="2024-05-01T12:01:00Z",
        flushed_at="2024-05-01T12:05:00+00:00",
    )  # fmt: skip
    assert (
        DEFAULT_TEMPLATES.digest_subject(digest)
        == "[wirewatch] 2 alerts: Statements by the Kremlin spokesman"
    )
    text = DEFAULT_TEMPLATES.digest_text(digest)
    assert "1. Evil <script>" in text and "2. Court rules" in text and "\n   Example World · " in text
    assert "Also reported by Other Outlet (https://other.example/x)" in text
    assert "**Peskov**" in text and text.endswith("-- wirewatch digest d1\n")
    page = DEFAULT_TEMPLATES.digest_html(digest)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<mark" in page
    body = json.loads(DEFAULT_TEMPLATES.digest_body(digest))
    assert body["type"] == "digest" and [a["alert_id"] for a in body["alerts"]] == ["e1", "p1"]
    assert body["alerts"][1]["also_reported_by"].startswith("Other Outlet")


def test_the_default_digest_shows_each_alerts_statement_escaped() -> None:
    from pipeline.models import Digest

    cases = alert_cases()
    alerts = (
        cases["statement"].model_copy(update={"alert_id": "s1"}),
        cases["plain"].model_copy(update={"alert_id": "p1"}),
        cases["hostile_statement"].model_copy(update={"alert_id": "h1"}),
    )
    digest = Digest(digest_id="d1", group="g", sink_id="s", alerts=alerts, also=("", "", ""),
                    window_start="2024-05-01T12:01:00Z", flushed_at="2024-05-01T12:05:00+00:00")  # fmt: skip
    text = DEFAULT_TEMPLATES.digest_text(digest)
    line = "Statement: he (Dmitry Peskov, the Kremlin spokesman) said: “There are no contacts planned”"
    assert f"\n   {line}\n" in text
    assert text.count("Statement: ") == 2  # the plain alert has none
    assert "\r" not in text and "\u202e" not in text
    page = DEFAULT_TEMPLATES.digest_html(digest)
    assert line in page and page.count("Statement: ") == 2
    assert "<script>" not in page and "Statement: Evil &lt;script&gt;" in page


def test_a_digest_of_fifty_huge_alerts_stays_under_64_kb() -> None:
    from pipeline.models import Digest, Notice, SpikeStory, StoryCopy, StoryRef
    from pipeline.stories import with_timeline

    huge = alert_cases()["huge"]
    long = "https://news.example.org/" + "x" * 3000
    copies = [StoryCopy(source="O" * 500 + str(n), url=long, title="T" * 3000, seen="2024-05-01T12:00:00Z")
              for n in range(20)]  # fmt: skip
    story = with_timeline(StoryRef(id="s", first_seen="2024-05-01T12:00:00Z"), copies)
    alerts = tuple(huge.model_copy(update={"alert_id": f"h{n}", "story": story}) for n in range(50))
    top = tuple(
        SpikeStory(story_id=f"s{n}", title="T" * 3000, url=long, outlets=("O" * 500,) * 50) for n in range(5)
    )
    spikes = tuple(Notice(type="rule.spike", since="2024-05-01T11:00:00Z", rule_id="r", count=9, stories=top)
                   for _ in range(10))  # fmt: skip
    digest = Digest(digest_id="d", group="g", sink_id="s", alerts=alerts, also=("x" * 3000,) * 50,
                    window_start="2024-05-01T12:01:00Z", flushed_at="2024-05-01T12:05:00+00:00",
                    spikes=spikes)  # fmt: skip
    body = DEFAULT_TEMPLATES.digest_body(digest).encode()
    assert len(body) <= 64 * 1024
    data = json.loads(body)
    assert data["trimmed"] is True and len(data["alerts"]) == 50  # every alert still listed
    assert all(a["story"]["followed"] == 19 and a["story"]["first_outlet"]["source"] for a in data["alerts"])
    assert data["spikes"] and all(sp["count"] == 9 for sp in data["spikes"])


def test_an_alert_names_its_storys_first_outlet_and_how_many_followed_in_every_form() -> None:
    from pipeline.models import StoryCopy, StoryRef
    from pipeline.stories import with_timeline

    def copy(source: str, seen: str, published: str | None) -> StoryCopy:
        return StoryCopy(source=source, url=f"https://{source.lower()}.example/x", title="Court rules",
                         seen=seen, published=published)  # fmt: skip

    copies = [
        copy("Wire", "2024-05-01T12:00:00+00:00", "2024-05-01T11:00:00+00:00"),
        copy("Post", "2024-05-01T12:05:00+00:00", "2024-05-01T10:30:00+00:00"),  # published first
        copy("Wire", "2024-05-01T12:06:00+00:00", None),  # the same outlet again: not one more
        copy("Late", "2024-05-01T12:07:00+00:00", "2024-05-02T09:00:00+00:00"),  # never after it was read
        copy(EVIL, "2024-05-01T12:08:00+00:00", "not a time"),  # as read
    ]
    story = with_timeline(StoryRef(id="s1", first_seen="2024-05-01T12:00:00+00:00"), copies)
    assert [c.source for c in story.copies] == ["Post", "Wire", "Wire", "Late", EVIL]
    assert story.followed == 3 and story.copies_total == 5
    alert = make_alert().model_copy(update={"story": story})
    line = "First reported by: Post (published 2024-05-01T10:30:00+00:00); 3 other outlets followed"
    assert line in DEFAULT_TEMPLATES.text(alert)
    assert "First reported by Post (published 2024-05-01T10:30:00+00:00); 3 other outlets followed" in (
        DEFAULT_TEMPLATES.html(alert)
    )
    body = json.loads(encode_body(alert))["story"]
    assert body["first_outlet"]["source"] == "Post" and body["followed"] == 3
    assert [c["first"] for c in body["copies"]] == [True, False, False, False, False]
    assert "<script>" not in DEFAULT_TEMPLATES.html(alert)


def test_a_digest_lists_the_spikes_of_its_rules_escaped() -> None:
    from pipeline.models import Digest, Notice

    spike = Notice(type="rule.spike", since="2024-05-01T11:00:00+00:00", rule_id="kremlin-spokesman",
                   rule_title=EVIL, count=20, baseline=0.5, basis="mean", window=3600.0)  # fmt: skip
    digest = Digest(
        digest_id="d1", group="hooks/kremlin-spokesman", sink_id="hooks", alerts=(make_alert(),),
        window_start="2024-05-01T12:01:00Z", flushed_at="2024-05-01T12:05:00+00:00", spikes=(spike,),
    )  # fmt: skip
    text = DEFAULT_TEMPLATES.digest_text(digest)
    assert "stories in 1 h from 2024-05-01T11:00:00+00:00, against 0.5 usually" in text
    assert "Spike: Evil <script>" in text
    page = DEFAULT_TEMPLATES.digest_html(digest)
    assert "<script>" not in page and "Spike: <strong>Evil &lt;script&gt;" in page
    assert json.loads(DEFAULT_TEMPLATES.digest_body(digest))["spikes"][0]["count"] == 20
