"""Rules a full load checked, marked under data_dir so that a process that matches no rule (the
scheduler) need not parse every query again: `load(..., parse_rules=False)`.

    <data_dir>/checked-rules/<digest>   holds its own digest

The digest is of the rules' key (`rules_key`, as a compiled rules file is named: every rule's id,
title, query and aliases, the shared aliases and people, and the code of pipeline/rules) and of
the config's validation code: a changed rule, alias or person, or an upgrade, is another digest,
so a mark is never taken for rules it was not made for. A full load that passed leaves its mark (when
data_dir exists: checking a config elsewhere leaves nothing behind); the newest KEPT marks stay.
A mark that does not hold its digest (a write cut short) is no mark.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..rules.compiled import rules_key
from ..rules.people import Person
from .schema import RuleConfig

CHECKED_DIR = "checked-rules"
KEPT = 20  # marks kept: the rules of the last few reloads
_VALIDATION = Path(__file__).resolve().parent / "validation.py"


@functools.cache
def _validation_stamp() -> bytes:
    """A digest of the config's check of queries (read once a process). The rules, aliases,
    people and pipeline/rules's code are in `rules_key`, the key of a compiled rules file."""
    return hashlib.sha256(_VALIDATION.read_bytes()).digest()


@dataclass(frozen=True)
class CheckedRules:
    """The mark of one set of rules, checked or not yet."""

    path: Path
    digest: str

    @classmethod
    def of(
        cls,
        data_dir: Path,
        rules: Sequence[tuple[int, RuleConfig]],
        aliases: dict[str, list[str]],
        people: dict[str, Person],
    ) -> CheckedRules:
        key = rules_key([rule for _, rule in rules], aliases, people)
        hex_digest = hashlib.sha256(_validation_stamp() + bytes.fromhex(key)).hexdigest()
        return cls(data_dir / CHECKED_DIR / hex_digest, hex_digest)

    def exists(self) -> bool:
        try:
            return self.path.read_text("ascii") == self.digest
        except (OSError, UnicodeDecodeError):
            return False

    def mark(self) -> None:
        """Leave the mark (written whole or not at all), and drop all but the newest KEPT. Best
        effort: without it, the next load parses the queries, as it did before."""
        if not self.path.parent.parent.is_dir():
            return
        try:
            self.path.parent.mkdir(exist_ok=True)
            partial = self.path.with_name(f".{self.digest}.{os.getpid()}")
            partial.write_text(self.digest, "ascii")
            os.replace(partial, self.path)
            marks = sorted(self.path.parent.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in marks[KEPT:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass
