"""Pydantic's validation errors as ConfigIssues located in the YAML (file, line, column and a
key like `feeds[1].interval`, with "did you mean" for a misspelt key), and the checks across the
whole config that no single model can make: duplicate feed URLs and sink and rule ids, rules and
notify_sinks naming unknown sinks, alias and person problems, and rule queries that do not parse.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import ConfigError, ConfigIssue
from ..redact import SECRET_KEYS
from ..rules import AliasTable, QuerySyntaxError, parse_query
from ..rules.nodes import Node
from ..rules.parser import parse_condition
from ..rules.people import Person
from ..sinks.registry import KINDS
from ..values import DigestConfig, TemplatesConfig
from ..yamlsource import Document, KeyPath, format_key
from .schema import AliasVariants, Config, FeedConfig, PersonConfig, RuleConfig, StoriesConfig

M = TypeVar("M", bound=BaseModel)
# Where a key's place cannot be told (a sink of an unknown type), any of these models' keys is
# a candidate for "did you mean".
_ALL_MODELS: tuple[type[BaseModel], ...] = (
    Config, FeedConfig, RuleConfig, *(kind.config for kind in KINDS.values()),
    DigestConfig, TemplatesConfig, StoriesConfig, PersonConfig,
)  # fmt: skip
_ALIASES: TypeAdapter[dict[str, list[str]]] = TypeAdapter(dict[str, AliasVariants])
_PERSON: TypeAdapter[PersonConfig] = TypeAdapter(PersonConfig)


def format_issues(error: ConfigError) -> str:
    """Every issue (with its context lines) and a count, for the CLI."""
    count = len(error.issues)
    lines = [str(issue) for issue in error.issues]
    lines.append(f"{count} error{'' if count == 1 else 's'} in config")
    return "\n".join(lines)


def validated(
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


def people_models(doc: Document) -> dict[str, PersonConfig]:
    """The `people:` of `doc` as models."""
    raw = mapping_value(doc.data, "people")
    if not isinstance(raw, dict):
        return {}
    return {str(k): _PERSON.validate_python(v) for k, v in raw.items()}  # valid: the load went on


def people_or_empty(raw: Any) -> dict[str, Person]:
    """Each person's names and roles; a person that does not validate (reported by the
    validation of the file's top level) is known with none, so a query naming it is told that,
    not that there is no such person."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, Person] = {}
    for person_id, entry in raw.items():
        try:
            out[str(person_id)] = _PERSON.validate_python(entry).spec()
        except ValidationError:
            out[str(person_id)] = Person()
    return out


def aliases_or_empty(raw: Any) -> dict[str, list[str]]:
    """The aliases; none when they do not validate (reported by the validation of the file)."""
    try:
        return _ALIASES.validate_python(raw) if raw is not None else {}
    except ValidationError:
        return {}


def duplicates(items: Any, key: str) -> list[tuple[int, int, Any]]:
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


def cross_check(
    data: dict[str, Any],
    doc: Document,
    rules: list[tuple[int, RuleConfig]],
    rules_doc: Document,
    aliases: dict[str, list[str]],
    people: dict[str, Person],
    parsed: dict[str, Node] | None,
) -> list[ConfigIssue]:
    """Duplicate feed URLs, sink ids and rule ids, unknown sinks named by rules and notify_sinks,
    and what check_queries finds (unless `parsed` is None: the queries were checked already)."""
    issues = []
    for i, j, url in duplicates(data.get("feeds"), "url"):
        issues.append(doc.issue(("feeds", i, "url"), f"duplicate feed URL {url!r} (also feeds[{j}])"))
    for i, j, sink_id in duplicates(data.get("sinks"), "id"):
        issues.append(doc.issue(("sinks", i, "id"), f"duplicate sink id {sink_id!r} (also sinks[{j}])"))
    rule_dicts = [{"id": rule.id} for _, rule in rules]
    for n, m, rule_id in duplicates(rule_dicts, "id"):
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
    if parsed is not None:
        issues += check_queries(doc, rules, rules_doc, aliases, people, parsed)
    return issues


def check_queries(
    doc: Document,
    rules: list[tuple[int, RuleConfig]],
    rules_doc: Document,
    aliases: dict[str, list[str]],
    people: dict[str, Person],
    parsed: dict[str, Node],
) -> list[ConfigIssue]:
    """Alias and person problems (at the key) and query errors (at the very line and column);
    each query that parses goes into `parsed` under its rule id."""
    issues = []
    shared = AliasTable(aliases, people=people)
    aliases_in_rules_file = aliases_or_empty(mapping_value(rules_doc.data, "aliases"))
    people_in_rules_file = people_or_empty(mapping_value(rules_doc.data, "people"))
    for problem in shared.problems():
        source = rules_doc if problem.key in aliases_in_rules_file else doc
        issues.append(source.issue(("aliases", problem.key), str(problem), at_key=True))
    for problem in shared.person_problems():
        person_id = problem.key.removeprefix("@")
        source = rules_doc if person_id in people_in_rules_file else doc
        issues.append(
            source.issue(("people", person_id), f"person @{person_id}: {problem.message}", at_key=True)
        )
    for person_id, spec in people.items():
        source = rules_doc if person_id in people_in_rules_file else doc
        for key in ("context", "namesakes"):
            written = getattr(spec, key)
            if written is None:
                continue
            try:
                parse_condition(written, shared)
            except QuerySyntaxError as exc:
                issues.append(
                    _query_issue(source, ("people", person_id, key), f"person @{person_id}: {key}", exc)
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
            issues.append(_query_issue(rules_doc, ("rules", i, "query"), f"rule {rule.id}", exc))
    return issues


def check_mutes(
    doc: Document,
    raw_mute: Any,
    feeds_doc: Document,
    raw_feeds: Any,
    feeds_at: KeyPath,
    aliases: dict[str, list[str]],
    people: dict[str, Person],
) -> list[ConfigIssue]:
    """The mutes' queries (`mute:`, and each feed's `mute:`) that do not parse, at the very line
    and column, with the shared aliases and people; and mute ids given twice."""
    issues: list[ConfigIssue] = []
    shared = AliasTable(aliases, people=people)

    def parse(query: Any, source: Document, path: KeyPath, who: str) -> None:
        if isinstance(query, str) and query:  # else: the model's validation says what is wrong
            try:
                parse_query(query, shared)
            except QuerySyntaxError as exc:
                issues.append(_query_issue(source, path, who, exc))

    if isinstance(raw_mute, str):
        parse(raw_mute, doc, ("mute",), "mute")
    elif isinstance(raw_mute, list):
        for i, item in enumerate(raw_mute):
            if isinstance(item, dict):
                parse(item.get("query"), doc, ("mute", i, "query"), f"mute {item.get('id')!r}")
            else:
                parse(item, doc, ("mute", i), f"mute {f'mute-{i + 1}'!r}")
        named = [item for item in raw_mute if isinstance(item, dict)]
        for n, m, mute_id in duplicates(named, "id"):
            i, j = raw_mute.index(named[n]), raw_mute.index(named[m])
            issues.append(doc.issue(("mute", i, "id"), f"duplicate mute id {mute_id!r} (also mute[{j}])"))
    if isinstance(raw_feeds, list):
        for i, feed in enumerate(raw_feeds):
            if isinstance(feed, dict):
                parse(feed.get("mute"), feeds_doc, (*feeds_at, i, "mute"), f"feed {feed.get('url')}")
    return issues


def _query_issue(source: Document, path: KeyPath, who: str, exc: QuerySyntaxError) -> ConfigIssue:
    """A query that does not parse, at the very line and column of the YAML value, with a caret."""
    caret = "\n".join("    " + line for line in exc.caret().splitlines())
    message = f"{who}: {exc.message} (column {exc.column} of the query)"
    at = source.locate(path, exc.column - 1)
    line, column = at if at else (None, None)
    return ConfigIssue(source.file, line, column, format_key(path), message, caret)


def mapping_value(data: Any, key: str) -> Any:
    """`data[key]` when `data` is a mapping (None when it is not, or has no such key)."""
    return data.get(key) if isinstance(data, dict) else None
