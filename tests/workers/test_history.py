"""The history store on both backends (SQLite in a temp dir, the PostgreSQL of these machines in
a database of the run's own): migrations, the archive, alerts, deliveries, seen entries,
retention, status; and the outbox that keeps writes while the store is down."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from redis import Redis

from pipeline.config import load_config
from pipeline.models import Alert, Archived, Article, ArticleRef, StoryRef, iso_time
from workers.cli import cli
from workers.history import History, HistoryUrlError, _sql, check_url, history_url_for, migrate
from workers.history import alerts as alert_rows
from workers.history import articles as article_rows
from workers.history import deliveries as delivery_rows
from workers.history import feedback as feedback_rows
from workers.history import seen as seen_rows
from workers.history.deliveries import Delivery
from workers.history.schema import metadata
from workers.history.status import read_status
from workers.recording import Recorder, prune
from workers.scheduler import FeedScheduler
from workers.services import Services
from workers.store import outbox

T0 = 1_800_000_000.0


def archived(n: int, when: float, *, text: str = "", title: str = "") -> Archived:
    return Archived(
        article=Article(
            url=f"https://news.example/{n}",
            title=title or f"Story number {n}",
            text=text or f"The text of article {n}, about the International Criminal Court.",
            source="Example News",
            language="en",
            published=iso_time(when - 60),
        ),
        entry_key=f"https://news.example/{n}",
        feed_url="https://news.example/feed.xml",
        story=StoryRef(id=f"story{n}", first_seen=iso_time(when)),
        seen=iso_time(when),
    )


def alert(n: int, when: float) -> Alert:
    return Alert(
        alert_id=f"alert{n}",
        rule_id="icc",
        rule_title="ICC",
        article=ArticleRef(url=f"https://news.example/{n}", title=f"Story {n}", source="Example News"),
        matches=(),
        sinks=("hooks",),
        created_at=iso_time(when),
        story=StoryRef(id=f"story{n}", first_seen=iso_time(when)),
    )


@pytest.fixture
def history(history_url: str) -> History:
    store = History(history_url)
    yield store
    store.close()


def test_migrations_make_exactly_the_tables_the_code_uses(history: History) -> None:
    before, after = migrate.upgrade(history.engine)
    assert before is None and after == migrate.head()
    assert migrate.upgrade(history.engine) == (after, after)  # again: nothing to do
    with history.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # The full-text index (SQLite's articles_fts tables, PostgreSQL's GIN index) is the
    # migration's alone: the code asks it through SQL of each backend's own.
    assert [d for d in diff if not (d[0] in ("remove_table", "remove_index") and d[1].name.startswith(
        ("articles_fts", "articles_tsv")))] == []  # fmt: skip


def test_an_article_is_archived_once_and_read_back_whole(history: History) -> None:
    items = [archived(n, T0 + n) for n in range(5)]
    with history.begin() as conn:
        article_rows.add(conn, items)
    with history.begin() as conn:  # a job run again archives nothing twice
        article_rows.add(conn, items[:2])
    assert list(article_rows.read(history, T0)) == items
    assert list(article_rows.read(history, T0 + 2, newest_first=True)) == items[:1:-1]
    assert list(article_rows.read(history, T0 + 1, until=T0 + 3)) == items[1:3]
    assert article_rows.count(history, T0) == 5


def test_retention_deletes_in_batches_and_keeps_the_newer(history: History) -> None:
    with history.begin() as conn:
        article_rows.add(conn, [archived(n, T0 + n) for n in range(30)])
    assert _sql.delete_older(history, article_rows.articles.c.processed, T0 + 25, batch=7) == 25
    assert [a.entry_key for a in article_rows.read(history, 0)] == [
        f"https://news.example/{n}" for n in range(25, 30)
    ]


def test_alerts_are_recorded_once(history: History) -> None:
    with history.begin() as conn:
        alert_rows.add(conn, alert(1, T0), "entry-1")
        alert_rows.add(conn, alert(1, T0 + 5), "entry-2")  # the same (rule, story): kept as first made
        alert_rows.add(conn, alert(2, T0 + 10), "entry-3")
    assert alert_rows.recorded(history, ["alert1", "alert2", "alert3"]) == {"alert1", "alert2"}
    assert [a.alert_id for a in alert_rows.recent(history)] == ["alert2", "alert1"]
    assert alert_rows.recent(history)[1] == alert(1, T0)


def test_feedback_counts_each_alert_once_by_its_latest_word(history: History) -> None:
    with history.begin() as conn:
        for n in range(1, 5):
            alert_rows.add(conn, alert(n, T0 + n), f"entry-{n}")
    feedback_rows.add(history, "alert1", "icc", False, "dash", T0 + 10)
    feedback_rows.add(history, "alert1", "icc", True, "ops", T0 + 11)  # the latest word counts
    feedback_rows.add(history, "alert2", "icc", False, "link", T0 + 12)
    feedback_rows.add(history, "alert3", "icc", True, "link", T0 + 13)
    [icc] = feedback_rows.stats(history, T0).values()
    assert icc == feedback_rows.RuleStats(alerts=4, relevant=2, not_relevant=1) and icc.precision == 2 / 3
    assert feedback_rows.latest(history, ["alert1", "alert2", "alert4"]) == {"alert1": True, "alert2": False}
    assert feedback_rows.stats(history, T0 + 3.5)["icc"] == feedback_rows.RuleStats(1, 0, 0)  # alert4 alone
    assert feedback_rows.RuleStats(1, 0, 0).precision is None
    assert feedback_rows.forget_before(history, T0 + 12.5) == 3


def _delivery(status: str, tries: int, last: float, error: str = "") -> Delivery:
    return Delivery("alert1-hooks", "hooks", "alert", "alert1", "icc", "Story 1", "https://news.example/1",
                    status, tries, error, T0, last)  # fmt: skip


def test_a_delivery_keeps_its_latest_state_and_every_try(history: History) -> None:
    with history.begin() as conn:
        delivery_rows.note(conn, _delivery("retrying", 1, T0, "HTTP 503"), tried=True)
        delivery_rows.note(conn, _delivery("delivered", 2, T0 + 30), tried=True)
        # An older state written late (replayed from the outbox) changes nothing.
        delivery_rows.note(conn, _delivery("retrying", 1, T0, "HTTP 503"), tried=True)
    (d,) = delivery_rows.recent(history)
    assert (d.status, d.tries, d.error, d.first, d.last) == ("delivered", 2, "", T0, T0 + 30)
    assert delivery_rows.tries(history, "alert1-hooks") == [
        (T0, "retrying", "HTTP 503"),
        (T0 + 30, "delivered", ""),
    ]
    assert delivery_rows.recent(history, failed=True) == []
    with history.begin() as conn:
        delivery_rows.note(conn, _delivery("failed", 3, T0 + 60, "gave up"), tried=False)
    assert [d.delivery_id for d in delivery_rows.recent(history, failed=True)] == ["alert1-hooks"]
    assert delivery_rows.counts(history) == {"failed": 1}


def test_seen_entries_answer_within_their_time(history: History) -> None:
    with history.begin() as conn:
        seen_rows.add(conn, "feed1", ["a", "b"], T0)
        seen_rows.add(conn, "feed1", ["b", "c"], T0 + 100)
    assert seen_rows.seen_among(history, ["a", "b", "c", "d"], T0) == {"a", "b", "c"}
    assert seen_rows.seen_among(history, ["a", "b", "c", "d"], T0 + 50) == {"c"}


def test_prune_keeps_each_kind_for_its_own_time(history: History) -> None:
    with history.begin() as conn:
        article_rows.add(conn, [archived(1, T0), archived(2, T0 + 86400 * 10)])
        alert_rows.add(conn, alert(1, T0), "e1")
        seen_rows.add(conn, "feed1", ["a"], T0)
    now = T0 + 86400 * 11
    gone = prune(history, archive_retention=7 * 86400, seen_ttl=90 * 86400, now=now)
    assert gone == {"articles": 1, "alerts": 0, "deliveries": 0, "seen": 0, "feedback": 0}
    gone = prune(history, archive_retention=7 * 86400, seen_ttl=86400, now=now)
    assert gone == {"articles": 0, "alerts": 1, "deliveries": 0, "seen": 1, "feedback": 0}


def test_status_says_where_the_store_is_and_what_it_holds(history: History) -> None:
    assert read_status(history).version is None  # reading does not migrate
    with history.begin() as conn:
        article_rows.add(conn, [archived(1, T0), archived(2, T0 + 60)])
    status = read_status(history)
    assert status.up_to_date and status.backend == history.backend
    assert {t.name: t.rows for t in status.tables}["articles"] == 2
    assert (status.oldest_article, status.newest_article) == (T0, T0 + 60)
    assert status.total_bytes and status.total_bytes > 0


def test_the_url_names_a_backend_we_support(tmp_path: Path) -> None:
    assert check_url("sqlite:///x.sqlite3") == "sqlite"
    assert check_url("postgresql+psycopg://u:p@h/db") == "postgresql"
    with pytest.raises(HistoryUrlError, match="unsupported history store 'mysql'"):
        check_url("mysql://u@h/db")
    assert history_url_for(None, tmp_path, {}) == f"sqlite:///{tmp_path.resolve()}/history.sqlite3"
    assert history_url_for("sqlite:///a", tmp_path, {"WIREWATCH_HISTORY_URL": "sqlite:///b"}) == "sqlite:///b"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_writes_wait_in_redis_while_the_store_is_down_and_go_in_when_it_is_back(
    redis: Redis, history: History
) -> None:
    down = History(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nothing")
    recorder = Recorder(down, redis)
    recorder.articles([archived(1, T0), archived(2, T0 + 1)])
    recorder.alert(alert(1, T0), "e1")
    recorder.delivery(_delivery("delivered", 1, T0 + 2), tried=True)
    assert outbox.waiting(redis) == 3
    assert "OperationalError" in (outbox.down_reason(redis) or "")
    # The store is back (here: the other backend's store stands in for it).
    back = Recorder(history, redis)
    assert back.drain() == 3
    assert outbox.waiting(redis) == 0
    assert outbox.down_reason(redis) is None  # what waited went in: the store is up
    assert [a.entry_key for a in article_rows.read(history, 0)] == [
        "https://news.example/1",
        "https://news.example/2",
    ]
    assert alert_rows.recorded(history, ["alert1"]) == {"alert1"}
    assert back.drain() == 0  # replaying nothing twice
    recorder._skip_until = 0.0
    recorder.seen("feed1", ["w"], T0)  # down again for this process: its write waits
    assert outbox.down_reason(redis) is not None
    back._look_at = float("inf")  # not looking at the outbox (a drain that writes clears the note)
    back.seen("feed1", ["x"], T0)
    assert outbox.down_reason(redis) is not None  # a write by another process does not clear it...
    recorder.history = history
    recorder._skip_until = 0.0
    recorder.seen("feed1", ["y"], T0)
    assert outbox.down_reason(redis) is None  # ...the one that saw it down does, when it writes again


def test_a_full_outbox_refuses_the_write(redis: Redis) -> None:
    outbox.push(redis, ["a", "b"], limit=3)
    with pytest.raises(outbox.OutboxFull):
        outbox.push(redis, ["c", "d"], limit=3)
    assert outbox.peek(redis, 10) == ["a", "b"]  # all or none


def test_db_upgrade_and_status_on_the_command_line(tmp_path: Path, history_url: str) -> None:
    config = tmp_path / "wirewatch.yaml"
    config.write_text(f"data_dir: {tmp_path / 'var'}\nhistory_url: {history_url}\nrules: []\n", "utf-8")
    runner = CliRunner()
    before = runner.invoke(cli, ["db", "status", "-c", str(config)])
    assert before.exit_code == 1 and "run `wirewatch db upgrade`" in before.output
    up = runner.invoke(cli, ["db", "upgrade", "-c", str(config)])
    assert up.exit_code == 0 and f"-> {migrate.head()}" in up.output
    again = runner.invoke(cli, ["db", "upgrade", "-c", str(config)])
    assert "up to date" in again.output
    after = runner.invoke(cli, ["db", "status", "--json", "-c", str(config)])
    assert after.exit_code == 0
    assert {t["name"] for t in json.loads(after.output)["tables"]} >= {"articles", "alerts", "deliveries"}


def test_db_status_names_a_store_it_cannot_reach(tmp_path: Path) -> None:
    config = tmp_path / "wirewatch.yaml"
    url = f"postgresql+psycopg://postgres:secret@127.0.0.1:{_closed_port()}/nothing"
    config.write_text(f"history_url: {url}\nrules: []\n", "utf-8")
    result = CliRunner().invoke(cli, ["db", "status", "-c", str(config)])
    assert result.exit_code == 1
    assert "Connection refused" in result.output and "secret" not in result.output


def test_the_schedulers_housekeeping_drains_the_outbox_and_keeps_retention(
    tmp_path: Path, redis: Redis, history_url: str
) -> None:
    config = tmp_path / "wirewatch.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'var'}\nhistory_url: {history_url}\nrules: []\n"
        "defaults: {archive_retention: 7d}\n",
        "utf-8",
    )
    sched = FeedScheduler(Services(load_config(str(config)), redis))
    now = T0 + 30 * 86400
    outbox.push(redis, [json.dumps({"kind": "articles", "items": [archived(1, T0).to_json()]})])
    with sched.services.history.begin() as conn:
        article_rows.add(conn, [archived(2, now - 86400)])
    sched.housekeeping(now=T0 + 86400)  # drained; nothing is older than 7 days yet
    assert outbox.waiting(redis) == 0
    assert article_rows.count(sched.services.history, 0) == 2
    sched.housekeeping(now=now)  # 30 days on: the first is past retention
    assert [a.entry_key for a in article_rows.read(sched.services.history, 0)] == ["https://news.example/2"]
