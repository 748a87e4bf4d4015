"""Kill anything, any time (issue 28, point 5): `wirewatch run` with two workers and its embedded
Redis under a stream of stories; for a bounded number of rounds a random one of its processes
(the supervisor, the scheduler, a worker, the embedded Redis) is SIGKILLed at a random moment.
A killed supervisor is started again, as systemd's Restart= would. At the end every story alerted
exactly once per (rule, story, sink), by id; no dead letter; no job stuck.

The rounds are drawn from a seed, printed and taken from WIREWATCH_CHAOS_SEED when set, so that a
failing run can be replayed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import IO

import pytest
from redis import Redis
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from bench.loopback import children_by_parent
from workers.demo.site import LoopbackSite, WebhookReceiver
from workers.services import Queues
from workers.store import deliveries

from .helpers import ICC_ONLY, ROOT, stop_process, wait_for, webhook_sink, write_config
from .newsroom import Newsroom
from .test_cli import WIREWATCH, _alive, clean_env, running_at

ROUNDS = 8
VICTIMS = ("supervisor", "scheduler", "worker", "redis-server")


def _roles(root: int) -> dict[str, list[int]]:
    """The processes under `run` (pid `root`) by role."""
    children = children_by_parent()
    roles: dict[str, list[int]] = {"supervisor": [root]}
    for pid in children.get(root, []):
        try:
            words = [
                w.decode(errors="replace") for w in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            ]
        except OSError:
            continue
        if words and "redis-server" in words[0]:
            roles.setdefault("redis-server", []).append(pid)
        elif "worker" in words:
            roles.setdefault("worker", []).append(pid)
        elif "scheduler" in words:
            roles.setdefault("scheduler", []).append(pid)
    return roles


def _start(cfg: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*WIREWATCH, "-c", str(cfg), "run", "--workers", "2"], env=clean_env(), cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


@pytest.mark.timeout(600)
def test_processes_killed_at_random_under_a_stream_lose_no_alert_and_repeat_none(
    short_tmp: Path, site: LoopbackSite, whsec: str
) -> None:
    seed = int(os.environ.get("WIREWATCH_CHAOS_SEED") or random.SystemRandom().randrange(1 << 32))
    rng = random.Random(seed)
    receiver = WebhookReceiver(whsec).start()
    newsroom = Newsroom(site, every=0.5)
    live = {"url": f"{site.base_url}/live.xml", "interval": "1s"}
    cfg = write_config(short_tmp, [live], [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY,
                       min_interval="1s", poll_interval="1s", max_entry_age="1h")  # fmt: skip
    data_dir = short_tmp / "var"
    log_path = short_tmp / "run.log"
    killed: list[str] = []
    with log_path.open("ab") as log:
        proc = _start(cfg, log)
        try:
            newsroom.start()
            wait_for(lambda: len(receiver.payloads) >= 3, 120, "the first alerts")
            for _ in range(ROUNDS):
                time.sleep(rng.uniform(0.5, 6.0))
                roles = _roles(proc.pid)
                role = rng.choice([r for r in VICTIMS if roles.get(r)])
                victim = rng.choice(roles[role])
                os.kill(victim, signal.SIGKILL)
                killed.append(role)
                if role == "supervisor":  # its children go with it (PR_SET_PDEATHSIG); start it again
                    proc.wait()
                    pids = [pid for group in roles.values() for pid in group]
                    wait_for(lambda: not any(map(_alive, pids)), 30, "run's children to end")  # noqa: B023
                    proc = _start(cfg, log)
            time.sleep(5)  # the stream goes on after the last kill
            newsroom.stop()
            published = set(newsroom.published)
            wait_for(lambda: published <= {str(p["article"]["url"]) for p in list(receiver.payloads)}, 240,
                     f"an alert for every story published (seed {seed}, killed {killed})")  # fmt: skip
            url = running_at(data_dir)
            assert url is not None
            redis = Redis.from_url(url)
            queues = Queues.on(redis).all()

            def settled() -> bool:  # an abandoned job is swept back within EXECUTION_TTL and run
                return all(
                    q.count == 0
                    and StartedJobRegistry(queue=q).count == 0
                    and ScheduledJobRegistry(queue=q).count == 0
                    for q in queues
                )

            wait_for(
                settled, 120, f"every queue empty, no job started or waiting (seed {seed}, killed {killed})"
            )
            failed = {q.name: FailedJobRegistry(queue=q).get_job_ids() for q in queues}
            dead = deliveries.dead_letter_count(redis)
        finally:
            newsroom.stop()
            stop_process(proc)
            receiver.stop()
    print(f"seed {seed}: killed {killed}; {len(published)} published, {len(receiver.payloads)} deliveries")
    text = log_path.read_text(errors="replace")
    print(text[text.find(" ERROR ") - 30 :] if " ERROR " in text else "no ERROR line")
    assert not any(failed.values()) and dead == 0, (seed, killed, failed, dead)
    # every story alerted once per (rule, story, sink): each alert id with one webhook-id, however often sent
    ids: dict[str, set[str]] = {}
    for payload, webhook_id in zip(list(receiver.payloads), list(receiver.attempt_ids), strict=True):
        ids.setdefault(str(payload["alert_id"]), set()).add(webhook_id)
    per_story: dict[str, set[str]] = {}
    for payload in receiver.payloads:
        per_story.setdefault(str(payload["article"]["url"]), set()).add(str(payload["alert_id"]))
    assert len(ids) == len(published) and all(len(w) == 1 for w in ids.values()), (seed, killed)
    assert set(per_story) == published and all(len(a) == 1 for a in per_story.values()), (seed, killed)
