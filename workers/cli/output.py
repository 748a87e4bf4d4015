"""How the commands show rule hits to people, shared by `demo` and `rules test`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from pipeline.models import Match, RuleHit
from pipeline.plaintext import one_line
from pipeline.sinks.render import highlight, statement_line


def seeds_dir(config_path: str, given: str | None) -> Path:
    candidates = [Path(given)] if given else [Path("seeds"), Path(config_path).parent.parent / "seeds"]
    for c in candidates:
        if c.is_dir():
            return c
    raise click.UsageError(
        f"no seeds directory (looked in {', '.join(map(str, candidates))}); use --seeds-dir"
    )


def _marked(snippet: str, spans: tuple[tuple[int, int], ...], color: bool) -> str:
    before, after = ("\x1b[1;33m", "\x1b[0m") if color else ("**", "**")
    return highlight(one_line(snippet), spans, before, after) if snippet else ""


def hit_lines(hit: RuleHit, color: bool, indent: str = "  ", header: bool = True) -> Iterator[str]:
    """A rule hit for people: per field, each hit (as written, which query part, where), the snippet."""
    if header:
        yield f"{indent}[{hit.rule_id}] {hit.rule_title}"
    for m in hit.matches:
        yield f"{indent}  {m.field}: {', '.join(one_line(t) for t in m.terms)}"
        for query, found in _by_query(m).items():
            places = ", ".join(f"{one_line(text)}@{start}-{end}" for text, start, end in found[:8])
            more = f" (+{len(found) - 8} more)" if len(found) > 8 else ""
            yield f"{indent}    {one_line(query)}: {places}{more}"
        if m.snippet:
            yield f"{indent}    {_marked(m.snippet, m.highlights, color)}"
        if m.statement is not None:
            yield f"{indent}    statement: {statement_line(m.statement)}"


def _by_query(match: Match) -> dict[str, list[tuple[str, int, int]]]:
    grouped: dict[str, list[tuple[str, int, int]]] = {}
    for h in match.hits:
        grouped.setdefault(h.query, []).append((h.text, h.start, h.end))
    return grouped
