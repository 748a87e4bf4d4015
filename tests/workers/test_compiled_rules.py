"""The compiled rules of a machine's workers (workers.compiled_rules): made once under data_dir,
read by every worker after; a corrupt or stale file is made again, never read."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from redis import Redis

from pipeline.config import load_config
from pipeline.rules import Document
from pipeline.rules.compiled import rules_key
from workers.compiled_rules import KEEP, RULES_DIR, compiled_matcher

from .helpers import runtime, write_config

PESKOV = [{"id": "peskov", "title": "Peskov", "query": "Peskov NEAR/5 said"}]
NAVALNY = [{"id": "navalny", "query": "Navaln* OR Навальн*"}]
DOC = Document(title="", text="Peskov said Navalny was right")


def compiles(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if " compiled in " in r.getMessage()]


def files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "var" / RULES_DIR).glob("*.rules"))


def test_the_workers_of_a_machine_compile_the_rules_once_and_read_them_after(
    tmp_path: Path, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "wirewatch.rules")
    cfg = write_config(tmp_path, [], [], rules=PESKOV)
    first, second = runtime(cfg, redis), runtime(cfg, redis)
    assert len(compiles(caplog)) == 1
    (path,) = files(tmp_path)
    config = load_config(cfg)
    assert path.name == f"{rules_key(config.rules, config.aliases, {})}.rules"
    assert first.matcher.match_ids(DOC) == second.matcher.match_ids(DOC) == ["peskov"]
    for ctx in (first, second):
        ctx.close()


def test_workers_starting_together_compile_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "wirewatch.rules")
    config = load_config(write_config(tmp_path, [], [], rules=PESKOV))
    found: list[list[str]] = []

    def worker() -> None:
        found.append(compiled_matcher(config).match_ids(DOC))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert found == [["peskov"]] * 4
    assert len(compiles(caplog)) == 1


def test_a_corrupt_file_is_compiled_again_not_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "wirewatch.rules")
    config = load_config(write_config(tmp_path, [], [], rules=PESKOV))
    compiled_matcher(config)
    (path,) = files(tmp_path)
    image = bytearray(path.read_bytes())
    image[len(image) // 2] ^= 0xFF
    path.write_bytes(bytes(image))
    assert compiled_matcher(config).match_ids(DOC) == ["peskov"]
    assert any("corrupt" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert len(compiles(caplog)) == 2
    assert compiled_matcher(config).match_ids(DOC) == ["peskov"]  # the file made again is read
    assert len(compiles(caplog)) == 2


def test_a_file_compiled_for_other_rules_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "wirewatch.rules")
    peskov = load_config(write_config(tmp_path, [], [], rules=PESKOV))
    compiled_matcher(peskov)
    navalny = load_config(write_config(tmp_path, [], [], rules=NAVALNY))
    (path,) = files(tmp_path)
    # The Peskov rules' file where the Navalny rules' file belongs (copied, say, or a bad key).
    path.rename(path.with_name(f"{rules_key(navalny.rules, navalny.aliases, {})}.rules"))
    assert compiled_matcher(navalny).match_ids(DOC) == ["navalny"]
    assert any("compiled for other rules" in r.getMessage() for r in caplog.records)
    assert len(compiles(caplog)) == 2


def test_changed_rules_get_a_file_of_their_own_and_old_files_go(tmp_path: Path) -> None:
    made = []
    for n in range(KEEP + 2):
        config = load_config(write_config(tmp_path, [], [], rules=[{"id": f"r{n}", "query": f"word{n}"}]))
        assert compiled_matcher(config).match_ids(Document(title="", text=f"word{n}")) == [f"r{n}"]
        made.append(rules_key(config.rules, config.aliases, {}))
    assert [p.stem for p in files(tmp_path)] == sorted(made[-KEEP:])


def test_a_worker_that_cannot_write_the_file_compiles_for_itself(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(write_config(tmp_path, [], [], rules=PESKOV))
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / RULES_DIR).write_text("not a directory")
    assert compiled_matcher(config).match_ids(DOC) == ["peskov"]
    assert any("cannot write" in r.getMessage() for r in caplog.records)
