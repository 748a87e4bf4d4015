"""The history store down is not an outage. A PostgreSQL of the test's own is stopped and started
under a stream of articles, a SQLite file is made unwritable: alerts are still matched and
delivered, exactly as with the store up; the history writes wait in Redis's outbox and go in when
the store is back, nothing lost and nothing twice; `wirewatch status` and /readyz say what is
wrong meanwhile; a worker and a scheduler start with the store down. The outbox is bounded: when
it is full, the article job fails and RQ runs it again later, delivering nothing twice."""

from __future__ import annotations

import os
import random
import signal
import string
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
import yaml
from click.testing import CliRunner, Result
from prometheus_client import CollectorRegistry
from redis import Redis
from rq import Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import func, select

from pipeline.config import load_config
from workers.cli import cli
from workers.context import WorkerContext
from workers.demo.site import LoopbackSite, Seed, WebhookReceiver, article_page, rss_feed
from workers.history import History, schema
from workers.history import alerts as alert_rows
from workers.history import articles as article_rows
from workers.history import deliveries as delivery_rows
from workers.history.database import ROOM_LOOK
from workers.queueing import enqueue_poll
from workers.recording import Recorder
from workers.scheduler import FeedScheduler
from workers.services import Queues, Services
from workers.store import leader, outbox, schedule
from workers.web import serve

from .helpers import (
    ICC_ONLY,
    RSS,
    alert_keys,
    drain,
    expected_keys,
    free_port,
    run_pass,
    runtime,
    wait_for,
    webhook_sink,
    write_config,
)
from .own_postgres import NoPostgres, OwnPostgres
from .small_disk import small_disk
from .test_cli import WIREWATCH, clean_env

STREAM = "/stream.xml"
MB = 1024 * 1024


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL of this test's own, to stop and start (never the one of these machines)."""
    try:
        pg = OwnPostgres()
    except NoPostgres as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    with pg:
        yield pg


# --- a stream of articles --------------------------------------------------------------------------

_RNG = random.Random(0)
_WORDS = ["".join(_RNG.choices(string.ascii_lowercase, k=_RNG.randint(4, 9))) for _ in range(3000)]


def _story(n: int) -> Seed:
    """Article n of the stream: a story of its own (words of its own: no near-duplicate of
    another), that the ICC rule matches, and the Kremlin spokesman rule too when n is even."""
    rng = random.Random(n)
    paras = [" ".join(rng.choices(_WORDS, k=40)).capitalize() + "." for _ in range(4)]
    paras.insert(1, f"Judges at the International Criminal Court ruled on case {n} on Monday.")
    if n % 2 == 0:
        paras.insert(2, "Kremlin spokesman Dmitry Peskov said the ruling meant nothing to Moscow.")
    title = f"Court ruling {n}: " + " ".join(rng.choices(_WORDS, k=5))
    return Seed(stem=f"stream-{n:03d}", title=title, text=title + "\n\n" + "\n\n".join(paras))


def _publish(site: LoopbackSite, upto: int) -> list[tuple[str, str]]:
    """The stream's feed lists its articles 0..upto-1 (newest last); the (stem, rule) pairs of
    the alerts they make."""
    stories = [_story(n) for n in range(upto)]
    for s in stories:
        site.routes[f"/articles/{s.stem}.html"] = (200, {"Content-Type": "text/html"}, article_page(s))
    site.routes[STREAM] = (200, RSS, rss_feed(stories, site.base_url, guid_prefix="stream-"))
    return sorted([(s.stem, "icc") for s in stories] + [(s.stem, "kremlin-spokesman") for s in stories[::2]])


# --- what the test looks at ------------------------------------------------------------------------


def _due_now(rt: WorkerContext) -> None:
    """Every feed due and handed to a poll job now (as run_pass does), for a worker to take."""
    rt.redis.zadd(schedule.DUE_KEY, {feed.id: 0 for feed in rt.config.feeds})
    enqueue_poll(rt.services, rt.config.feeds)


def _cli(*args: str, redis_url: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"REDIS_URL": redis_url}, catch_exceptions=False)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@contextmanager
def _readyz(rt: WorkerContext) -> Iterator[str]:
    """The web app's /readyz for this system (the scheduler's and workers' presence left out:
    the test runs its workers in bursts)."""
    port = free_port()
    server = serve(f"127.0.0.1:{port}", CollectorRegistry(), rt.redis, lambda: rt.config, token=None,
                   need_scheduler=False, need_workers=False)  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}/readyz"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _running_system(redis: Redis) -> Iterator[None]:
    """A worker registered and a scheduler leading, as `status` asks of a system that is well."""
    redis.set(leader.LEADER_KEY, "scheduler-test")
    worker = Worker(Queues.on(redis).all(), connection=redis, name="history-down-test")
    worker.register_birth()
    try:
        yield
    finally:
        worker.register_death()
        redis.delete(leader.LEADER_KEY)


def _no_job_failed(rt: WorkerContext) -> None:
    for queue in rt.queues.all():
        assert FailedJobRegistry(queue=queue).count == 0, f"a job of queue {queue.name} failed for good"


def _says_down(rt: WorkerContext, cfg: Path, redis_url: str, readyz: str, why: str) -> None:
    """`wirewatch status` and /readyz say the history store is down, why, and what waits."""
    waiting = outbox.waiting(rt.redis)
    said = f"history store down: {why}"
    status = _cli("-c", str(cfg), "status", redis_url=redis_url)
    assert status.exit_code == 1
    assert said in status.stderr and f"; {waiting:,} writes wait in Redis" in status.stderr, status.stderr
    code, body = _get(readyz)
    assert code == 503 and said in body and f"{waiting:,} writes wait in Redis" in body, body


def _says_well(rt: WorkerContext, cfg: Path, redis_url: str, readyz: str) -> None:
    with _running_system(rt.redis):
        status = _cli("-c", str(cfg), "status", redis_url=redis_url)
    assert status.exit_code == 0 and "history store" not in status.output, status.output
    assert _get(readyz) == (200, "ready\n")


def _rows(history: History, table: str) -> int:
    with history.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.metadata.tables[table])).scalar_one())


def _holds_what_was_delivered(history: History, receiver: WebhookReceiver, stems: set[str]) -> None:
    """The history store holds every article, alert and delivery (each try) the receiver saw
    the system make, each once."""
    archived = {Path(a.article.url).stem for a in article_rows.read(history, 0)}
    assert archived == stems and _rows(history, "articles") == len(stems)
    delivered = {p["alert_id"] for p in receiver.payloads}
    assert {a.alert_id for a in alert_rows.recent(history, limit=1000)} == delivered
    assert _rows(history, "alerts") == len(delivered)
    rows = {d.delivery_id: d for d in delivery_rows.recent(history, limit=1000)}
    assert {d.item for d in rows.values()} == delivered and len(rows) == len(delivered)
    assert all((d.status, d.sink) == ("delivered", "hooks") for d in rows.values())
    tries = Counter(receiver.attempt_ids)  # the webhook-id of every try is its delivery id
    assert {i: d.tries for i, d in rows.items()} == dict(tries)
    assert all(len(delivery_rows.tries(history, i)) == n for i, n in tries.items())


# --- PostgreSQL stopped and started under a stream of articles ----------------------------------------


def test_postgresql_stopped_under_a_stream_of_articles_loses_nothing_and_status_says_so(
    tmp_path: Path, redis: Redis, redis_url: str, own_postgres: OwnPostgres, site: LoopbackSite,
    receiver: WebhookReceiver, whsec: str,
) -> None:  # fmt: skip
    pg = own_postgres
    feeds = [f"{site.base_url}/feed.xml", f"{site.base_url}{STREAM}"]
    cfg = write_config(tmp_path, feeds, [webhook_sink(receiver.url, whsec)], history_url=pg.url)
    rt = runtime(cfg, redis)
    seeds = {stem for stem, _ in expected_keys()}
    try:
        # The store up: the seeds and the stream's first articles.
        expected = sorted(expected_keys() + _publish(site, 4))
        run_pass(rt)
        assert alert_keys(receiver.payloads) == expected
        assert outbox.waiting(redis) == 0 and outbox.trouble(redis) is None

        pg.stop()
        # More articles come while it is down: matched and delivered as ever; a delivery whose
        # first try fails goes through the alerts queue and its retry.
        expected = sorted(expected_keys() + _publish(site, 8))
        receiver.fail_first = 1
        run_pass(rt)
        assert alert_keys(receiver.payloads) == expected
        kept = outbox.waiting(redis)
        assert kept > 0
        # A worker started now (its history store down) starts, and works.
        expected = sorted(expected_keys() + _publish(site, 12))
        _due_now(rt)
        env = {**clean_env(), "REDIS_URL": redis_url}
        worker = subprocess.run([*WIREWATCH, "-c", str(cfg), "worker", "--burst"], env=env,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert worker.returncode == 0, worker.stderr
        assert "cannot be reached" in worker.stderr  # the warning at its start, then to work
        assert alert_keys(receiver.payloads) == expected
        assert len({p["alert_id"] for p in receiver.payloads}) == len(receiver.payloads)  # each once
        assert outbox.waiting(redis) > kept  # the outbox fills
        _no_job_failed(rt)
        with _readyz(rt) as readyz:
            _says_down(rt, cfg, redis_url, readyz, "OperationalError")
            assert "Connection refused" in (outbox.down_reason(redis) or "")

            pg.start()
            # The scheduler's housekeeping (any process's good write would too) writes what waits.
            scheduler = FeedScheduler(Services(load_config(cfg), redis))
            scheduler.housekeeping()
            assert outbox.waiting(redis) == 0
            _says_well(rt, cfg, redis_url, readyz)
            # And the pipeline writes to it again as ever (the writes this process keeps in the
            # outbox for a few seconds after a failure are written by the next housekeeping).
            expected = sorted(expected_keys() + _publish(site, 14))
            run_pass(rt)
            assert alert_keys(receiver.payloads) == expected
            scheduler.housekeeping()
            assert outbox.waiting(redis) == 0
            _says_well(rt, cfg, redis_url, readyz)
        stream = {s for s, _ in _publish(site, 14)}
        _holds_what_was_delivered(rt.services.history, receiver, seeds | stream)
        assert len(receiver.attempt_ids) == len(receiver.payloads) + 1  # the one retried while down
        _no_job_failed(rt)
        scheduler.services.history.close()
    finally:
        rt.close()
        rt.services.history.close()


def test_a_scheduler_starts_and_leads_with_its_history_store_down(
    tmp_path: Path, redis: Redis, redis_url: str, own_postgres: OwnPostgres
) -> None:
    own_postgres.stop()
    cfg = write_config(tmp_path, [], [], rules=ICC_ONLY, history_url=own_postgres.url)
    env = {**clean_env(), "REDIS_URL": redis_url}
    proc = subprocess.Popen([*WIREWATCH, "-c", str(cfg), "scheduler"], env=env, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip
    try:
        wait_for(lambda: leader.leader_present(redis) or proc.poll() is not None, 60, "the scheduler to lead")
        assert proc.poll() is None and leader.leader_present(redis)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert "history store" in err and "cannot be reached" in err


# --- a SQLite file that cannot be written ------------------------------------------------------------


@contextmanager
def _unwritable(history: History) -> Iterator[None]:
    """The SQLite file of this history store and its WAL cannot be written (reading them still
    works). As root, whom permissions do not stop, they are made immutable (chattr +i): a process
    that has them open fails its writes too. Otherwise they are made read-only, and the pool of
    connections dropped, since permissions are checked only when a file is opened. The -shm file
    is left alone: SQLite maps it into memory, and a write to a mapping of an immutable file kills
    the process (SIGBUS)."""
    db = Path(str(history.engine.url.database))
    files = [f for f in (db, db.with_name(db.name + "-wal")) if f.exists()]
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", *map(str, files)], capture_output=True, text=True, check=False)
        if made.returncode != 0:
            subprocess.run(["chattr", "-i", *map(str, files)], capture_output=True, check=False)
            pytest.skip(f"running as root, and chattr +i does not work here: {made.stderr.strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, files)], check=True)
        return
    modes = {f: f.stat().st_mode for f in files}
    for f in files:
        f.chmod(0o444)
    history.engine.dispose()
    try:
        yield
    finally:
        for f, mode in modes.items():
            f.chmod(mode)


def test_a_sqlite_file_that_cannot_be_written_loses_nothing(
    tmp_path: Path, redis: Redis, redis_url: str, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    cfg = write_config(tmp_path, [f"{site.base_url}{STREAM}"], [webhook_sink(receiver.url, whsec)])
    rt = runtime(cfg, redis)
    history = rt.services.history
    assert history.sqlite
    try:
        expected = _publish(site, 2)
        run_pass(rt)
        assert alert_keys(receiver.payloads) == expected
        with _unwritable(history), _readyz(rt) as readyz:
            expected = _publish(site, 6)
            run_pass(rt)
            assert alert_keys(receiver.payloads) == expected
            assert outbox.waiting(redis) > 0
            _no_job_failed(rt)
            _says_down(rt, cfg, redis_url, readyz, "OperationalError")
        assert rt.services.recorder.drain() > 0
        assert outbox.waiting(redis) == 0 and outbox.trouble(redis) is None
        _holds_what_was_delivered(history, receiver, {s for s, _ in _publish(site, 6)})
    finally:
        rt.close()
        history.close()


def test_a_sqlite_store_whose_disk_runs_low_waits_in_redis_and_catches_up_when_space_is_freed(
    short_tmp: Path, redis: Redis, redis_url: str, site: LoopbackSite, receiver: WebhookReceiver, whsec: str
) -> None:
    """On a small disk of the test's own, filled to under history_min_free: the store takes no
    more writes (the rest of the disk is left to what must go on), alerts are delivered all the
    same, status and /readyz say why, and when space is freed every write goes in, the file whole."""
    with small_disk(short_tmp / "var", 16 * MB) as disk:
        cfg = write_config(short_tmp, [f"{site.base_url}{STREAM}"], [webhook_sink(receiver.url, whsec)])
        config = yaml.safe_load(cfg.read_text())
        cfg.write_text(yaml.safe_dump({**config, "history_min_free": "4MB"}))
        rt = runtime(cfg, redis)
        history = rt.services.history
        try:
            expected = _publish(site, 2)
            run_pass(rt)
            assert alert_keys(receiver.payloads) == expected and outbox.waiting(redis) == 0
            disk.fill(leave=2 * MB)
            time.sleep(ROOM_LOOK)  # the free space is looked at once a second
            with _readyz(rt) as readyz:
                expected = _publish(site, 6)
                run_pass(rt)
                assert alert_keys(receiver.payloads) == expected
                assert outbox.waiting(redis) > 0
                assert disk.free_bytes() > 1 * MB  # the store wrote nothing more
                _no_job_failed(rt)
                _says_down(rt, cfg, redis_url, readyz, "disk low: its disk has")
                assert rt.services.recorder.drain() == 0  # the floor holds the drain back too
            disk.free()
            time.sleep(ROOM_LOOK)  # the free space is looked at once a second
            assert rt.services.recorder.drain() > 0
            assert outbox.waiting(redis) == 0 and outbox.trouble(redis) is None
            _holds_what_was_delivered(history, receiver, {s for s, _ in _publish(site, 6)})
            with history.begin() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        finally:
            rt.close()
            history.close()


# --- the outbox full ---------------------------------------------------------------------------------


def test_an_article_job_whose_archive_finds_the_outbox_full_is_retried_and_delivers_nothing_twice(
    tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str
) -> None:
    receiver = WebhookReceiver(whsec, fail_first=1).start()  # the first try fails: a delivery job
    cfg = write_config(tmp_path, [f"{site.base_url}/one.xml"], [webhook_sink(receiver.url, whsec)],
                       rules=ICC_ONLY, retry_backoff="60s")  # fmt: skip
    rt = runtime(cfg, redis)
    history = rt.services.history
    recorder = rt.services.recorder = Recorder(history, redis, outbox_limit=20)  # and 2 for deliveries
    history.ensure_ready()
    scheduled = ScheduledJobRegistry(queue=rt.queues.articles)
    try:
        with _unwritable(history):
            for n in range(19):  # other writes wait already
                recorder.seen("elsewhere", [f"entry-{n}"], time.time())
            # The poll's seen entries fill the outbox; the deliveries' states (the first try's,
            # the delivery job's) go to the reserve; the article job's archive and alert find it
            # full, after its delivery.
            run_pass(rt)
            assert outbox.waiting(redis) == 22
            assert [p["rule"]["id"] for p in receiver.payloads] == ["icc"]  # delivered all the same
            assert len(receiver.attempt_ids) == 2
            # The article job failed on its history write and waits for its retry: not for good.
            assert len(scheduled.get_job_ids()) == 1
            _no_job_failed(rt)
            assert (
                outbox.trouble(redis)
                == f"history store down: {outbox.down_reason(redis)}; 22 writes wait in Redis"
            )
        assert recorder.drain() == 22  # the store is back
        assert _rows(history, "deliveries") == 1
        assert _rows(history, "articles") == _rows(history, "alerts") == 0  # the job's to write again
        with time_machine.travel(timedelta(hours=1), tick=True):
            drain(rt, with_scheduler=True)  # RQ's scheduler moves the due retry back to the queue
            drain(rt)
        assert not scheduled.get_job_ids()
        _no_job_failed(rt)
        # The retry found its alert delivered (Redis's record of it): nothing sent twice.
        assert len(receiver.payloads) == 1 and len(receiver.attempt_ids) == 2
        assert outbox.waiting(redis) == 0
        _holds_what_was_delivered(history, receiver, {"002_088ef6e8373426e4"})
    finally:
        receiver.stop()
        rt.close()
        history.close()
