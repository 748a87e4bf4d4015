"""Load config/wirewatch.yaml and its rules file into a validated `Config`, or fail with every problem.

    config = load_config("config/wirewatch.yaml")      # raises ConfigError(issues)

Steps: read both YAML files keeping each node's line and column (pipeline.yamlsource),
interpolate ${VAR} / ${VAR:-default}, validate against pipeline.schema, then cross-check
(duplicate ids and feed URLs, unknown sinks in rules, rule queries that do not parse). Every
problem found in any step becomes one ConfigIssue with file, line, column and a key like
`feeds[1].interval`; they are raised together.
"""

from __future__ import annotations

import os
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import ConfigError, ConfigIssue
from .fetch import PRIVATE_REFUSED, names_private_host
from .opml import OpmlError, read_opml
from .redact import SECRET_KEYS, display_url
from .rules import AliasTable, QuerySyntaxError, operator_lookalikes, parse_query
from .rules.nodes import Node
from .schema import Config, FeedConfig, PersonConfig, RuleConfig, RulesFile, StoriesConfig
from .sinks.registry import KINDS
from .sinks.templates import (
    DEFAULT_TEMPLATES,
    SinkTemplates,
    TemplateProblem,
    check_templates,
    load_templates,
)
from .values import DigestConfig, TemplatesConfig
from .yamlsource import Document, KeyPath, format_key, load_yaml

__all__ = ["format_issues", "load_config", "load_rules"]

M = TypeVar("M", bound=BaseModel)
# Where a key's place cannot be told (a sink of an unknown type), any of these models' keys is
# a candidate for "did you mean".
_ALL_MODELS: tuple[type[BaseModel], ...] = (
    Config, FeedConfig, RuleConfig, *(kind.config for kind in KINDS.values()),
    DigestConfig, TemplatesConfig, StoriesConfig, PersonConfig,
)  # fmt: skip
_ALIASES: TypeAdapter[dict[str, list[str]]] = TypeAdapter(dict[str, list[str]])
_PERSON: TypeAdapter[PersonConfig] = TypeAdapter(PersonConfig)


def load_config(path: str | Path, env: Mapping[str, str] | None = None, with_rules: bool = True) -> Config:
    """The validated configuration at `path` (its rules file resolved); ConfigError lists every issue.
    `with_rules=False`: everything but the rules, which are left out unread (`rules test --rules`)."""
    env = os.environ if env is None else env
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
    if isinstance(data.get("feeds"), str):
        feeds_doc, raw_feeds, prefix = _read_feeds_file(data.pop("feeds"), base, doc, env)
        issues += feeds_doc.issues if feeds_doc is not doc else []
        feeds_from_file = [
            feed
            for i, raw in enumerate(raw_feeds)
            if (feed := _validate(FeedConfig, raw, feeds_doc, issues, (*prefix, i))) is not None
        ]
        for n, m, url in _duplicates(raw_feeds, "url"):
            issues.append(feeds_doc.issue((*prefix, n, "url"), f"duplicate feed URL {url!r} (also {m + 1})"))

    config = _validate(Config, data, doc, issues)
    rules = [
        (i, rule)
        for i, raw in enumerate(raw_rules or [])
        if (rule := _validate(RuleConfig, raw, rules_doc, issues, ("rules", i))) is not None
    ]
    aliases: dict[str, list[str]] = {}
    for raw in raw_aliases:
        aliases.update(_aliases_or_empty(raw))  # a bad aliases block is reported by validation
    people: dict[str, list[str]] = {}
    for raw in raw_people:
        people.update(_people_or_empty(raw))
    parsed: dict[str, Node] = {}
    issues += _cross_check(data, doc, rules, rules_doc, aliases, people, parsed)
    if config is not None:
        issues += _check_templates(config, doc, rules, rules_doc, base)

    if issues or config is None:
        files = [doc.file, rules_doc.file]
        issues.sort(key=lambda i: (files.index(i.file) if i.file in files else 2, i.line or 0, i.column or 0))
        raise ConfigError(issues)
    data_dir = Path(os.path.normpath(base.absolute() / config.data_dir.expanduser()))
    loaded = config.model_copy(
        update={
            "rules": [rule for _, rule in rules],
            "aliases": aliases,
            "people": {**config.people, **_people_models(rules_doc)},
            "config_path": Path(os.path.normpath(config_file.absolute())),
            "data_dir": data_dir,
            **({"feeds": feeds_from_file} if feeds_from_file is not None else {}),
        }
    )
    loaded._parsed_queries = parsed
    loaded._warnings = _warnings(loaded, doc, rules, rules_doc)
    return loaded


def load_rules(path: str | Path, env: Mapping[str, str] | None = None) -> RulesFile:
    """A standalone rules file (`rules:` and shared `aliases:`), checked like the config's own.

    Sinks are not checked: there is no config to name them (`wirewatch rules test --rules`).
    """
    env = os.environ if env is None else env
    file = Path(path)
    doc, unreadable = _read(file, env, str(file))
    if unreadable:
        raise ConfigError([ConfigIssue(doc.file, None, None, "", f"cannot read: {unreadable}")])
    issues = doc.issues
    raw_rules = doc.data.get("rules") if isinstance(doc.data, dict) else None
    if isinstance(doc.data, dict):
        _validate(RulesFile, {**doc.data, "rules": []}, doc, issues)
        if not isinstance(raw_rules, list):
            issues.append(doc.issue(("rules",), "must be a list of rules", at_key=True))
            raw_rules = []
    rules = [
        (i, rule)
        for i, raw in enumerate(raw_rules or [])
        if (rule := _validate(RuleConfig, raw, doc, issues, ("rules", i))) is not None
    ]
    aliases = _aliases_or_empty(_get(doc.data, "aliases"))
    people = _people_or_empty(_get(doc.data, "people"))
    for n, m, rule_id in _duplicates([{"id": r.id} for _, r in rules], "id"):
        i, j = rules[n][0], rules[m][0]
        issues.append(doc.issue(("rules", i, "id"), f"duplicate rule id {rule_id!r} (also rules[{j}])"))
    issues += _check_queries(doc, rules, doc, aliases, people, {})
    if issues:
        issues.sort(key=lambda i: (i.line or 0, i.column or 0))
        raise ConfigError(issues)
    return RulesFile(aliases=aliases, people=_people_models(doc), rules=[rule for _, rule in rules])


def format_issues(error: ConfigError) -> str:
    """Every issue (with its context lines) and a count, for the CLI."""
    count = len(error.issues)
    lines = [str(issue) for issue in error.issues]
    lines.append(f"{count} error{'' if count == 1 else 's'} in config")
    return "\n".join(lines)


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
        _validate(RulesFile, {**rules_doc.data, "rules": []}, rules_doc, rules_doc.issues)
        return rules_doc, raw_rules
    _validate(RulesFile, rules_doc.data, rules_doc, rules_doc.issues)
    return rules_doc, None


def _validate(
    model: type[M], data: Any, doc: Document, issues: list[ConfigIssue], prefix: KeyPath = ()
) -> M | None:
    """`model` validated from `data`, or None with an issue for each error, located in `doc`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error["loc"]
            of_key = bool(loc) and loc[-1] == "[key]"  # a mapping's key is wrong, not its value
            path = prefix + _data_path(data, loc[:-1] if of_key else loc)
            if path in doc.reported:
                continue  # already reported while reading the YAML (say, an unset ${VAR})
            kind, value = error["type"], error["input"]
            message = error["msg"].removeprefix("Value error, ")
            if kind == "union_tag_invalid":
                path += ("type",)
                message = f"unknown type {error['ctx']['tag']!r} (expected {error['ctx']['expected_tags']})"
            elif kind in ("missing", "union_tag_not_found"):
                path += ("type",) if kind == "union_tag_not_found" else ()
                message = f"missing required key {path[-1]!r}"
            elif kind in ("model_type", "dict_type", "model_attributes_type"):
                message = "must be a mapping of keys: are they indented under it?"
            elif kind == "extra_forbidden":
                message = f"unknown key {path[-1]!r}" + _did_you_mean(model, path[len(prefix) :])
            elif kind == "string_type" and isinstance(value, bool | int | float):
                shown = "the value" if _secret(path) else repr(value)
                message += f" (YAML read {shown} as {type(value).__name__}: put the value in quotes)"
            elif kind == "string_pattern_mismatch" and not _secret(path):
                message += f" (got {value!r})"
            if of_key:
                message = f"the key: {message[0].lower()}{message[1:]}"
            issues.append(doc.issue(path, message, at_key=of_key or kind == "extra_forbidden"))
        return None


def _did_you_mean(model: type[BaseModel], path: KeyPath) -> str:
    """`; did you mean 'interval'?` when an unknown key is close to a key allowed where it is."""
    import difflib

    here = _keys_at(model, path[:-1])
    allowed = (
        here
        if here is not None
        else sorted({f.alias or n for m in _ALL_MODELS for n, f in m.model_fields.items()})
    )
    close = difflib.get_close_matches(str(path[-1]).lower(), allowed, n=1, cutoff=0.7)
    if close:
        return f"; did you mean {close[0]!r}?"
    under = [k for k in here or [] if path[-1] in (_keys_at(model, (*path[:-1], k)) or [])]
    return f"; is it meant to be under {under[0]!r}? (indent it)" if under else ""


def _keys_at(model: type[BaseModel], path: KeyPath) -> list[str] | None:
    """The keys a mapping at `path` inside `model` may have; None when that cannot be told (a
    sink of an unknown type, say)."""
    import typing

    current: Any = model
    for part in path:
        if isinstance(part, int):
            args = [a for a in typing.get_args(current) if a is not type(None)]
            current = args[0] if args else None
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            current = None
            break
        field = current.model_fields.get(part)
        if field is None:
            current = None
            break
        current = field.annotation
        args = [a for a in typing.get_args(current) if a is not type(None)]
        if typing.get_origin(current) in (typing.Union, types.UnionType) and len(args) == 1:
            current = args[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return None


def _secret(path: KeyPath) -> bool:
    """A key whose value is never echoed in an error (pipeline.redact.SECRET_KEYS)."""
    return bool(path) and str(path[-1]).lower() in SECRET_KEYS


def _data_path(data: Any, loc: tuple[int | str, ...]) -> KeyPath:
    """A pydantic error location as a path into the data (dropping the tags of tagged unions)."""
    path: list[str | int] = []
    for part in loc:
        if isinstance(data, dict) and part not in data and data.get("type") == part:
            continue  # ("sinks", 0, "webhook", "secret"): "webhook" is the union's tag
        path.append(part)
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        data = data[part] if in_list or (isinstance(data, dict) and part in data) else None
    return tuple(path)


def _people_models(doc: Document) -> dict[str, PersonConfig]:
    raw = _get(doc.data, "people")
    if not isinstance(raw, dict):
        return {}
    return {str(k): _PERSON.validate_python(v) for k, v in raw.items()}  # valid: the load went on


def _people_or_empty(raw: Any) -> dict[str, list[str]]:
    """Each person's names and roles; a person that does not validate (reported by the
    validation of the file's top level) is known with none, so a query naming it is told that,
    not that there is no such person."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, list[str]] = {}
    for person_id, entry in raw.items():
        try:
            out[str(person_id)] = _PERSON.validate_python(entry).variants
        except ValidationError:
            out[str(person_id)] = []
    return out


def _aliases_or_empty(raw: Any) -> dict[str, list[str]]:
    try:
        return _ALIASES.validate_python(raw) if raw is not None else {}
    except ValidationError:
        return {}


def _duplicates(items: Any, key: str) -> list[tuple[int, int, Any]]:
    """(index, index of the first, value) for each list item whose `key` repeats an earlier one's."""
    first: dict[Any, int] = {}
    repeats: list[tuple[int, int, Any]] = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        value = item.get(key) if isinstance(item, dict) else None
        if isinstance(value, str):
            if value in first:
                repeats.append((i, first[value], value))
            first.setdefault(value, i)
    return repeats


def _cross_check(
    data: dict[str, Any],
    doc: Document,
    rules: list[tuple[int, RuleConfig]],
    rules_doc: Document,
    aliases: dict[str, list[str]],
    people: dict[str, list[str]],
    parsed: dict[str, Node],
) -> list[ConfigIssue]:
    issues = []
    for i, j, url in _duplicates(data.get("feeds"), "url"):
        issues.append(doc.issue(("feeds", i, "url"), f"duplicate feed URL {url!r} (also feeds[{j}])"))
    for i, j, sink_id in _duplicates(data.get("sinks"), "id"):
        issues.append(doc.issue(("sinks", i, "id"), f"duplicate sink id {sink_id!r} (also sinks[{j}])"))
    rule_dicts = [{"id": rule.id} for _, rule in rules]
    for n, m, rule_id in _duplicates(rule_dicts, "id"):
        i, j = rules[n][0], rules[m][0]
        issues.append(rules_doc.issue(("rules", i, "id"), f"duplicate rule id {rule_id!r} (also rules[{j}])"))

    sinks = data.get("sinks", [])
    known = {s.get("id") for s in sinks if isinstance(s, dict)} if isinstance(sinks, list) else None
    for i, rule in rules:
        for k, sink_id in enumerate(rule.sinks or []):
            if known is not None and sink_id not in known:  # None: `sinks:` itself is reported
                names = ", ".join(sorted(str(s) for s in known if s is not None)) or "none"
                message = f"rule {rule.id}: unknown sink {sink_id!r} (sinks: {names})"
                issues.append(rules_doc.issue(("rules", i, "sinks", k), message))
    notify = data.get("notify_sinks")
    if known is not None and isinstance(notify, list):
        for k, sink_id in enumerate(notify):
            if sink_id not in known:
                names = ", ".join(sorted(str(s) for s in known if s is not None)) or "none"
                issues.append(doc.issue(("notify_sinks", k), f"unknown sink {sink_id!r} (sinks: {names})"))
    issues += _check_queries(doc, rules, rules_doc, aliases, people, parsed)
    return issues


def _check_queries(
    doc: Document,
    rules: list[tuple[int, RuleConfig]],
    rules_doc: Document,
    aliases: dict[str, list[str]],
    people: dict[str, list[str]],
    parsed: dict[str, Node],
) -> list[ConfigIssue]:
    """Alias and person problems (at the key) and query errors (at the very line and column);
    each query that parses goes into `parsed` under its rule id."""
    issues = []
    shared = AliasTable(aliases, people=people)
    aliases_in_rules_file = _aliases_or_empty(_get(rules_doc.data, "aliases"))
    people_in_rules_file = _people_or_empty(_get(rules_doc.data, "people"))
    for problem in shared.problems():
        source = rules_doc if problem.key in aliases_in_rules_file else doc
        issues.append(source.issue(("aliases", problem.key), str(problem), at_key=True))
    for problem in shared.person_problems():
        person_id = problem.key.removeprefix("@")
        source = rules_doc if person_id in people_in_rules_file else doc
        issues.append(
            source.issue(("people", person_id), f"person @{person_id}: {problem.message}", at_key=True)
        )
    for i, rule in rules:
        table = shared.extended(rule.aliases)
        if table is not shared:
            for problem in table.problems():
                path = ("rules", i, "aliases", problem.key)
                issues.append(rules_doc.issue(path, f"rule {rule.id}: {problem}", at_key=True))
        try:
            parsed[rule.id] = parse_query(rule.query, table)
        except QuerySyntaxError as exc:
            caret = "\n".join("    " + line for line in exc.caret().splitlines())
            message = f"rule {rule.id}: {exc.message} (column {exc.column} of the query)"
            at = rules_doc.locate(("rules", i, "query"), exc.column - 1)
            line, column = at if at else (None, None)
            key = format_key(("rules", i, "query"))
            issues.append(ConfigIssue(rules_doc.file, line, column, key, message, caret))
    return issues


def _warnings(
    config: Config, doc: Document, rules: list[tuple[int, RuleConfig]], rules_doc: Document
) -> list[ConfigIssue]:
    """What is valid but almost surely not meant: lowercase operators in a query, feed URLs on
    loopback or private addresses that the address guard will refuse, and what each sink's kind
    warns about (pipeline.sinks.kind: a webhook's or an Apprise service's private address)."""
    found = []
    for i, rule in rules:
        for word, column in operator_lookalikes(rule.query):
            at = rules_doc.locate(("rules", i, "query"), column - 1)
            line, col = at if at else (None, None)
            upper = word.upper()
            found.append(ConfigIssue(
                rules_doc.file, line, col, format_key(("rules", i, "query")),
                f"rule {rule.id}: {word!r} is matched as a word here; did you mean {upper}? "
                "(operators are uppercase)",
            ))  # fmt: skip
    if not config.allow_private_networks:
        for i, feed in enumerate(config.feeds):
            if names_private_host(feed.url):
                found.append(doc.issue(("feeds", i, "url"), f"{display_url(feed.url)} {PRIVATE_REFUSED}"))
    # Each sink kind's own (a webhook's URL, an Apprise URL's service host): kind by kind, in the
    # registry's order, each kind's sinks in the config's.
    for kind in KINDS.values():
        for i, sink in enumerate(config.sinks):
            if isinstance(sink, kind.config):
                for path, message in kind.warnings(sink, config.allow_private_networks):
                    found.append(doc.issue(("sinks", i, *path), message))
    return found


def _check_templates(
    config: Config, doc: Document, rules: list[tuple[int, RuleConfig]], rules_doc: Document, base: Path
) -> list[ConfigIssue]:
    """Each sink's and rule's own templates compiled and rendered with a sample alert."""
    issues = []
    owners = [(doc, ("sinks", i), s.templates) for i, s in enumerate(config.sinks)]
    owners += [(rules_doc, ("rules", i), r.templates) for i, r in rules]
    for where, path, given in owners:
        if given is None:
            continue
        for name, value in given.given().items():
            if not value:
                continue
            try:
                check_templates(load_templates({name: value}, base))
            except TemplateProblem as exc:
                issues.append(where.issue((*path, "templates", name), str(exc)))
    return issues


def sink_templates(config: Config, sink_id: str) -> SinkTemplates:
    """A sink's templates and its rules' own over them (the config was checked: they load)."""
    base = config.config_path.parent if config.config_path is not None else Path.cwd()
    own = config.sink(sink_id).templates
    sink = load_templates(own.given(), base) if own is not None else DEFAULT_TEMPLATES
    rules = {r.id: load_templates(r.templates.given(), base).over(sink) for r in config.rules if r.templates}
    return SinkTemplates(sink, rules)


def _get(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None
