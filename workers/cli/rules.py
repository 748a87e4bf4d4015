"""`wirewatch rules test`: the rules over files, URLs or the seeds, and why each matched."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

import click

from pipeline.alerts import article_document
from pipeline.config import load_config, load_rules, person_variants
from pipeline.errors import WirewatchError
from pipeline.extract import extract_text
from pipeline.fetch import Fetcher
from pipeline.models import Article
from pipeline.plaintext import one_line
from pipeline.rules import Document, Matcher, tree
from pipeline.rules import explain as explain_node
from pipeline.rules.parallel import build_processes, parse_in_helpers

from .helpers import CliState, loaded_or_exit, or_exit, shared_options
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


@rules.command("test")
@click.argument("targets", nargs=-1)
@click.option("--seeds", "use_seeds", is_flag=True, help="also run over seeds/*.txt")
@click.option("--seeds-dir", "seeds_from", default=None, help="where the seeds are (default: ./seeds)")
@click.option("--rules", "rules_file", default=None, help="run this rules file instead of the config's rules")
@click.option("--explain", is_flag=True, help="print each rule's parsed query tree first")
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
    as_json: bool,
) -> None:
    """Run the rules over files, directories, URLs or the seeds and show why each matched.

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
        total = _report(shown, matcher, fetcher, cfg.defaults.max_page_bytes, as_json, color)
    if not as_json:
        click.echo(f"{total} matches")


def _report(
    sources: Iterable[str | Path], matcher: Matcher, fetcher: Fetcher | None, max_page_bytes: int,
    as_json: bool, color: bool,
) -> int:  # fmt: skip
    """Each document's matches, as text or JSON lines; how many in all."""
    total = 0
    for source in sources:
        doc = _document(source, fetcher, max_page_bytes)
        if doc is None:
            continue
        name = str(source)
        hits = matcher.match(doc)
        total += len(hits)
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "document": name,
                        "title": doc.title,
                        "matches": [h.model_dump(mode="json") for h in hits],
                    },
                    ensure_ascii=False,
                )
            )
            continue
        click.echo(f"{name}: {one_line(doc.title)[:100]}")
        if not hits:
            click.echo("  (no rule matches)")
        for hit in hits:
            for line in hit_lines(hit, color):
                click.echo(line)
    return total
