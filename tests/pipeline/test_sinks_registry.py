"""The sink registry: one entry per kind, and every use of a sink's kind goes through it."""

from __future__ import annotations

from typing import get_args

from pipeline.config import Config
from pipeline.fetch import Fetcher
from pipeline.sinks import make_sink
from pipeline.sinks.apprise import AppriseSink
from pipeline.sinks.email import EmailSink
from pipeline.sinks.registry import KINDS, AnySinkConfig, kind_of
from pipeline.sinks.webhook import WebhookSink

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENTRIES = [
    {"id": "desk", "type": "email", "host": "smtp.example.org", "from": "ww@example.org", "to": ["a@b.c"]},
    {"id": "hook", "type": "webhook", "url": "https://hooks.example.org/in?token=x", "secret": SECRET},
    {"id": "chat", "type": "apprise", "urls": ["json://hooks.example.org/in", "ntfy://news"]},
]


def test_sinks_take_each_kinds_model_under_its_type() -> None:
    assert list(get_args(AnySinkConfig)) == [kind.config for kind in KINDS.values()]
    for name, kind in KINDS.items():
        assert get_args(kind.config.model_fields["type"].annotation) == (name,)


def test_a_config_entry_is_made_and_described_by_its_kind() -> None:
    config = Config.model_validate({"sinks": ENTRIES, "metrics_listen": ""})
    fetcher = Fetcher("test", 5.0, False)
    try:
        made = [make_sink(sink, fetcher) for sink in config.sinks]
        where = [kind_of(sink).where(sink) for sink in config.sinks]
    finally:
        fetcher.close()
    assert [type(sink) for sink in made] == [EmailSink, WebhookSink, AppriseSink]
    assert where == [
        "smtp://smtp.example.org:587 to 1 recipient",
        "https://hooks.example.org/in?…",
        "2 Apprise URLs (json, ntfy)",
    ]
