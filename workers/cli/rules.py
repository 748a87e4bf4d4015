"""`wirewatch rules test`: the rules over files, URLs or the seeds, and why each matched."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

import click

from pipeline.alerts import article_document
from pipeline.config import Config, load_config, load_rules, person_variants
from pipeline.errors import WirewatchError
from pipeline.extract import extract_text
from pipeline.fetch import Fetcher
from pipeline.models import Article
from pipeline.mutes import Mutes
from pipeline.plaintext import one_line
from pipeline.rules import AliasTable, Document, Matcher, tree
from pipeline.rules import explain as explain_node
from pipeline.rules.highlight import statement_ref
from pipeline.rules.parallel import build_processes, parse_in_helpers
from pipeline.rules.why import (
    Absent,
    Apart,
    Excluded,
    Explanation,
    FoundStatement,
    Mentioned,
    Miss,
    Names,
    NamesDidNotCount,
    NoneOf,
    Nothing,
    OtherSpeakers,
    Part,
    Present,
    QuoteMissed,
    Resolved,
    RuleWhy,
    StatementMatch,
    WhyNot,
    has_statements,
)
from pipeline.sinks.render import statement_line

from ..history import History, history_url_for
from ..history import feedback as feedback_rows
from ..rates import RuleRate, rule_rates, sparkline
from .helpers import CliState, load_or_exit, loaded_or_exit, or_exit, shared_options
from .output import hit_lines, seeds_dir


def _quiet_extraction() -> None:
    """One line per document, not trafilatura's and dateutil's own warnings about each page."""
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="dateutil")
    warnings.filterwarnings("ignore", module="trafilatura")


def _article(url: str, title: str, text: str, language: str | None = None) -> Article:
    """A document as the article job would see it (no feed: the source is the URL's host)."""
    return Article(url=url, title=title, text=text, source="", language=language)


PROGRESS_FROM = 20  # documents: more than this on a terminal, and a progress bar shows on stderr


def _sources(paths: tuple[str, ...], seeds: Path | None) -> list[str | Path]:
    """The URLs and files to read: each path given, directories by their .txt and .html files."""
    items: list[str] = list(paths)
    if seeds is not None:
        items += [str(p) for p in sorted(seeds.glob("*.txt"))]
    out: list[str | Path] = []
    for item in items:
        if item.startswith(("http://", "https://")):
            out.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.suffix in (".txt", ".html", ".htm"))
        else:
            out.append(path)
    return out


def _document(source: str | Path, fetcher: Fetcher | None, max_page_bytes: int) -> Document | None:
    """One source as the rules see it; None (said on stderr) when it cannot be read."""
    if isinstance(source, str):
        assert fetcher is not None
        try:
            page = fetcher.get(source, max_bytes=max_page_bytes, accept="text/html, */*;q=0.5")
        except WirewatchError as exc:
            click.echo(f"{source}: {exc}", err=True)
            return None
        found = extract_text(page.content, page.url)
        return article_document(_article(page.url, found.title, found.text, found.language))
    try:
        raw = source.read_bytes()
    except OSError as exc:
        click.echo(f"{source}: {exc.strerror}", err=True)
        return None
    uri = source.resolve().as_uri()
    if source.suffix in (".html", ".htm"):
        found = extract_text(raw, uri)
        return article_document(_article(uri, found.title, found.text, found.language))
    text = raw.decode("utf-8", "replace")
    title = text.strip().splitlines()[0] if text.strip() else ""
    return article_document(_article(uri, title, text))


@click.group()
def rules() -> None:
    """Work with watch rules."""


@rules.command("stats")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per rule, in a list")
@click.option(
    "--rates", is_flag=True, help="each rule's stories an hour over the last day against its baseline"
)
@shared_options(top=False)
@click.pass_obj
def rules_stats(state: CliState, as_json: bool, rates: bool) -> None:
    """Each rule's alerts, the readers' feedback on them (relevant or not: the latest word on
    each alert) and its precision, over the last 7 and 30 days (as the web app's rules table),
    then its stories an hour over the last 24 hours against its usual count an hour (the
    baseline spike notices compare with); --rates: the latter alone."""
    cfg = load_or_exit(state.config_path)
    history = History(history_url_for(cfg.history_url, cfg.data_dir))  # no Redis needed
    now = time.time()
    if rates:
        _rates(cfg, history, now, as_json)
        return
    spans = {days: feedback_rows.stats(history, now - days * 86400) for days in (7, 30)}
    ids = [r.id for r in cfg.rules] + sorted(set(spans[30]) - {r.id for r in cfg.rules})
    empty = feedback_rows.RuleStats(0, 0, 0)
    table = {rule_id: {days: got.get(rule_id, empty) for days, got in spans.items()} for rule_id in ids}
    if as_json:
        found = rule_rates(history, [r.id for r in cfg.rules], cfg.spike_rules, now)
        rows = [
            {
                "rule": rule_id,
                **{f"{days}d": {**s._asdict(), "precision": s.precision} for days, s in by.items()},
                **({"last_24h": _rate_json(cfg, found[rule_id])} if rule_id in found else {}),
            }
            for rule_id, by in table.items()
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    head = "ALERTS  YES   NO  PRECISION"
    click.echo(f"{'RULE':<28} {'7 DAYS: ' + head:<44} 30 DAYS: {head}")
    for rule_id, by in table.items():
        cells = []
        for s in by.values():
            precision = f"{s.precision:.0%}" if s.precision is not None else "-"
            cells.append(f"{s.alerts:>14,} {s.relevant:>4} {s.not_relevant:>4} {precision:>10}")
        click.echo(f"{rule_id[:28]:<28} {cells[0]:<44} {cells[1]}")
    click.echo("")
    _rates(cfg, history, now, as_json=False)


@rules.command("test")
@click.argument("targets", nargs=-1)
@click.option("--seeds", "use_seeds", is_flag=True, help="also run over seeds/*.txt")
@click.option("--seeds-dir", "seeds_from", default=None, help="where the seeds are (default: ./seeds)")
@click.option("--rules", "rules_file", default=None, help="run this rules file instead of the config's rules")
@click.option(
    "--explain",
    is_flag=True,
    help="print each rule's parsed query tree first, and for a statement rule the statement that"
    " matched and whom its speaker was taken for",
)
@click.option(
    "--why-not",
    "why_not",
    multiple=True,
    metavar="RULE",
    help="for each document this rule does not match, the nearest thing found (repeatable)",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per document")
@shared_options(top=False)
@click.pass_obj
def rules_test(
    state: CliState,
    targets: tuple[str, ...],
    use_seeds: bool,
    seeds_from: str | None,
    rules_file: str | None,
    explain: bool,
    why_not: tuple[str, ...],
    as_json: bool,
) -> None:
    """Run the rules over files, directories, URLs or the seeds and show why each matched
    (--explain: which statement, and whom its speaker was taken for) or, with --why-not RULE,
    why that rule did not.

    No Redis needed. Exit 0 when done (matches or not), 2 for a bad config or rules file.
    """
    if not targets and not use_seeds and not explain:
        raise click.UsageError("give files, directories or URLs, or --seeds (or --explain)")
    config_path = state.config_path
    _quiet_extraction()
    cfg = None
    parsed = None  # the queries as the config loader parsed them: not parsed again
    if rules_file is None:
        config_loaded = loaded_or_exit(config_path)
        cfg, parsed = config_loaded.config, config_loaded.queries
    elif targets or use_seeds:  # its settings (fetching, sizes), not its rules: they may be broken
        cfg = or_exit(lambda: load_config(config_path, with_rules=False))
    if rules_file is not None:
        loaded = or_exit(lambda: load_rules(rules_file))
        rule_list, aliases, people = loaded.rules, loaded.aliases, loaded.people
    else:
        assert cfg is not None
        rule_list, aliases, people = cfg.rules, cfg.aliases, cfg.people
    variants = person_variants(people)
    if parsed is not None:  # the config loader parsed its rules
        matcher = Matcher(rule_list, aliases, people=variants, parsed=parsed)
    else:
        processes = build_processes(len(rule_list))  # many rules: parsed in helper processes too
        with parse_in_helpers(rule_list, aliases, people=variants, processes=processes) as helped:
            matcher = Matcher(rule_list, aliases, people=variants, parsed=helped)
    known = [r.rule_id for r in matcher.rules]
    for wanted in why_not:
        if wanted not in known:
            raise click.BadParameter(
                f"no rule {wanted!r} (rules: {', '.join(known)})", param_hint="--why-not"
            )
    if explain:
        for rule in matcher.rules:
            if as_json:
                click.echo(
                    json.dumps({"rule": rule.rule_id, "query": explain_node(rule.node)}, ensure_ascii=False)
                )
                continue
            click.echo(f"[{rule.rule_id}] {rule.title}")
            for line in tree(rule.node, "  "):
                click.echo(line)
    if not targets and not use_seeds:
        return
    assert cfg is not None
    fetcher = None
    if any(t.startswith(("http://", "https://")) for t in targets):
        fetcher = Fetcher(cfg.defaults.user_agent, cfg.defaults.fetch_timeout, cfg.allow_private_networks)
    seeds = seeds_dir(config_path, seeds_from) if use_seeds else None
    color = sys.stdout.isatty() and not as_json and not os.environ.get("NO_COLOR")
    sources = _sources(targets, seeds)
    bar = sys.stderr.isatty() and len(sources) > PROGRESS_FROM
    shown: Iterable[str | Path] = sources
    with contextlib.ExitStack() as stack:
        if bar:
            shown = stack.enter_context(
                click.progressbar(sources, file=sys.stderr, label="reading", show_pos=True)
            )
        table = AliasTable(aliases, people=variants)  # the shared one: a person means the same everywhere
        whys = _Whys.of(matcher, table, explain, why_not)
        mutes = Mutes.of(cfg)
        total, muted = _report(
            shown, matcher, mutes, fetcher, cfg.defaults.max_page_bytes, as_json, color, whys
        )
    if not as_json:
        click.echo(
            f"{total} matches" + (f" ({muted} more in muted documents, which alert no rule)" if muted else "")
        )


@dataclass(frozen=True)
class _Whys:
    """The rules to explain: the statement rules (--explain) and the --why-not ones."""

    explain: dict[str, RuleWhy]
    why_not: dict[str, RuleWhy]

    @classmethod
    def of(cls, matcher: Matcher, table: AliasTable, explain: bool, why_not: Sequence[str]) -> _Whys:
        wanted = [r for r in matcher.rules if r.rule_id in why_not or (explain and has_statements(r.node))]
        made = {r.rule_id: RuleWhy(r.node, table) for r in wanted}
        return cls(
            {k: w for k, w in made.items() if explain and has_statements(w.tree)},
            {k: made[k] for k in dict.fromkeys(why_not)},
        )


def _report(
    sources: Iterable[str | Path], matcher: Matcher, mutes: Mutes, fetcher: Fetcher | None,
    max_page_bytes: int, as_json: bool, color: bool, whys: _Whys,
) -> tuple[int, int]:  # fmt: skip
    """Each document's matches (and the mute that takes it, if one does: then none of them
    alerts), as text or JSON lines; how many matches in all, and how many of them muted."""
    total = muted_total = 0
    for source in sources:
        doc = _document(source, fetcher, max_page_bytes)
        if doc is None:
            continue
        name = str(source)
        hits = matcher.match(doc)
        muted = mutes.muted_by(doc) if mutes else None
        if muted is None:
            total += len(hits)
        else:
            muted_total += len(hits)
        matched = {h.rule_id for h in hits}
        explained = {k: w.explain(doc) for k, w in whys.explain.items() if k in matched}
        missed = {k: w.why_not(doc) for k, w in whys.why_not.items() if k not in matched}
        if as_json:
            record: dict[str, object] = {
                "document": name,
                "title": doc.title,
                "matches": [h.model_dump(mode="json") for h in hits],
                "muted_by": muted.to_json() if muted is not None else None,
            }
            if whys.explain:
                record["statements"] = {k: dataclasses.asdict(e) for k, e in explained.items()}
            if whys.why_not:
                record["why_not"] = {k: dataclasses.asdict(w) for k, w in missed.items()}
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        click.echo(f"{name}: {one_line(doc.title)[:100]}")
        if muted is not None:
            matched_too = f"; these {len(hits)} matches do not alert" if hits else ""
            click.echo(f"  {muted.reason}{matched_too}")
        if not hits:
            click.echo("  (no rule matches)")
        for hit in hits:
            for line in hit_lines(hit, color):
                click.echo(line)
            if hit.rule_id in explained:
                for line in explanation_lines(explained[hit.rule_id], "    "):
                    click.echo(line)
        for rule_id, why in missed.items():
            click.echo(f"  why not [{rule_id}]:")
            for line in why_not_lines(why, "    "):
                click.echo(line)
    return total, muted_total


# --- --explain and --why-not as text --------------------------------------------------------------

_SHOWN_WORDS = 6  # of a context's or a mention's words
_SHOWN_STATEMENTS = 5  # statements by someone else
_QUERY_CHARS = 160
_QUOTE_CHARS = 300


def explanation_lines(found: Explanation, indent: str) -> Iterator[str]:
    """The statements that matched a statement rule: where, who (and whom that was taken for),
    the verb, what was said; then whether each conditional person's names counted."""
    for match in found.statements:
        yield from _matched_statement(match, indent)
    for names in found.people:
        yield f"{indent}{_names_line(names)}"


def _matched_statement(match: StatementMatch, indent: str) -> Iterator[str]:
    st = match.found.statement
    yield f"{indent}matched statement: {_place(match.found)}"
    rows = [("speaker", st.speaker)]
    rows += [("apposition", st.apposition)] if st.apposition else []
    rows += [("refers to", st.refers_to)] if st.refers_to else []
    rows += [("resolved", _resolved(r, st.speaker)) for r in match.resolved]
    if not match.resolved and match.speaker_words:
        rows.append(("matched", _listed(match.speaker_words)))
    has_verb = any(c.isalpha() for c in st.verb)  # a headline's "X: …" has a colon for one
    rows += [("verb", st.verb if has_verb else "(none: a headline)"), ("quote", _cut(st.content))]
    rows += [("quote hits", _listed(match.quote_words))] if match.quote_words else []
    for label, value in rows:
        yield f"{indent}  {label + ':':<11} {one_line(value)}"


def why_not_lines(why: WhyNot, indent: str) -> Iterator[str]:
    """The nearest things found, nearest first."""
    for miss in why.misses:
        yield from _miss_lines(miss, why.people, indent)


def _miss_lines(miss: Miss, people: Sequence[Names], indent: str) -> Iterator[str]:
    match miss:
        case Excluded(found, resolved, words):
            yield f"{indent}a statement by a speaker the rule excludes:"
            yield f"{indent}  {_statement(found)}"
            yield f"{indent}  {_resolved_all(resolved, found)}; excluded by the rule: {_listed(words)}"
        case NamesDidNotCount(found, resolved, names):
            who = ", ".join(f"@{n.person}" for n in names)
            yield f"{indent}a statement whose speaker has {who}'s names, which do not count here:"
            yield f"{indent}  {_statement(found)}"
            yield f"{indent}  {_resolved_all(resolved, found)}"
            for n in names:
                yield f"{indent}  {_names_line(n)}"
        case QuoteMissed(found, resolved, quote):
            yield f"{indent}a statement by the speaker asked for, not saying {_query(quote)}:"
            yield f"{indent}  {_statement(found)}"
            if resolved:
                yield f"{indent}  {_resolved_all(resolved, found)}"
        case OtherSpeakers(statements):
            yield f"{indent}statements by someone else ({len(statements)}):"
            for found in statements[:_SHOWN_STATEMENTS]:
                yield f"{indent}  {_statement(found)}"
            if len(statements) > _SHOWN_STATEMENTS:
                yield f"{indent}  (+{len(statements) - _SHOWN_STATEMENTS} more)"
        case Mentioned(person, by, words):
            who = f"@{person} (by {by})" if person is not None else "the speaker asked for"
            line = f"{indent}{who} is mentioned, in no statement of theirs: {_listed(words)}"
            idle = [n for n in people if n.person == person and not n.count]
            yield line + (f" ({_names_line(idle[0])})" if idle and by == "name" else "")
        case Nothing():
            yield f"{indent}nothing: no statement and no mention"
        case Absent(query, fields):
            where = "" if fields == ("title", "text") else f" in {'/'.join(fields)}"
            yield f"{indent}absent{where}: {_query(query)}"
        case Present(query, words):
            yield f"{indent}excluded by the rule, and there: {_query(query)} ({_listed(words)})"
        case Apart(query, words):
            yield f"{indent}both there, not near enough: {_query(query)} ({_listed(words)})"
        case NoneOf(options):
            yield f"{indent}none of these holds:"
            for option in options:
                lines = [line for m in option for line in _miss_lines(m, people, indent + "    ")]
                if lines:
                    yield f"{indent}  - {lines[0].lstrip()}"
                    yield from lines[1:]
        case _:
            assert_never(miss)


def _names_line(names: Names) -> str:
    """Whether a person's names count in this article, and why."""
    if names.count:
        context = f"the context holds ({_listed(names.context_words)})" if names.context else "no context"
        return f"@{names.person}'s names count here: {context}, no namesake"
    not_here = f"@{names.person}'s names do not count here"
    if names.namesakes:
        return f"{not_here}: the namesakes matched ({_listed(names.namesakes)})"
    return f"{not_here}: the context does not hold (none of its words is here)"


def _resolved(r: Resolved, speaker: str) -> str:
    return f"@{r.person} by {r.by}: {_listed(r.words)} ({_where(r.part, speaker)})"


def _where(part: Part, speaker: str) -> str:
    """Where in the speaker's identity the words are."""
    match part:
        case "speaker":
            return "as named"
        case "apposition":
            return "in the apposition"
        case "refers_to":
            return f'in whom "{one_line(speaker)}" refers back to'
        case _:
            assert_never(part)


def _resolved_all(resolved: Sequence[Resolved], found: FoundStatement) -> str:
    return "; ".join(_resolved(r, found.statement.speaker) for r in resolved) or "no person of people:"


def _place(found: FoundStatement) -> str:
    st = found.statement
    return f"{found.field}, sentence {found.sentence} (chars {st.sentence_start}-{st.sentence_end})"


def _statement(found: FoundStatement) -> str:
    return f"{statement_line(statement_ref(found.statement))} ({found.field}, sentence {found.sentence})"


def _listed(words: Sequence[str]) -> str:
    shown = ", ".join(one_line(w) for w in words[:_SHOWN_WORDS])
    return shown + (f" (+{len(words) - _SHOWN_WORDS} more)" if len(words) > _SHOWN_WORDS else "")


def _query(query: str) -> str:
    return _cut(query, _QUERY_CHARS)


def _cut(text: str, most: int = _QUOTE_CHARS) -> str:
    text = one_line(text)
    return text if len(text) <= most else text[: most - 1] + "…"


def _rates(cfg: Config, history: History, now: float, as_json: bool) -> None:
    """`rules stats --rates`: each rule's last 24 hours, an hour at a time, against its baseline."""
    found = rule_rates(history, [r.id for r in cfg.rules], cfg.spike_rules, now)
    if as_json:
        click.echo(json.dumps([{"rule": r.rule_id, **_rate_json(cfg, r)} for r in found.values()], indent=2))
        return
    click.echo(f"{'RULE':<28} {'LAST 24 H, AN HOUR EACH':<24} {'LAST HOUR':>9} {'DAY':>6}  USUALLY AN HOUR")
    for r in found.values():
        watched = "" if r.rule_id in cfg.spike_rules else ", no spike notices"
        click.echo(f"{r.rule_id[:28]:<28} {sparkline(r.hours):<24} {r.last_hour:>9} {sum(r.hours):>6}  "
                   f"{r.baseline:g} ({r.basis}{watched})")  # fmt: skip


def _rate_json(cfg: Config, rate: RuleRate) -> dict[str, object]:
    return {
        "hours": list(rate.hours), "last_hour": rate.last_hour, "day": sum(rate.hours),
        "baseline_per_hour": rate.baseline, "basis": rate.basis,
        "spike_notices": rate.rule_id in cfg.spike_rules,
    }  # fmt: skip
