"""The rules of the workers of one machine, compiled once per rules generation into a file under
`data_dir/rules/` and read from it by each of them (pipeline.rules.compiled: memory mapped, so
its pages are shared and a worker is ready in a moment instead of filing every rule itself).

    matcher = compiled_matcher(config, loaded.queries)

The file is named by the rules' key (their content and the code's version): the first worker to
need it makes it, under a lock so that the others wait for it rather than make it too, and
writes it whole before renaming it into place. A file that is corrupt or was compiled for other
rules is logged and made again, never read. The newest KEEP files stay (a worker still on the
generation before, a reload back); older ones are removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from pipeline.config import Config, person_variants
from pipeline.rules import Matcher
from pipeline.rules.compiled import Unusable, open_compiled, rules_key, save_compiled
from pipeline.rules.nodes import Node

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: each worker may compile the rules itself
    fcntl = None  # type: ignore[assignment]

__all__ = ["KEEP", "RULES_DIR", "compiled_matcher", "compiled_path"]

log = logging.getLogger("wirewatch.rules")

RULES_DIR = "rules"  # under data_dir
KEEP = 3  # compiled files kept, the most recently used
_SUFFIX = ".rules"
_STRAY_SECONDS = 3600  # a temporary file older than this is a dead compile's


def compiled_path(config: Config, key: str) -> Path:
    return config.data_dir / RULES_DIR / f"{key}{_SUFFIX}"


def compiled_matcher(config: Config, queries: Mapping[str, Node] | None = None) -> Matcher:
    """The config's rules as a matcher, read from this machine's compiled file (made first when
    there is none for these rules). `queries`: the trees the config loader parsed, for making it.
    When the file cannot be written (a read-only data_dir), the matcher made here is used."""
    people = person_variants(config.people)
    key = rules_key(config.rules, config.aliases, people)
    path = compiled_path(config, key)
    with contextlib.suppress(Unusable):
        return _opened(path, key)
    started, matcher = time.perf_counter(), None
    try:
        with _locked(path.parent):
            try:  # another worker may have made it while this one waited for the lock
                return _opened(path, key)
            except Unusable as exc:
                if not exc.missing:
                    log.warning("Compiled rules: %s; compiling them again", exc)
            matcher = Matcher(config.rules, config.aliases, people=people, parsed=queries)
            save_compiled(matcher, path, key)
            _prune(path)
    except OSError as exc:
        log.warning("Compiled rules: cannot write in %s (%s); compiled for this worker", path.parent, exc)
        return (
            matcher
            if matcher is not None
            else Matcher(config.rules, config.aliases, people=people, parsed=queries)
        )
    seconds = time.perf_counter() - started
    log.info("Compiled rules: %d rules compiled in %.1f s into %s", len(config.rules), seconds, path)
    try:
        return _opened(path, key)  # read back as every worker reads it: its pages shared with theirs
    except Unusable as exc:  # gone or spoilt already: this worker keeps the one it made
        log.warning("Compiled rules: %s; compiled for this worker", exc)
        return matcher


def _opened(path: Path, key: str) -> Matcher:
    matcher = open_compiled(path, key)
    with contextlib.suppress(OSError):  # its use, for `_prune`: the least recently used go
        os.utime(path)
    return matcher


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """This machine's lock on compiling rules (between processes and threads alike)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield  # the lock goes with the file's closing


def _prune(kept: Path) -> None:
    """Remove all but the KEEP most recently used compiled files, and dead compiles' leftovers."""
    folder, now = kept.parent, time.time()
    found = []
    for file in folder.iterdir():
        with contextlib.suppress(OSError):
            stat = file.stat()
            if file.suffix == _SUFFIX:
                found.append((stat.st_mtime, file))
            elif file.name.endswith(".tmp") and now - stat.st_mtime > _STRAY_SECONDS:
                file.unlink()
    found.sort(reverse=True)
    for _, file in found[KEEP:]:
        if file != kept:
            with contextlib.suppress(OSError):  # a worker reading it keeps its mapping
                file.unlink()
