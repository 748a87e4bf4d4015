"""The `wirewatch` command as a user runs it: real processes, real signals, loopback only."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis

from pipeline.config import load_config
from workers.demo.site import LoopbackSite, WebhookReceiver, load_seeds, rss_feed
from workers.redis_embedded import EmbeddedRedis
from workers.services import embedded_running_at as running_at

from .helpers import (
    ICC_ONLY,
    ROOT,
    RSS,
    alert_keys,
    expected_keys,
    stop_process,
    wait_for,
    webhook_sink,
    write_config,
)

WIREWATCH = [sys.executable, "-m", "workers.cli"]


def wirewatch(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WIREWATCH, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env or clean_env()
    )


def clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "WIREWATCH_CONFIG", "WIREWATCH_LOG_FORMAT")
    }


def test_check_accepts_the_shipped_config() -> None:
    out = wirewatch("check")
    assert out.returncode == 0, out.stderr
    assert "3 rules" in out.stdout


def test_check_reports_every_error_and_exits_2(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(
        "feeds:\n"
        "  - url: ftp://example.org/feed\n"
        "    interval: 5 minutes\n"
        "colour: blue\n"
        "rules:\n"
        "  - id: a\n"
        "    query: (Peskov\n"
        "    sinks: [nowhere]\n"
        "  - id: a\n"
        "    query: ICC\n"
    )
    out = wirewatch("-c", str(cfg), "check")
    assert out.returncode == 2
    err = out.stderr
    needles = [":2:", "feeds[0].url", ":3:", "feeds[0].interval", ":4:", "colour", ":7:", "rules[0].query"]
    needles += ["^", ":8:", "nowhere", ":9:", "duplicate"]
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.mark.parametrize("command", ["run", "worker", "scheduler", "demo"])
def test_nothing_starts_on_a_bad_config(command: str, tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("redis_url: ${WW_TEST_UNSET_VARIABLE}\nrules: []\n")
    out = wirewatch("-c", str(cfg), command, timeout=30)
    assert out.returncode == 2
    assert "WW_TEST_UNSET_VARIABLE" in out.stderr


def test_the_scheduler_refuses_a_query_no_full_load_checked(tmp_path: Path) -> None:
    """The scheduler parses no query a full load checked, but checks the ones none did."""
    (tmp_path / "var").mkdir()
    cfg = tmp_path / "wirewatch.yaml"
    cfg.write_text("data_dir: var\nrules:\n  - id: a\n    query: 'ICC AND (court'\n")
    out = wirewatch("-c", str(cfg), "scheduler", timeout=30)
    assert out.returncode == 2
    assert "rules[0].query" in out.stderr and ":4:" in out.stderr


def test_demo_shows_the_seven_expected_alerts() -> None:
    out = wirewatch("demo")
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.startswith("[")]
    assert sorted(line.split("]")[0][1:] for line in lines) == sorted(rule for _, rule in expected_keys())
    assert "7 alerts, as expected" in out.stdout
    assert "**" in out.stdout  # highlighted terms


def test_rules_test_seeds_json() -> None:
    out = wirewatch("rules", "test", "--seeds", "--json")
    assert out.returncode == 0, out.stderr
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    got = sorted((Path(d["document"]).stem, m["rule_id"]) for d in docs for m in d["matches"])
    assert got == expected_keys()
    for d in docs:
        for m in d["matches"]:
            assert all(match["terms"] and match["snippet"] for match in m["matches"])


def test_rules_test_seeds_text_shows_the_seven_alerts_with_why() -> None:
    out = wirewatch("rules", "test", "--seeds")
    assert out.returncode == 0, out.stderr
    headers = [line.strip() for line in out.stdout.splitlines() if line.startswith("  [")]
    assert sorted(h.split("]")[0][1:] for h in headers) == sorted(rule for _, rule in expected_keys())
    assert "7 matches" in out.stdout
    assert "**Kremlin spokesman Dmitry Peskov** **said**" in out.stdout and "**Navalny**" in out.stdout
    # which query part matched, where: the statement's speaker as named, and its verb
    assert 'phrase:"kremlin spokesman dmitry peskov": Kremlin spokesman Dmitry Peskov@' in out.stdout
    # and the statement itself, on its own line: who, the verb, what was said
    assert (
        "statement: Kremlin spokesman Dmitry Peskov told: “Russian troops in Ukraine are attacking only"
        " military targets”"
    ) in out.stdout


def test_rules_test_with_another_rules_file_and_explain(tmp_path: Path) -> None:
    rules = tmp_path / "mine.yaml"
    rules.write_text(
        "aliases:\n  Peskov: [Peskow]\nrules:\n"
        '  - id: widow\n    query: (Navalnaya OR "Yulia Navalnaya") -cricket\n'
        "  - id: peskow\n    query: Peskov NEAR/3 said\n",
        encoding="utf-8",
    )
    out = wirewatch("rules", "test", "--rules", str(rules), "--explain", "--seeds")
    assert out.returncode == 0, out.stderr
    assert "[widow] widow\n  AND (all of)\n    OR (any of)\n      term:navalnaya\n" in out.stdout
    assert "      term:peskow\n" in out.stdout and "NEAR/3 (within 3 words, either order)" in out.stdout
    naming_her = [p for p in sorted((ROOT / "seeds").glob("*.txt")) if "Navalnaya" in p.read_text()]
    assert out.stdout.count("  [widow] ") == len(naming_her) > 0
    assert "[kremlin-spokesman]" not in out.stdout  # the config's rules are not run


def _statement_docs(tmp_path: Path) -> dict[str, Path]:
    """Texts for the statement rule: first line the title, as `rules test` reads a .txt file."""
    texts = {
        "pronoun": "Talks\nDmitry Peskov, the Kremlin spokesman, was at the summit in Moscow. "
        "He said talks would continue.\n",
        "envoy": "AI in schools\nDmitry Peskov, the president's envoy for digital and technological "
        "development, said AI would change schools.\n",
        "daughter": "War\nЕлизавета Пескова заявила, что выступает против войны.\n",
        "zakharova": "Sanctions\nMaria Zakharova said Peskov had lied about the sanctions.\n",
        "weather": "Weather\nThe weather in Paris was fine.\n",
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_rules_test_explain_and_why_not_name_the_statement_and_the_reason(tmp_path: Path) -> None:
    docs = _statement_docs(tmp_path)
    out = wirewatch("rules", "test", str(tmp_path), "--explain", "--why-not", "kremlin-spokesman")
    assert out.returncode == 0, out.stderr
    by_doc = {
        Path(block.split(":", 1)[0]).stem: block
        for block in re.split(r"\n(?=/)", out.stdout[out.stdout.index(str(tmp_path)) :])
    }
    assert set(by_doc) == set(docs)
    # --explain: the statement, where, whom the pronoun was taken for and why
    pronoun = by_doc["pronoun"]
    assert "    matched statement: text, sentence 3 (chars 73-102)\n" in pronoun
    assert "      speaker:    He\n" in pronoun
    assert "      refers to:  Dmitry Peskov, the Kremlin spokesman\n" in pronoun
    assert '      resolved:   @peskov by name: Peskov (in whom "He" refers back to)\n' in pronoun
    assert "      quote:      talks would continue\n" in pronoun
    assert "@peskov's names count here: the context holds (" in pronoun
    assert "why not" not in pronoun  # it matched
    # --why-not: the nearest thing, and why it did not count
    envoy = by_doc["envoy"]
    assert "why not [kremlin-spokesman]:\n    a statement whose speaker has @peskov's names" in envoy
    assert "the namesakes matched (digital and technological development)" in envoy
    daughter = by_doc["daughter"]
    # his daughter named in full is one of @peskov's namesakes: his names do not count here
    assert "a statement whose speaker has @peskov's names, which do not count here:" in daughter
    assert "@peskov's names do not count here: the namesakes matched (Елизавета Пескова)" in daughter
    zakharova = by_doc["zakharova"]
    assert "statements by someone else (1):\n      Maria Zakharova said: “Peskov had lied" in zakharova
    assert "@peskov (by name) is mentioned, in no statement of theirs: Peskov" in zakharova
    assert "nothing: no statement and no mention" in by_doc["weather"]
    assert "1 matches" in out.stdout


def test_rules_test_why_not_as_json_and_an_unknown_rule(tmp_path: Path) -> None:
    docs = _statement_docs(tmp_path)
    out = wirewatch(
        "rules", "test", str(docs["envoy"]), str(docs["pronoun"]), "--why-not", "kremlin-spokesman", "--json"
    )
    assert out.returncode == 0, out.stderr
    envoy, pronoun = (json.loads(line) for line in out.stdout.splitlines())
    (miss,) = envoy["why_not"]["kremlin-spokesman"]["misses"]
    assert miss["kind"] == "names-did-not-count"
    assert miss["found"]["statement"]["speaker"] == "Dmitry Peskov"
    assert miss["names"][0]["namesakes"] == ["digital and technological development"]
    assert pronoun["why_not"] == {} and pronoun["matches"]  # it matched: nothing to say why not
    wrong = wirewatch("rules", "test", str(docs["envoy"]), "--why-not", "kremlin")
    assert wrong.returncode == 2 and "no rule 'kremlin'" in wrong.stderr


def test_rules_test_reports_a_bad_rules_file_and_exits_2(tmp_path: Path) -> None:
    rules = tmp_path / "bad.yaml"
    rules.write_text("rules:\n  - id: r\n    query: >-\n      Peskov\n      NEAR/0 said\n", encoding="utf-8")
    out = wirewatch("rules", "test", "--rules", str(rules), "--explain")
    assert out.returncode == 2
    assert f"{rules}:5:7: rules[0].query: rule r: NEAR/0" in out.stderr
    assert out.stderr.rstrip().endswith("1 error in config")


def test_rules_test_reads_html_files_and_urls(tmp_path: Path, site: LoopbackSite) -> None:
    (tmp_path / "page.html").write_bytes(site.routes["/articles/002_088ef6e8373426e4.html"][2])  # type: ignore[index]
    cfg = write_config(tmp_path, [], [])  # allow_private_networks: true, for the loopback URL
    url = f"{site.base_url}/articles/001_acf6055a5001459e.html"
    out = wirewatch("-c", str(cfg), "rules", "test", str(tmp_path / "page.html"), url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("[kremlin-spokesman]") == 2
    assert out.stdout.count("[icc]") == 1 and out.stdout.count("[navalny]") == 1
    assert "Peskov** **told**" in out.stdout or "Peskov** **said**" in out.stdout


def test_run_stops_on_signals_and_resumes_its_schedule_without_repeats(
    short_tmp: Path, site: LoopbackSite, whsec: str
) -> None:
    receiver = WebhookReceiver(whsec).start()
    sinks = [webhook_sink(receiver.url, whsec)]
    cfg = write_config(short_tmp, [{"url": f"{site.base_url}/feed.xml", "interval": "1h"}], sinks)
    data_dir = short_tmp / "var"

    def due_in() -> float:
        url = running_at(data_dir)
        scores = Redis.from_url(url).zrange("ww:due", 0, -1, withscores=True) if url else []
        return float(scores[0][1]) - time.time() if scores else -1.0

    def leading() -> bool:
        url = running_at(data_dir)
        return url is not None and Redis.from_url(url).exists("ww:scheduler:leader") == 1

    try:
        # 1: polls, alerts, stops on SIGINT. 2: the schedule survived the restart: the feed is
        # still due in about an hour, so it is not polled. 3: the interval is now 1 s: the feed
        # is brought forward and polled again at once, without repeating an alert. (SIGHUP reloads.)
        for sig, interval in ((signal.SIGINT, "1h"), (signal.SIGTERM, "1h"), (signal.SIGTERM, "1s")):
            cfg = write_config(short_tmp, [{"url": f"{site.base_url}/feed.xml", "interval": interval}], sinks)
            polls = site.hits.get("/feed.xml", 0)
            proc = subprocess.Popen(
                [*WIREWATCH, "-c", str(cfg), "run", "--workers", "2"], env=clean_env(), cwd=ROOT
            )
            try:
                wait_for(leading, 60, "the scheduler to lead")
                if (sig, interval) == (signal.SIGTERM, "1h"):
                    assert due_in() > 3000
                else:
                    wait_for(lambda polls=polls: site.hits.get("/feed.xml", 0) > polls, 60, "a poll")  # type: ignore[misc]
                    wait_for(lambda: _idle(data_dir), 60, "the queues to drain")
                    wait_for(lambda: len(receiver.payloads) >= len(expected_keys()), 60, "the alerts")
                proc.send_signal(sig)
                assert proc.wait(timeout=60) == 0  # a limit against a hang, as above (busy machines are slow)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            assert alert_keys(receiver.payloads) == expected_keys()
            assert running_at(data_dir) is None  # the embedded Redis stopped too
        assert site.hits["/feed.xml"] >= 2
        assert (data_dir / "appendonly.aof").exists() or (data_dir / "appendonlydir").exists()
    finally:
        receiver.stop()


def _idle(data_dir: Path) -> bool:
    url = running_at(data_dir)
    if url is None:
        return False
    from rq.registry import StartedJobRegistry

    from workers.services import Queues

    queues = Queues.on(Redis.from_url(url))
    return all(q.count == 0 and StartedJobRegistry(queue=q).count == 0 for q in queues.all()) and bool(
        Redis.from_url(url).keys("ww:feed:*:seen")  # a feed's window of seen entries: it was polled
    )


def test_version() -> None:
    out = wirewatch("--version")
    assert out.returncode == 0 and out.stdout.startswith("wirewatch, version ")


@pytest.mark.parametrize("before", [True, False])
def test_config_option_works_before_and_after_the_subcommand(tmp_path: Path, before: bool) -> None:
    cfg = write_config(tmp_path, ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"], [])
    args = ["-c", str(cfg), "check"] if before else ["check", "-c", str(cfg)]
    out = wirewatch(*args)
    assert out.returncode == 0, out.stderr
    assert f"{cfg}: ok: 2 feeds" in out.stdout


def test_the_subcommands_config_wins_over_the_groups(tmp_path: Path) -> None:
    good = write_config(tmp_path, [], [])
    out = wirewatch("-c", str(tmp_path / "missing.yaml"), "check", "-c", str(good))
    assert out.returncode == 0, out.stderr


def test_redis_url_wins_over_the_config_file(tmp_path: Path, redis: Redis, redis_url: str) -> None:
    cfg = write_config(tmp_path, [], [])
    cfg.write_text(cfg.read_text() + "redis_url: redis://127.0.0.1:1/0\n")  # nothing listens there
    out = wirewatch("status", "-c", str(cfg), env={**clean_env(), "REDIS_URL": redis_url})
    assert out.stdout.startswith(f"Redis {redis_url}")
    assert out.returncode == 1 and "no worker is running" in out.stderr  # nothing runs against it


def test_json_logs_from_a_worker_one_object_per_line(tmp_path: Path, redis: Redis, redis_url: str) -> None:
    from workers.queueing import enqueue_poll
    from workers.services import Services

    cfg = write_config(tmp_path, ["http://127.0.0.1:9/down.xml"], [], rules=[])
    services = Services(load_config(cfg), redis)
    assert enqueue_poll(services, services.config.feeds) == 1
    env = {**clean_env(), "REDIS_URL": redis_url, "WIREWATCH_LOG_FORMAT": "json"}
    out = wirewatch("worker", "--burst", "-c", str(cfg), "-v", env=env)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stderr.splitlines() if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    [failed] = [r for r in records if "down.xml" in r["message"]]
    assert failed["level"] == "WARNING" and failed["message"].startswith("feed ")
    assert re.search(r"next poll in \d+s \(backoff\)$", failed["message"])


def test_a_killed_run_leaves_no_child_behind(short_tmp: Path, site: LoopbackSite) -> None:
    cfg = write_config(short_tmp, [f"{site.base_url}/feed.xml"], [], rules=[], poll_interval="1h")
    proc = subprocess.Popen([*WIREWATCH, "-c", str(cfg), "run", "--workers", "1"], env=clean_env(), cwd=ROOT)
    try:
        wait_for(lambda: len(_children(proc.pid)) >= 3, 60, "the scheduler, the worker and Redis")
        children = _children(proc.pid)
    finally:
        proc.kill()  # SIGKILL: no handler of the supervisor runs
        proc.wait()
    wait_for(lambda: not any(_alive(pid) for pid in children), 30, "every child to stop")


def test_a_killed_worker_leaves_no_rq_scheduler_behind(short_tmp: Path, redis: Redis, redis_url: str) -> None:
    cfg = write_config(short_tmp, [], [], rules=[])
    env = {**clean_env(), "REDIS_URL": redis_url}
    proc = subprocess.Popen([*WIREWATCH, "-c", str(cfg), "worker"], env=env, cwd=ROOT, start_new_session=True)
    try:
        wait_for(lambda: len(_children(proc.pid)) == 1, 60, "the worker's RQ scheduler")
        [scheduler] = _children(proc.pid)
        proc.kill()  # the worker alone, as the kernel's OOM killer would
        proc.wait()
        wait_for(lambda: not _alive(scheduler), 30, "the orphaned scheduler to stop")
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left, so later tests get the locks
            os.killpg(proc.pid, signal.SIGKILL)


def test_run_starts_a_killed_embedded_redis_again_and_goes_on(
    short_tmp: Path, site: LoopbackSite, whsec: str
) -> None:
    """`wirewatch run` starts its embedded Redis again when it dies (on its AOF); the scheduler
    and the worker ride out the gap, and a story published after it alerts."""
    receiver = WebhookReceiver(whsec).start()
    seeds = load_seeds(ROOT / "seeds")
    site.routes["/live.xml"] = (200, RSS, rss_feed(seeds[2:3], site.base_url))
    feeds = [{"url": f"{site.base_url}/live.xml", "interval": "1s"}]
    cfg = write_config(
        short_tmp, feeds, [webhook_sink(receiver.url, whsec)], rules=ICC_ONLY, min_interval="1s"
    )
    data_dir = short_tmp / "var"
    proc = subprocess.Popen([*WIREWATCH, "-c", str(cfg), "run", "--workers", "1"], env=clean_env(), cwd=ROOT)
    try:
        wait_for(lambda: len(receiver.payloads) == 1, 60, "the first alert")
        wait_for(lambda: _idle(data_dir), 60, "the queues to drain")
        time.sleep(1.5)  # the AOF is fsynced every second: what was written is on disk by now
        [redis_pid] = [
            p for p in _children(proc.pid) if b"redis-server" in Path(f"/proc/{p}/cmdline").read_bytes()
        ]
        os.kill(redis_pid, signal.SIGKILL)
        wait_for(lambda: not _alive(redis_pid), 30, "the embedded Redis to die")
        wait_for(lambda: running_at(data_dir) is not None, 60, "the embedded Redis started again")
        published = rss_feed(seeds[0:1] + seeds[2:3], site.base_url)  # a story now: seed 000, the ICC too
        site.routes["/live.xml"] = (200, RSS, published)
        wait_for(lambda: len(receiver.payloads) >= 2, 90, "the alert of a story published after the restart")
        assert proc.poll() is None  # the supervisor went on
    finally:
        stop_process(proc)
        receiver.stop()
    assert sorted(k for k, _ in alert_keys(receiver.payloads)) == sorted([seeds[0].stem, seeds[2].stem])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_status_and_run_never_print_the_redis_password(tmp_path: Path, short_tmp: Path) -> None:
    cfg = write_config(short_tmp, [], [], rules=[])
    env = {**clean_env(), "REDIS_URL": "redis://:s3cretpass@127.0.0.1:1/0"}  # nothing listens there
    out = wirewatch("status", "-c", str(cfg), env=env, timeout=60)
    assert out.returncode == 1
    assert "s3cretpass" not in out.stdout + out.stderr
    assert "Redis redis://***@127.0.0.1:1/0" in out.stdout and "cannot reach Redis" in out.stderr
    proc = subprocess.Popen(
        [*WIREWATCH, "-c", str(cfg), "run", "--workers", "1"], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    assert "Redis redis://***@127.0.0.1:1/0" in banner
    assert "s3cretpass" not in banner + rest


@pytest.mark.parametrize(
    ("sink", "secret"),
    [
        ({"secret": 123456789012345678}, "123456789012345678"),  # YAML read it as an int
        ({"url": "https://user:hunter2@hooks.example.org:99999/x?token=tok123"}, "hunter2"),
        ({"url": "ftp://hooks.example.org/x?token=tok123"}, "tok123"),
    ],
)
def test_check_never_echoes_a_secret(tmp_path: Path, sink: dict[str, object], secret: str) -> None:
    hook = {"id": "h", "type": "webhook", "url": "https://hooks.example.org/x", "secret": "whsec_" + "A" * 32}
    cfg = write_config(tmp_path, [], [{**hook, **sink}], rules=[])
    out = wirewatch("check", "-c", str(cfg))
    assert out.returncode == 2
    assert "sinks[0]" in out.stderr
    assert secret not in out.stderr + out.stdout


def test_verbose_logs_of_a_delivery_never_show_the_webhooks_token(
    tmp_path: Path, redis: Redis, redis_url: str, site: LoopbackSite, whsec: str
) -> None:
    from workers.queueing import enqueue_poll
    from workers.services import Services

    receiver = WebhookReceiver(whsec).start()
    try:
        sink = webhook_sink(receiver.url + "?token=tok-SECRET-42", whsec)
        cfg = write_config(tmp_path, [f"{site.base_url}/feed.xml"], [sink])
        services = Services(load_config(cfg), redis)
        enqueue_poll(services, services.config.feeds)
        env = {**clean_env(), "REDIS_URL": redis_url}
        out = wirewatch("worker", "--burst", "-c", str(cfg), "-vv", env=env)
    finally:
        receiver.stop()
    assert out.returncode == 0, out.stderr
    assert len(receiver.payloads) == len(expected_keys())  # delivered, and logged at -vv
    assert "delivered to hooks" in out.stderr
    assert "tok-SECRET-42" not in out.stderr + out.stdout


def test_feeds_import_merges_an_opml_file_and_export_writes_one_back(tmp_path: Path) -> None:
    opml = ROOT / "tests" / "fixtures" / "opml"
    (tmp_path / "feeds.yaml").write_text(
        "# the desk's feeds\n- url: https://news.example.org/world/rss.xml\n  name: Example World\n"
    )
    cfg = tmp_path / "wirewatch.yaml"
    cfg.write_text("feeds: feeds.yaml\nrules: []\nsinks: []\n")
    first = wirewatch("-c", str(cfg), "feeds", "import", str(opml / "miniflux.opml"))
    assert first.returncode == 0, first.stderr
    assert "3 feeds added, 1 already there" in first.stdout  # HTTPS://NEWS.EXAMPLE.ORG/... is ours
    again = wirewatch("-c", str(cfg), "feeds", "import", str(opml / "miniflux.opml"))
    assert "0 feeds added, 4 already there" in again.stdout
    latin = wirewatch("-c", str(cfg), "feeds", "import", str(opml / "latin1-reader.opml"))
    assert "2 feeds added" in latin.stdout, latin.stderr
    text = (tmp_path / "feeds.yaml").read_text("utf-8")
    assert text.startswith("# the desk's feeds\n") and "Économie & marchés" in text  # comments stay
    feeds = load_config(cfg).feeds
    assert len(feeds) == 6 and feeds[3].category == "Justice / International"
    exported = wirewatch("-c", str(cfg), "feeds", "export", "-o", str(tmp_path / "out.opml"))
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "other.yaml").write_text("feeds: out.opml\nrules: []\nsinks: []\n")
    back = load_config(tmp_path / "other.yaml").feeds
    assert [(f.url, f.name, f.category) for f in back] == [
        (f.url, f.name or f.url, f.category) for f in feeds
    ]


def test_feeds_export_writes_rss_feeds_and_says_which_of_other_kinds_it_left_out(tmp_path: Path) -> None:
    cfg = tmp_path / "wirewatch.yaml"
    cfg.write_text(
        "rules: []\nsinks: []\nfeeds:\n  - url: https://news.example.org/rss.xml\n"
        "  - {url: https://t.me/kremlinpool_test, type: telegram}\n"
        "  - {url: https://court.example.int/news, type: page}\n"
    )
    out = wirewatch("-c", str(cfg), "feeds", "export")
    assert out.returncode == 0, out.stderr
    assert 'xmlUrl="https://news.example.org/rss.xml"' in out.stdout and "t.me" not in out.stdout
    assert "left out 2 feed(s) of kinds OPML cannot hold (page, telegram): they stay in YAML" in out.stderr
    assert "  telegram: https://t.me/s/kremlinpool_test" in out.stderr


def test_feeds_discover_prints_yaml_to_paste_and_exits_1_on_a_site_with_nothing(
    tmp_path: Path, site: LoopbackSite
) -> None:
    rss = b'<rss version="2.0"><channel><title>Loop World</title><item><link>/a</link></item></channel></rss>'
    site.routes["/"] = (
        200,
        {"Content-Type": "text/html"},
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/world.xml"></head></html>',
    )
    site.routes["/world.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss)
    site.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, b"Sitemap: /no-such-sitemap.xml\n")
    cfg = write_config(tmp_path, feeds=[], sinks=[], rules=[])  # allow_private_networks: loopback
    out = wirewatch("-c", str(cfg), "feeds", "discover", f"{site.base_url}/")
    assert out.returncode == 0, out.stderr
    yaml_lines = f"- url: {site.base_url}/world.xml\n  type: rss\n  name: Loop World\n"
    assert out.stdout == "# rss: Loop World (1 entries now)\n" + yaml_lines
    pasted = tmp_path / "feeds.yaml"
    pasted.write_text(out.stdout, "utf-8")
    (tmp_path / "other.yaml").write_text("feeds: feeds.yaml\nrules: []\nsinks: []\n")
    assert [f.url for f in load_config(tmp_path / "other.yaml").feeds] == [f"{site.base_url}/world.xml"]
    empty = LoopbackSite().start()  # no feed anywhere (the shared site has one at /feed.xml)
    empty.routes["/"] = (200, {"Content-Type": "text/html"}, b"<html><body>nothing here</body></html>")
    try:
        nothing = wirewatch("-c", str(cfg), "feeds", "discover", f"{empty.base_url}/")
    finally:
        empty.stop()
    assert nothing.returncode == 1 and "no feeds, sitemaps or channel found" in nothing.stderr, nothing.stdout


def test_feeds_import_refuses_inline_feeds_and_bad_files(tmp_path: Path) -> None:
    cfg = tmp_path / "wirewatch.yaml"
    cfg.write_text("feeds: [{url: https://news.example.org/a.xml}]\nrules: []\nsinks: []\n")
    opml = ROOT / "tests" / "fixtures" / "opml" / "miniflux.opml"
    inline = wirewatch("-c", str(cfg), "feeds", "import", str(opml))
    assert inline.returncode == 2 and "point `feeds:` at a YAML file" in inline.stderr
    (tmp_path / "feeds.yaml").write_text("- url: https://news.example.org/a.xml\n")
    cfg.write_text("feeds: feeds.yaml\nrules: []\nsinks: []\n")
    (tmp_path / "page.opml").write_text("<html><body>no</body></html>")
    bad = wirewatch("-c", str(cfg), "feeds", "import", str(tmp_path / "page.opml"))
    assert bad.returncode == 2 and "not an OPML subscription list" in bad.stderr
    (tmp_path / "evil.opml").write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline type="rss" text="x" xmlUrl="ftp://news.example.org/f"/></body></opml>'
    )
    refused = wirewatch("-c", str(cfg), "feeds", "import", str(tmp_path / "evil.opml"))
    assert (
        refused.returncode == 2
        and "not an http(s) URL" in refused.stderr
        and "left as it was" in refused.stderr
    )
    assert (tmp_path / "feeds.yaml").read_text() == "- url: https://news.example.org/a.xml\n"


def test_sighup_and_reload_load_a_changed_config_and_keep_the_old_one_when_it_is_bad(
    short_tmp: Path, site: LoopbackSite, whsec: str
) -> None:
    receiver = WebhookReceiver(whsec).start()
    sinks = [webhook_sink(receiver.url, whsec)]
    feed = {"url": f"{site.base_url}/one.xml", "interval": "1s"}
    cfg = write_config(short_tmp, [feed], sinks, rules=[{"id": "none", "query": "zzzunmatched"}])
    proc = subprocess.Popen(
        [*WIREWATCH, "-c", str(cfg), "run", "--workers", "1"], env=clean_env(), cwd=ROOT,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: site.hits.get("/one.xml", 0) >= 1, 60, "a first poll")
        good = cfg.read_text()
        cfg.write_text(good + "colour: blue\n")  # a bad config: SIGHUP keeps the old one running
        proc.send_signal(signal.SIGHUP)
        polls = site.hits["/one.xml"]
        wait_for(lambda: site.hits["/one.xml"] > polls + 1, 60, "polls going on")
        assert proc.poll() is None and receiver.payloads == []
        refused = wirewatch("-c", str(cfg), "reload")
        assert refused.returncode == 2 and "unknown key 'colour'" in refused.stderr
        # The ICC rule and a second feed: new rules apply to the next article, new feeds are polled.
        write_config(short_tmp, [feed, f"{site.base_url}/feed.xml"], sinks, rules=ICC_ONLY)
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: site.hits.get("/feed.xml", 0) >= 1, 60, "the new feed")
        wait_for(lambda: len(receiver.payloads) >= 1, 60, "an alert under the new rule")
        # seed 002 came in /one.xml already (same guid), under the old rule: seed 000 alerts
        assert alert_keys(receiver.payloads) == [("000_11829c16d85d9271", "icc")]
        loaded = wirewatch("-c", str(cfg), "reload")
        assert loaded.returncode == 0 and "config generation 2" in loaded.stdout, loaded.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        receiver.stop()
    assert proc.returncode == 0
    assert re.search(
        r"wirewatch\.yaml:\d+:\d+: colour: unknown key 'colour'", err
    )  # file:line, as check says


def test_run_watch_reloads_when_a_config_file_changes(short_tmp: Path, site: LoopbackSite) -> None:
    from workers.reload import FileWatch

    (short_tmp / "feeds.yaml").write_text(f"- {{url: '{site.base_url}/one.xml', interval: 1s}}\n")
    cfg = short_tmp / "wirewatch.yaml"
    cfg.write_text("data_dir: var\nallow_private_networks: true\nfeeds: feeds.yaml\nrules: []\nsinks: []\n"
                   "defaults: {host_delay: 0s}\n")  # fmt: skip
    watch = FileWatch(cfg)
    assert not watch.changed()
    proc = subprocess.Popen(
        [*WIREWATCH, "-c", str(cfg), "run", "--workers", "1", "--watch"], env=clean_env(), cwd=ROOT
    )
    try:
        wait_for(lambda: site.hits.get("/one.xml", 0) >= 1, 60, "a first poll")
        with (short_tmp / "feeds.yaml").open("a") as feeds:  # the feeds file, not the config itself
            feeds.write(f"- {{url: '{site.base_url}/feed.xml', interval: 1s}}\n")
        assert watch.changed() and not watch.changed()
        wait_for(lambda: site.hits.get("/feed.xml", 0) >= 1, 60, "the new feed, without a signal")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert proc.returncode == 0


def test_the_default_config_is_found_from_any_directory_of_a_clone(tmp_path: Path) -> None:
    from workers.cli.helpers import config_candidates

    out = subprocess.run(
        [*WIREWATCH, "check"], capture_output=True, text=True, timeout=60, cwd=ROOT / "tests" / "fixtures",
        env=clean_env(),
    )  # fmt: skip
    assert out.returncode == 0 and out.stdout.startswith(f"{ROOT / 'config' / 'wirewatch.yaml'}: ok")
    own = tmp_path / "desk"
    (own / "config").mkdir(parents=True)
    (own / "pyproject.toml").write_text("", "utf-8")
    (own / "config" / "wirewatch.yaml").write_text("feeds: []\n", "utf-8")
    (own / "sub").mkdir()
    here = subprocess.run(
        [*WIREWATCH, "check"], capture_output=True, text=True, timeout=60, cwd=own / "sub", env=clean_env()
    )
    assert here.stdout.startswith(f"{own / 'config' / 'wirewatch.yaml'}: ok: 0 feeds"), here.stderr
    places = config_candidates(own / "sub")
    assert places[:2] == [own / "sub" / "config" / "wirewatch.yaml", own / "config" / "wirewatch.yaml"]
    assert places[-1] == ROOT / "config" / "wirewatch.yaml"  # the clone it was installed from


def test_check_prints_warnings_and_still_passes(tmp_path: Path) -> None:
    cfg = tmp_path / "wirewatch.yaml"
    cfg.write_text(
        "feeds:\n  - url: http://127.0.0.1:9/a.xml\nrules:\n  - {id: r, query: Peskov or Kremlin}\n"
    )
    out = wirewatch("-c", str(cfg), "check")
    assert out.returncode == 0 and out.stdout.rstrip().endswith("2 warnings")
    assert "did you mean OR?" in out.stderr and "allow_private_networks is false" in out.stderr


def test_rules_test_with_its_own_rules_file_ignores_a_broken_config_rules_file(tmp_path: Path) -> None:
    (tmp_path / "broken-rules.yaml").write_text("rules:\n  - id: bad\n    query: (unclosed\n", "utf-8")
    cfg = tmp_path / "wirewatch.yaml"
    cfg.write_text("rules: broken-rules.yaml\n", "utf-8")
    mine = tmp_path / "mine.yaml"
    mine.write_text("rules:\n  - id: icc\n    query: '\"International Criminal Court\"'\n", "utf-8")
    assert wirewatch("-c", str(cfg), "check").returncode == 2  # the config's own rules are broken
    out = wirewatch(
        "-c", str(cfg), "rules", "test", "--rules", str(mine), "--seeds", "--seeds-dir", str(ROOT / "seeds")
    )
    assert out.returncode == 0, out.stderr
    assert "[icc]" in out.stdout and out.stderr == ""


def test_rules_test_shows_a_progress_bar_on_a_terminal_for_many_documents(tmp_path: Path) -> None:
    import pty

    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(25):
        (docs / f"{n:02d}.txt").write_text(f"Story {n}\nThe International Criminal Court said {n}.", "utf-8")
    leader, follower = pty.openpty()
    try:
        out = subprocess.run(
            [*WIREWATCH, "rules", "test", str(docs)], stdout=subprocess.PIPE, stderr=follower, text=True,
            timeout=60, cwd=ROOT, env=clean_env(),
        )  # fmt: skip
        os.close(follower)
        follower = -1
        shown = b""
        with contextlib.suppress(OSError):
            while chunk := os.read(leader, 65536):
                shown += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert out.returncode == 0 and out.stdout.count("[icc]") == 25  # the results, as without a bar
    assert b"reading" in shown and b"25/25" in shown
    piped = wirewatch("rules", "test", str(docs))
    assert piped.returncode == 0 and "reading" not in piped.stderr  # not on a pipe


def test_status_exits_1_saying_what_is_wrong_and_0_when_all_is_well(
    tmp_path: Path, redis: Redis, redis_url: str
) -> None:
    from rq import Worker

    from workers.services import Queues
    from workers.store import deliveries as deliveries_store
    from workers.store import feeds as feeds_store
    from workers.store import leader as leader_store

    cfg = write_config(tmp_path, ["http://127.0.0.1:9/down.xml"], [], rules=[], unhealthy_after=1)
    env = {**clean_env(), "REDIS_URL": redis_url}
    feed = load_config(cfg).feeds[0]
    redis.hset(
        feeds_store.feed_key(feed.id), mapping={"errors": 3, "last_poll": 1, "last_error": "HTTP 503 Busy"}
    )
    feeds_store.reindex(redis, [feed.id])  # counted by health, as the scheduler's sync counts it
    about = {"sink": "hooks", "kind": "alert", "item": "a1", "rule": "icc", "title": "T", "url": "u"}
    deliveries_store.note_delivery(redis, "a1-hooks", about, "retrying", 1.0, 3600, error="HTTP 500 oops")
    deliveries_store.note_dead_letter(redis, "a1-hooks", "HTTP 500 Internal Server Error", 2.0, 10**10)
    out = wirewatch("status", "-c", str(cfg), env=env)
    assert out.returncode == 1
    assert (
        "failed delivery a1-hooks to hooks (alert icc, 1 tries): HTTP 500 Internal Server Error" in out.stdout
    )
    assert "unhealthy: HTTP 503 Busy" in out.stdout
    for said in ("no worker is running", "no scheduler leads", "1 feed unhealthy", "1 dead letter waiting"):
        assert said in out.stderr

    feeds_store.forget(redis, [feed.id])
    redis.delete(deliveries_store.FAILED_DELIVERIES)
    redis.set(leader_store.LEADER_KEY, "scheduler-1")
    worker = Worker(Queues.on(redis).all(), connection=redis, name="status-test")
    worker.register_birth()
    try:
        well = wirewatch("status", "-c", str(cfg), env=env)
    finally:
        worker.register_death()
    assert well.returncode == 0, well.stderr
    assert "workers: 1; scheduler: leading" in well.stdout


def test_status_after_run_stopped_reads_a_copy_of_the_embedded_redis(
    short_tmp: Path, site: LoopbackSite
) -> None:
    cfg = write_config(short_tmp, [f"{site.base_url}/one.xml"], [], rules=ICC_ONLY)
    data_dir = short_tmp / "var"
    with EmbeddedRedis(data_dir) as url:  # as `wirewatch run` leaves it: the AOF in data_dir
        Redis.from_url(url).xadd("ww:alerts", {"alert": _an_alert_json()})
    before = sorted((p.name, p.stat().st_size) for p in data_dir.rglob("*") if p.is_file())
    out = wirewatch("-c", str(cfg), "status")
    assert "read from a copy of the embedded Redis's files" in out.stdout
    assert "[icc] The court rules" in out.stdout
    assert out.returncode == 1 and "no worker is running" in out.stderr  # run is stopped: it says so
    after = sorted((p.name, p.stat().st_size) for p in data_dir.rglob("*") if p.is_file())
    assert after == before and running_at(data_dir) is None  # its files untouched, nothing left running


def _an_alert_json() -> str:
    from pipeline.models import Alert, ArticleRef

    return Alert(alert_id="a1", rule_id="icc", rule_title="ICC", article=ArticleRef(
        url="https://e.org/a", title="The court rules", source="E"), matches=(), sinks=(),
        created_at="2026-12-01T10:00:00+00:00").to_json()  # fmt: skip
