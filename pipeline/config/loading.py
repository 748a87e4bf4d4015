"""Load config/wirewatch.yaml and its rules file into a validated `Config`, or fail with every problem.

    loaded = load("config/wirewatch.yaml")         # Loaded: the config, its parsed queries, warnings
    config = load_config("config/wirewatch.yaml")  # the config alone
    # either raises ConfigError(issues), every problem listed

Steps: read both YAML files keeping each node's line and column (pipeline.yamlsource),
interpolate ${VAR} / ${VAR:-default}, read the feeds file (YAML or OPML) that `feeds:` may name,
validate against the models (.schema), then cross-check (.validation: duplicate ids and feed URLs,
unknown sinks in rules, rule queries that do not parse) and check the templates (.templates).
Every problem found in any step becomes one ConfigIssue with file, line, column and a key like
`feeds[1].interval`; they are raised together. What is valid but suspicious is kept as warnings
(.warnings).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, ConfigIssue
from ..opml import OpmlError, read_opml
from ..rules.nodes import Node
from ..rules.people import Person
from ..yamlsource import Document, KeyPath, load_yaml
from .checked import CheckedRules
from .schema import Config, FeedConfig, RuleConfig, RulesFile
from .templates import template_issues
from .validation import (
    aliases_or_empty,
    check_mutes,
    check_queries,
    cross_check,
    duplicates,
    mapping_value,
    people_models,
    people_or_empty,
    validated,
)
from .warnings import config_warnings


@dataclass(frozen=True)
class Loaded:
    """What loading a config file gives: the config, and what the loader found on the way."""

    config: Config
    # Each rule's parsed query, by rule id, as the loader checked it: the matcher reuses them
    # instead of parsing every query again. Empty when loaded with parse_rules=False from rules
    # a full load had checked already.
    queries: Mapping[str, Node]
    warnings: Sequence[ConfigIssue]  # valid but almost surely not meant: the config loads anyway


def load(
    path: str | Path,
    env: Mapping[str, str] | None = None,
    with_rules: bool = True,
    parse_rules: bool = True,
    mark_checked: bool = False,
) -> Loaded:
    """The validated configuration at `path` (its rules file resolved); ConfigError lists every issue.
    `with_rules=False`: everything but the rules, which are left out unread (`rules test --rules`).
    `parse_rules=False`: for a process that matches no rule (the scheduler): the rules' queries
    are not parsed (nor their aliases and people checked) when a full load on this machine
    checked the very same ones with this very code already (`rules_checked`), as `wirewatch
    run`, `reload` and every worker do before the scheduler loads (pipeline.config.checked);
    else it is a full load. Either way, no check but of the queries is left out.
    `mark_checked`: a full load that passes leaves that mark (the processes that start a
    scheduler or follow the config: `run`, `worker`, a reload); a command that only reads
    (`status`, `check`, `feeds`...) writes nothing under data_dir."""
    with collector_paused():
        return _load(path, os.environ if env is None else env, with_rules, parse_rules, mark_checked)


@contextmanager
def collector_paused() -> Iterator[None]:
    """CPython's cycle collector off while a config loads. A load makes millions of objects that
    all live on (a million feeds: their YAML nodes, dicts, positions and models), and the
    collector, run again and again as they pile up, walked them all each time: two thirds of the
    load of a million feeds. Nothing a load makes is a cycle to collect."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _load(
    path: str | Path, env: Mapping[str, str], with_rules: bool, parse_rules: bool, mark_checked: bool
) -> Loaded:
    config_file = Path(path)
    base = config_file.parent
    doc, unreadable = _read(config_file, env, str(config_file))
    if unreadable:
        raise ConfigError([ConfigIssue(doc.file, None, None, "", f"cannot read: {unreadable}")])
    issues = doc.issues
    if not isinstance(doc.data, dict):
        raise ConfigError(issues)
    data = dict(doc.data)
    if "config_path" in data:  # set by the loader, not by the user
        issues.append(doc.issue(("config_path",), "unknown key 'config_path'", at_key=True))
        del data["config_path"]

    # The rules: inline under `rules:`, or in a file that `rules:` names.
    rules_doc, raw_rules, raw_aliases = doc, data.pop("rules", None), [data.get("aliases")]
    raw_people = [data.get("people")]
    if not with_rules:
        raw_rules = None
    if isinstance(raw_rules, str):
        rules_doc, raw_rules = _read_rules_file(raw_rules, base, doc, env)
        issues += rules_doc.issues
        if isinstance(rules_doc.data, dict):
            raw_aliases.append(rules_doc.data.get("aliases"))
            raw_people.append(rules_doc.data.get("people"))
    elif raw_rules is not None and not isinstance(raw_rules, list):
        issues.append(doc.issue(("rules",), "must be the path of a rules file or a list of rules"))
        raw_rules = None

    # The feeds: inline under `feeds:`, or in a YAML or OPML file that `feeds:` names.
    feeds_from_file: list[FeedConfig] | None = None
    feeds_doc: Document = doc
    raw_feeds: Any = data.get("feeds")
    prefix: KeyPath = ("feeds",)
    if isinstance(data.get("feeds"), str):
        feeds_doc, raw_feeds, prefix = _read_feeds_file(data.pop("feeds"), base, doc, env)
        issues += feeds_doc.issues if feeds_doc is not doc else []
        feeds_from_file = [
            feed
            for i, raw in enumerate(raw_feeds)
            if (feed := validated(FeedConfig, raw, feeds_doc, issues, (*prefix, i))) is not None
        ]
        for n, m, url in duplicates(raw_feeds, "url"):
            issues.append(feeds_doc.issue((*prefix, n, "url"), f"duplicate feed URL {url!r} (also {m + 1})"))

    config = validated(Config, data, doc, issues)
    rules = [
        (i, rule)
        for i, raw in enumerate(raw_rules or [])
        if (rule := validated(RuleConfig, raw, rules_doc, issues, ("rules", i))) is not None
    ]
    aliases: dict[str, list[str]] = {}
    for raw in raw_aliases:
        aliases.update(aliases_or_empty(raw))  # a bad aliases block is reported by validation
    people: dict[str, Person] = {}
    for raw in raw_people:
        people.update(people_or_empty(raw))
    parsed: dict[str, Node] = {}
    data_dir = Path(os.path.normpath(base.absolute() / config.data_dir.expanduser())) if config else None
    checked = CheckedRules.of(data_dir, rules, aliases, people) if data_dir is not None else None
    parse = parse_rules or checked is None or not checked.exists()
    issues += cross_check(data, doc, rules, rules_doc, aliases, people, parsed if parse else None)
    issues += check_mutes(doc, data.get("mute"), feeds_doc, raw_feeds, prefix, aliases, people)
    if config is not None:
        issues += template_issues(config, doc, rules, rules_doc, base)

    if issues or config is None or data_dir is None:
        files = [doc.file, rules_doc.file]
        issues.sort(key=lambda i: (files.index(i.file) if i.file in files else 2, i.line or 0, i.column or 0))
        raise ConfigError(issues)
    if parse and mark_checked and checked is not None:
        checked.mark()
    config = config.model_copy(
        update={
            "rules": [rule for _, rule in rules],
            "aliases": aliases,
            "people": {**config.people, **people_models(rules_doc)},
            "config_path": Path(os.path.normpath(config_file.absolute())),
            "data_dir": data_dir,
            **({"feeds": feeds_from_file} if feeds_from_file is not None else {}),
        }
    )
    return Loaded(config, parsed, config_warnings(config, doc, rules if parse else [], rules_doc))


def load_config(path: str | Path, env: Mapping[str, str] | None = None, with_rules: bool = True) -> Config:
    """The config `load` gives, for the many callers that need nothing else."""
    return load(path, env, with_rules).config


def load_rules(path: str | Path, env: Mapping[str, str] | None = None) -> RulesFile:
    """A standalone rules file (`rules:` and shared `aliases:`), checked like the config's own.

    Sinks are not checked: there is no config to name them (`wirewatch rules test --rules`).
    """
    with collector_paused():
        return _load_rules(path, os.environ if env is None else env)


def _load_rules(path: str | Path, env: Mapping[str, str]) -> RulesFile:
    file = Path(path)
    doc, unreadable = _read(file, env, str(file))
    if unreadable:
        raise ConfigError([ConfigIssue(doc.file, None, None, "", f"cannot read: {unreadable}")])
    issues = doc.issues
    raw_rules = doc.data.get("rules") if isinstance(doc.data, dict) else None
    if isinstance(doc.data, dict):
        validated(RulesFile, {**doc.data, "rules": []}, doc, issues)
        if not isinstance(raw_rules, list):
            issues.append(doc.issue(("rules",), "must be a list of rules", at_key=True))
            raw_rules = []
    rules = [
        (i, rule)
        for i, raw in enumerate(raw_rules or [])
        if (rule := validated(RuleConfig, raw, doc, issues, ("rules", i))) is not None
    ]
    aliases = aliases_or_empty(mapping_value(doc.data, "aliases"))
    people = people_or_empty(mapping_value(doc.data, "people"))
    for n, m, rule_id in duplicates([{"id": r.id} for _, r in rules], "id"):
        i, j = rules[n][0], rules[m][0]
        issues.append(doc.issue(("rules", i, "id"), f"duplicate rule id {rule_id!r} (also rules[{j}])"))
    issues += check_queries(doc, rules, doc, aliases, people, {})
    if issues:
        issues.sort(key=lambda i: (i.line or 0, i.column or 0))
        raise ConfigError(issues)
    return RulesFile(aliases=aliases, people=people_models(doc), rules=[rule for _, rule in rules])


def _read(path: Path, env: Mapping[str, str], display: str) -> tuple[Document, str | None]:
    """The loaded file, and why it could not be read (None when it could)."""
    try:
        doc = load_yaml(path, env, display)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Document(display), reason
    if doc.data is None and not doc.issues:
        doc.issues.append(ConfigIssue(display, 1, 1, "", "the file is empty"))
    elif doc.data is not None and not isinstance(doc.data, dict):
        doc.issues.append(doc.issue((), "the top level must be a mapping of keys to values"))
    return doc, None


def named_files(config_path: Path | str) -> dict[str, Path]:
    """The files the config at `config_path` names by `rules:` and `feeds:` (those it names)."""
    path = Path(config_path)
    try:
        data = load_yaml(path, os.environ, str(path)).data
    except (OSError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        k: path.parent / data[k]
        for k in ("rules", "feeds")
        if isinstance(data.get(k), str) and data[k].strip()
    }


def feeds_file(config: Config) -> Path | None:
    """The file `feeds:` names in the config's own YAML, if it names one."""
    return named_files(config.config_path).get("feeds") if config.config_path is not None else None


def _read_feeds_file(
    name: str, base: Path, doc: Document, env: Mapping[str, str]
) -> tuple[Document, list[Any], KeyPath]:
    """The feeds file's Document, its raw feed entries, and where they sit in it: a YAML list,
    a YAML mapping with `feeds:`, or an OPML file (.opml, .xml)."""
    if not name.strip():
        doc.issues.append(doc.issue(("feeds",), "the feeds file path is empty"))
        return doc, [], ()
    path = base / name
    if path.suffix.lower() in (".opml", ".xml"):
        try:
            return Document(str(path)), read_opml(path.read_bytes(), str(path)), ()
        except OSError as exc:
            doc.issues.append(doc.issue(("feeds",), f"cannot read feeds file {path}: {exc.strerror or exc}"))
        except OpmlError as exc:
            doc.issues.append(ConfigIssue(str(path), None, None, "", str(exc).removeprefix(f"{path}: ")))
        return doc, [], ()
    try:
        feeds_doc = load_yaml(path, env, str(path))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        doc.issues.append(doc.issue(("feeds",), f"cannot read feeds file {path}: {reason}"))
        return doc, [], ()
    data = feeds_doc.data
    if isinstance(data, dict) and isinstance(data.get("feeds"), list):
        return feeds_doc, data["feeds"], ("feeds",)
    if isinstance(data, list):
        return feeds_doc, data, ()
    if not feeds_doc.issues:
        feeds_doc.issues.append(
            ConfigIssue(str(path), 1, 1, "", "must be a list of feeds (or a mapping with feeds:)")
        )
    return feeds_doc, [], ()


def _read_rules_file(name: str, base: Path, doc: Document, env: Mapping[str, str]) -> tuple[Document, Any]:
    """The rules file's Document and its raw `rules:` list (None when unusable)."""
    if not name.strip():
        doc.issues.append(doc.issue(("rules",), "the rules file path is empty"))
        return Document(doc.file), None
    path = base / name
    rules_doc, unreadable = _read(path, env, str(path))
    if unreadable:  # said where the config names the file
        doc.issues.append(doc.issue(("rules",), f"cannot read rules file {path}: {unreadable}"))
        return rules_doc, None
    if not isinstance(rules_doc.data, dict):
        return rules_doc, None
    raw_rules = rules_doc.data.get("rules")
    if isinstance(raw_rules, list):  # each rule is validated on its own, so checks go on past a bad one
        validated(RulesFile, {**rules_doc.data, "rules": []}, rules_doc, rules_doc.issues)
        return rules_doc, raw_rules
    validated(RulesFile, rules_doc.data, rules_doc, rules_doc.issues)
    return rules_doc, None
