"""The config's own message templates (pipeline.sinks.templates renders them): each sink's and
each rule's, checked as the config loads (compiled and rendered with a sample alert), and put
together at run time into the templates a sink sends with. Template files are paths relative to
the config file."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigIssue
from ..sinks.templates import (
    DEFAULT_TEMPLATES,
    SinkTemplates,
    TemplateProblem,
    check_templates,
    load_templates,
)
from ..yamlsource import Document
from .schema import Config, RuleConfig


def template_issues(
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
