"""Delivery on real parts: receivers that answer 429, 503, 302, 410, 500; SMTP servers that answer
451, 550 or refuse one recipient; Apprise targets; dead letters and the commands that show and
replay them; a sink's rate limit. The clock is moved for every wait."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from redis import Redis
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from pipeline.models import Alert
from workers.cli import cli
from workers.context import WorkerContext
from workers.delivery import enqueue_delivery
from workers.demo.site import Recorder, WebhookReceiver
from workers.history import deliveries as delivery_history
from workers.store import deliveries as deliveries_store

from ..pipeline.factories import make_alert
from .helpers import Inbox, drain, email_sink, free_port, run_pass, runtime, webhook_sink, write_config


def _alert(n: int, *sinks: str) -> Alert:
    return make_alert(alert_id=f"alert{n:05d}", sinks=sinks, title=f"Story number {n}")


def _config(tmp: Path, sinks: list[dict[str, Any]], **defaults: Any) -> Path:
    return write_config(tmp, [], sinks, rules=[{"id": "any", "query": "the"}], **defaults)


def _run(redis_url: str, cfg: Path, *args: str) -> Any:
    return CliRunner().invoke(
        cli, ["-c", str(cfg), *args], env={"REDIS_URL": redis_url}, catch_exceptions=False
    )


def _work(rt: WorkerContext, seconds: float = 0) -> None:
    """Move the clock on by `seconds`, let the RQ scheduler queue what is due, and work it off."""
    _work_at(rt, time.time() + seconds)


def _work_at(rt: WorkerContext, when: float) -> None:
    """As `_work`, the clock moved to `when` (Unix seconds): waits measured from a known moment
    do not depend on how long the test itself took to get there."""
    with time_machine.travel(when, tick=True):
        drain(rt, with_scheduler=True)
        drain(rt)


# --- webhooks ------------------------------------------------------------------------------------


def test_429_and_503_wait_their_retry_after_capped_at_the_longest_wait(
    tmp_path: Path, redis: Redis, receiver: WebhookReceiver, whsec: str
) -> None:
    receiver.script = [(429, {"Retry-After": "120"}), (503, {"Retry-After": "999999"})]
    sink = {**webhook_sink(receiver.url, whsec), "retry_schedule": ["5s", "10m"]}
    rt = runtime(_config(tmp_path, [sink]), redis)
    scheduled = ScheduledJobRegistry(queue=rt.queues.alerts)
    enqueue_delivery(rt.services, _alert(1, "hooks"), "hooks")
    start = time.time()
    drain(rt)  # 429, Retry-After 120: later than the schedule's 5 s
    [job_id] = scheduled.get_job_ids()
    assert start + 119 <= scheduled.get_scheduled_time(job_id).timestamp() <= start + 200
    with time_machine.travel(timedelta(seconds=130), tick=True):
        later = time.time()
        drain(rt, with_scheduler=True)  # 503, Retry-After 11 days: capped at 10 m (+-20%)
        drain(rt)
        [job_id] = scheduled.get_job_ids()
        assert later + 479 <= scheduled.get_scheduled_time(job_id).timestamp() <= later + 721
    _work(rt, 130 + 800)
    assert len(receiver.attempt_ids) == 3 and len(set(receiver.attempt_ids)) == 1
    assert len(receiver.payloads) == 1


def test_500_then_204_is_one_delivery_on_the_standard_webhooks_schedule(
    tmp_path: Path, redis: Redis, receiver: WebhookReceiver, whsec: str
) -> None:
    receiver.script = [(500, {}), (500, {})]
    cfg = _config(tmp_path, [webhook_sink(receiver.url, whsec)], retry_schedule=None)  # the default
    rt = runtime(cfg, redis)
    assert rt.config.retry_schedule_for("hooks") == [5, 300, 1800, 7200, 18000, 36000, 36000]
    enqueue_delivery(rt.services, _alert(1, "hooks"), "hooks")
    drain(rt)
    [first] = receiver.times
    _work_at(rt, first + 2.5)  # before 5 s (-20%): not yet
    assert len(receiver.attempt_ids) == 1
    _work_at(rt, first + 7)
    assert len(receiver.attempt_ids) == 2
    second = receiver.times[1]
    _work_at(rt, second + 200)  # before 5 m (-20%)
    assert len(receiver.attempt_ids) == 2
    _work_at(rt, second + 400)
    assert len(receiver.attempt_ids) == 3 and len(receiver.payloads) == 1
    [row] = delivery_history.recent(rt.services.history)
    assert (row.status, row.tries, row.sink, row.rule) == ("delivered", 3, "hooks", "kremlin-spokesman")


def test_a_302_is_a_failure_not_followed_and_a_dead_letter_that_can_be_sent_again(
    tmp_path: Path, redis: Redis, redis_url: str, receiver: WebhookReceiver, whsec: str
) -> None:
    receiver.script = [(302, {"Location": "http://127.0.0.1:9/elsewhere"})]
    cfg = _config(tmp_path, [webhook_sink(receiver.url, whsec)])
    rt = runtime(cfg, redis)
    alert = _alert(1, "hooks")
    enqueue_delivery(rt.services, alert, "hooks")
    drain(rt)
    assert len(receiver.attempt_ids) == 1  # not retried, and nothing followed the Location
    listed = _run(redis_url, cfg, "deliveries", "--failed", "--json")
    assert listed.exit_code == 1
    [dead] = json.loads(listed.output)
    assert dead["delivery_id"] == alert.delivery_id("hooks") and dead["status"] == "failed"
    assert "HTTP 302" in dead["error"] and "redirects are not followed" in dead["error"]
    assert (dead["rule"], dead["title"], dead["tries"]) == ("kremlin-spokesman", "Story number 1", 1)
    text = _run(redis_url, cfg, "deliveries", "--failed").output
    assert alert.delivery_id("hooks") in text and "last error: " in text

    retried = _run(redis_url, cfg, "deliveries", "retry", alert.delivery_id("hooks"))
    assert retried.exit_code == 0, retried.output
    drain(rt)
    assert receiver.attempt_ids == [alert.delivery_id("hooks")] * 2  # the same id: receivers drop repeats
    assert len(receiver.payloads) == 1
    assert _run(redis_url, cfg, "deliveries", "--failed").output.strip() == "no dead letters"
    assert len(FailedJobRegistry(queue=rt.queues.alerts)) == 0
    again = _run(redis_url, cfg, "deliveries", "retry", alert.delivery_id("hooks"))
    assert again.exit_code == 1 and "not a dead letter" in again.output


def test_purge_drops_only_dead_letters_older_than_asked(
    tmp_path: Path, redis: Redis, redis_url: str, whsec: str
) -> None:
    gone = WebhookReceiver(whsec, fail_first=100, fail_status=400).start()
    try:
        cfg = _config(tmp_path, [webhook_sink(gone.url, whsec)])
        rt = runtime(cfg, redis)
        enqueue_delivery(rt.services, _alert(1, "hooks"), "hooks")
        drain(rt)
        with time_machine.travel(timedelta(days=40), tick=True):
            enqueue_delivery(rt.services, _alert(2, "hooks"), "hooks")
            drain(rt)
            out = _run(redis_url, cfg, "deliveries", "purge", "--older-than", "30d")
            assert out.output.strip() == "1 dead letter purged"
            [left] = deliveries_store.recent(redis, failed=True, limit=10)
            assert left.item == "alert00002"
            listed = delivery_history.recent(rt.services.history, failed=True)
            assert [d.item for d in listed] == ["alert00002"]  # gone from the history store too
            assert len(FailedJobRegistry(queue=rt.queues.alerts)) == 1
    finally:
        gone.stop()


def test_a_410_disables_the_sink_tells_the_other_sinks_and_is_undone_by_sinks_enable(
    tmp_path: Path, redis: Redis, redis_url: str, whsec: str
) -> None:
    dead = WebhookReceiver(whsec, fail_first=1, fail_status=410).start()
    ops = WebhookReceiver(whsec).start()
    try:
        sinks = [webhook_sink(dead.url, whsec, "gone"), webhook_sink(ops.url, whsec, "ops")]
        cfg = _config(tmp_path, sinks)
        rt = runtime(cfg, redis)
        enqueue_delivery(rt.services, _alert(1, "gone"), "gone")
        drain(rt)
        enqueue_delivery(rt.services, _alert(2, "gone"), "gone")
        drain(rt)
        assert len(dead.attempt_ids) == 1  # nothing more is sent to it
        [notice] = ops.payloads
        assert notice["type"] == "sink.disabled" and notice["sink"] == {"id": "gone"}
        assert "HTTP 410" in notice["error"]
        failed = {r.item: r for r in deliveries_store.recent(redis, failed=True, limit=10)}
        assert set(failed) == {"alert00001", "alert00002"}
        assert "disabled" in failed["alert00002"].error and failed["alert00002"].tries == 0
        listed = _run(redis_url, cfg, "sinks")
        assert listed.exit_code == 1 and "sink gone (webhook" in listed.output and "disabled" in listed.output
        refused = _run(redis_url, cfg, "deliveries", "retry", "--all")
        assert refused.exit_code == 1 and "sinks enable gone" in refused.output

        assert _run(redis_url, cfg, "sinks", "enable", "gone").output.strip() == "sink gone: enabled again"
        assert _run(redis_url, cfg, "deliveries", "retry", "--all", "--sink", "gone").exit_code == 0
        drain(rt)
        assert sorted(p["alert_id"] for p in dead.payloads) == ["alert00001", "alert00002"]
        assert len(ops.payloads) == 1  # the notice went once
    finally:
        dead.stop()
        ops.stop()


def test_sinks_test_sends_a_marked_message_and_says_what_happened(
    tmp_path: Path, redis: Redis, redis_url: str, receiver: WebhookReceiver, whsec: str
) -> None:
    receiver.script = [(204, {}), (500, {})]
    cfg = _config(tmp_path, [webhook_sink(receiver.url, whsec)])
    ok = _run(redis_url, cfg, "sinks", "test", "hooks")
    assert ok.exit_code == 0 and "test message delivered: HTTP 204" in ok.output
    [payload] = receiver.payloads
    assert payload["rule"]["id"] == "wirewatch-test" and "test message" in payload["article"]["title"]
    failed = _run(redis_url, cfg, "sinks", "test", "hooks")
    assert failed.exit_code == 1 and "HTTP 500" in failed.output and "would be retried" in failed.output
    unknown = _run(redis_url, cfg, "sinks", "test", "nope")
    assert unknown.exit_code == 2 and "no sink 'nope'" in unknown.output


# --- rate limits ---------------------------------------------------------------------------------


def test_a_burst_of_1000_through_a_limited_sink_waits_its_turn_and_loses_none(
    tmp_path: Path, redis: Redis, receiver: WebhookReceiver, whsec: str
) -> None:
    limited = {**webhook_sink(receiver.url, whsec), "max_per_minute": 120}
    rt = runtime(_config(tmp_path, [limited]), redis)
    alerts = [_alert(n, "hooks") for n in range(1000)]
    start = time.time()
    for alert in alerts:
        enqueue_delivery(rt.services, alert, "hooks")
    for minutes in range(0, 11, 2):
        _work(rt, minutes * 60)
    assert sorted(p["alert_id"] for p in receiver.payloads) == sorted(a.alert_id for a in alerts)
    assert len(receiver.attempt_ids) == 1000  # waiting spent no try: each went once
    # The clock jumps, so sends bunch up after each jump; but none went before its turn: the
    # k-th was sent k half-seconds after the burst at the earliest (120 a minute).
    for k, sent in enumerate(sorted(receiver.times)):
        assert sent >= start + k * 0.5 - 1, k
    listed = delivery_history.recent(rt.services.history, limit=2000)
    assert len(listed) == 1000 and all(r.status == "delivered" and r.tries == 1 for r in listed)


# --- email ---------------------------------------------------------------------------------------


class ScriptedInbox(Inbox):
    """An SMTP server that answers DATA from `data_codes` in turn and refuses each recipient in
    `refuse` (address -> RCPT replies in turn), then accepts."""

    def __init__(
        self, data_codes: list[str] | None = None, refuse: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__()
        self.data_codes = list(data_codes or [])
        self.refuse = {k: list(v) for k, v in (refuse or {}).items()}
        self.rcpts: list[list[str]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        replies = self.refuse.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_codes:
            return self.data_codes.pop(0)
        self.rcpts.append(list(envelope.rcpt_tos))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp() -> Iterator[tuple[ScriptedInbox, int]]:
    inbox, port = ScriptedInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_smtp_451_is_retried_and_550_is_permanent(
    tmp_path: Path, redis: Redis, smtp: tuple[ScriptedInbox, int]
) -> None:
    inbox, port = smtp
    inbox.data_codes = ["451 4.3.0 try later", "550 5.7.1 rejected as spam"]
    cfg = _config(tmp_path, [{**email_sink(port), "retry_schedule": ["1m", "1m"]}])
    rt = runtime(cfg, redis)
    enqueue_delivery(rt.services, _alert(1, "desk"), "desk")
    drain(rt)  # 451
    assert len(ScheduledJobRegistry(queue=rt.queues.alerts)) == 1
    _work(rt, 90)  # 550: given up at once, though a retry is left
    assert not inbox.messages
    [dead] = deliveries_store.recent(redis, failed=True, limit=10)
    assert "550" in dead.error and dead.tries == 2
    inbox.data_codes = ["451 4.3.0 try later"]
    enqueue_delivery(rt.services, _alert(2, "desk"), "desk")
    drain(rt)
    _work(rt, 90)
    assert [m["Message-ID"] for m in inbox.messages] == [
        f"<{_alert(2, 'desk').delivery_id('desk')}@wirewatch>"
    ]


def test_a_refused_recipient_alone_is_tried_again_with_the_same_message_id(
    tmp_path: Path, redis: Redis, smtp: tuple[ScriptedInbox, int]
) -> None:
    inbox, port = smtp
    inbox.refuse = {"night@test.invalid": ["450 4.2.1 mailbox busy"]}
    sink = {**email_sink(port), "to": ["desk@test.invalid", "night@test.invalid"], "retry_schedule": ["1m"]}
    rt = runtime(_config(tmp_path, [sink]), redis)
    alert = _alert(1, "desk")
    enqueue_delivery(rt.services, alert, "desk")
    drain(rt)
    assert inbox.rcpts == [["desk@test.invalid"]]
    _work(rt, 90)
    assert inbox.rcpts == [["desk@test.invalid"], ["night@test.invalid"]]
    ids = {m["Message-ID"] for m in inbox.messages}
    assert ids == {f"<{alert.delivery_id('desk')}@wirewatch>"}
    assert all(m["To"] == "desk@test.invalid, night@test.invalid" for m in inbox.messages)
    [row] = delivery_history.recent(rt.services.history)
    assert (row.status, row.tries) == ("delivered", 2)


# --- Apprise -------------------------------------------------------------------------------------


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    r = Recorder().start()
    yield r
    r.stop()


def _apprise_sink(*urls: str, **more: Any) -> dict[str, Any]:
    return {"id": "chat", "type": "apprise", "urls": list(urls), "retry_schedule": ["1m", "1m"], **more}


def test_apprise_targets_succeed_and_fail_each_on_their_own(
    tmp_path: Path, redis: Redis, recorder: Recorder
) -> None:
    base = f"127.0.0.1:{recorder.port}"
    recorder.script = {"/flaky": [500], "/wrong": [404]}
    sink = _apprise_sink(
        f"json://{base}/ok", f"json://{base}/flaky", f"form://{base}/form", f"json://{base}/wrong"
    )
    rt = runtime(_config(tmp_path, [sink]), redis)
    alert = _alert(1, "chat")
    enqueue_delivery(rt.services, alert, "chat")
    drain(rt)
    assert [len(recorder.bodies(p)) for p in ("/ok", "/flaky", "/form", "/wrong")] == [1, 1, 1, 1]
    _work(rt, 90)  # only the target that answered 500 is tried again; the 404 is given up
    assert [len(recorder.bodies(p)) for p in ("/ok", "/flaky", "/form", "/wrong")] == [1, 2, 1, 1]
    body = json.loads(recorder.bodies("/ok")[0])
    assert body["title"].startswith("[wirewatch] Statements by the Kremlin spokesman: Story number 1")
    assert "Rule: Statements by the Kremlin spokesman" in body["message"]
    assert b"title=" in recorder.bodies("/form")[0]
    [dead] = deliveries_store.recent(redis, failed=True, limit=10)
    assert "/wrong" in dead.error and "404" in dead.error and "/flaky" not in dead.error


def test_apprise_to_an_ntfy_endpoint(tmp_path: Path, redis: Redis, recorder: Recorder) -> None:
    rt = runtime(_config(tmp_path, [_apprise_sink(f"ntfy://127.0.0.1:{recorder.port}/newsdesk")]), redis)
    enqueue_delivery(rt.services, _alert(1, "chat"), "chat")
    drain(rt)
    [(_path, _headers, body)] = recorder.requests
    sent = json.loads(body)
    assert sent["topic"] == "newsdesk" and "Story number 1" in sent["title"]
    assert "Rule: Statements by the Kremlin spokesman" in sent["message"]


def test_a_bad_apprise_url_is_a_config_error(tmp_path: Path, redis_url: str) -> None:
    cfg = _config(tmp_path, [_apprise_sink("slack://not-a-token")])
    out = _run(redis_url, cfg, "check")
    assert out.exit_code == 2 and "sinks[0].urls" in out.output and "slack://…" in out.output


def test_a_webhook_body_template_is_sent_signed_over_its_exact_bytes(
    tmp_path: Path, redis: Redis, receiver: WebhookReceiver, whsec: str
) -> None:
    (tmp_path / "slack.json.j2").write_text(
        '{"text": {{ ("*" ~ alert.rule.title ~ "*: <" ~ alert.article.url ~ "|"'
        ' ~ alert.article.title ~ ">") | json }}}',
        "utf-8",
    )
    sink = {**webhook_sink(receiver.url, whsec), "templates": {"body": "slack.json.j2"}}
    rt = runtime(_config(tmp_path, [sink]), redis)
    enqueue_delivery(rt.services, _alert(1, "hooks"), "hooks")
    drain(rt)
    assert receiver.bad_signatures == 0
    link = "<https://news.example.org/world/peskov-said|Story number 1>"
    assert receiver.payloads == [{"text": f"*Statements by the Kremlin spokesman*: {link}"}]


def test_the_article_jobs_own_tries_keep_to_the_rate_limit_too(
    tmp_path: Path, redis: Redis, site: Any, receiver: WebhookReceiver, whsec: str
) -> None:
    limited = {**webhook_sink(receiver.url, whsec), "max_per_minute": 1}
    cfg = write_config(
        tmp_path, [f"{site.base_url}/feed.xml"], [limited], rules=[{"id": "any", "query": "the"}]
    )
    rt = runtime(cfg, redis)
    start = time.time()
    run_pass(rt)  # three stories: the first goes from the article job, the others get their turns
    assert len(receiver.payloads) == 1
    _work(rt, 65)
    assert len(receiver.payloads) == 2
    _work(rt, 125)
    assert len(receiver.payloads) == 3 and len(set(receiver.attempt_ids)) == 3
    assert sorted(receiver.times)[2] >= start + 120 - 1
