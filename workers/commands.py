"""The `wirewatch demo` and `wirewatch rules test` commands."""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import click

from pipeline.config import load_rules
from pipeline.errors import WirewatchError
from pipeline.extract import extract_text
from pipeline.fetch import Fetcher
from pipeline.models import Match, RuleHit
from pipeline.rules import Document, Matcher, tree
from pipeline.rules import explain as explain_node
from pipeline.schema import Config, FeedConfig, WebhookSinkConfig
from pipeline.sinks.render import highlight, one_line


def _seeds_dir(config_path: str, given: str | None) -> Path:
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


def _hit_lines(hit: RuleHit, color: bool, indent: str = "  ", header: bool = True) -> Iterator[str]:
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


def _by_query(match: Match) -> dict[str, list[tuple[str, int, int]]]:
    grouped: dict[str, list[tuple[str, int, int]]] = {}
    for h in match.hits:
        grouped.setdefault(h.query, []).append((h.text, h.start, h.end))
    return grouped


@click.command()
@click.option("--seeds-dir", default=None, help="directory of seed .txt files and expected.yaml")
@click.pass_obj
def demo(config_path: str, seeds_dir: str | None) -> None:
    """Offline replay of seeds/ through the real pipeline (Redis, RQ workers, rules, a webhook)."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from .cli import load_or_exit
    from .demo_site import WebhookReceiver, load_expected, seed_site
    from .enqueue import enqueue_poll
    from .redis_embedded import EmbeddedRedis
    from .runtime import Runtime, install, redis_from_url

    started = time.monotonic()
    cfg = load_or_exit(config_path)
    seeds = _seeds_dir(config_path, seeds_dir)
    expected = load_expected(seeds)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    site = seed_site(seeds).start()
    receiver = WebhookReceiver(secret).start()
    feed = FeedConfig(url=f"{site.base_url}/feed.xml", name="Seed News")
    with tempfile.TemporaryDirectory(prefix="ww-demo-", dir="/tmp") as tmp:
        demo_cfg = Config.model_validate(
            {
                **cfg.model_dump(by_alias=True, exclude={"feeds", "sinks", "rules"}),
                "data_dir": tmp,
                "redis_url": None,
                "allow_private_networks": True,
                "feeds": [feed.model_dump()],
                "rules": [r.model_dump() | {"sinks": None} for r in cfg.rules],
                "sinks": [
                    WebhookSinkConfig(id="demo", type="webhook", url=receiver.url, secret=secret).model_dump()
                ],
            }
        )
        try:
            with EmbeddedRedis(Path(tmp)) as url:
                rt = Runtime.build(demo_cfg, redis_from_url(url))
                install(rt)
                enqueue_poll(rt, demo_cfg.feeds[0])
                worker = SimpleWorker(rt.queues.all(), connection=rt.redis, serializer=JSONSerializer)
                worker.work(burst=True, logging_level="WARNING")  # until feeds, articles and alerts are empty
                rt.close()
        finally:
            site.stop()
            receiver.stop()
    color = sys.stdout.isatty()
    got: dict[str, set[str]] = {}
    for p in sorted(receiver.payloads, key=lambda p: (p["article"]["url"], p["rule"]["id"])):
        hit = RuleHit(
            rule_id=p["rule"]["id"],
            rule_title=p["rule"]["title"],
            matches=tuple(Match.model_validate(m) for m in p["matches"]),
        )
        got.setdefault(Path(p["article"]["url"]).stem, set()).add(hit.rule_id)
        click.echo(f"[{hit.rule_id}] {p['article']['title']}")
        for line in _hit_lines(hit, color, indent="  ", header=False):
            click.echo(line)
    n = sum(len(v) for v in got.values())
    elapsed = time.monotonic() - started
    if got != expected or receiver.bad_signatures:
        click.echo(f"demo: {n} alerts, NOT as expected in {seeds / 'expected.yaml'}", err=True)
        for stem in sorted(set(got) | set(expected)):
            if got.get(stem, set()) != expected.get(stem, set()):
                want, have = sorted(expected.get(stem, set())), sorted(got.get(stem, set()))
                click.echo(f"  {stem}: got {have}, expected {want}", err=True)
        sys.exit(1)
    click.echo(f"demo: {n} alerts, as expected, all signatures verified ({elapsed:.1f}s)")


def _documents(
    paths: tuple[str, ...], seeds: Path | None, fetcher: Fetcher | None
) -> Iterator[tuple[str, Document]]:
    items: list[str] = list(paths)
    if seeds is not None:
        items += [str(p) for p in sorted(seeds.glob("*.txt"))]
    for item in items:
        if item.startswith(("http://", "https://")):
            assert fetcher is not None
            try:
                page = fetcher.get(item, max_bytes=5_000_000, accept="text/html, */*;q=0.5")
            except WirewatchError as exc:
                click.echo(f"{item}: {exc}", err=True)
                continue
            title, text, _date, lang = extract_text(page.content, page.url)
            yield item, Document(title=title, text=text, url=item, lang=lang or "")
            continue
        path = Path(item)
        files = (
            sorted(p for p in path.rglob("*") if p.suffix in (".txt", ".html", ".htm"))
            if path.is_dir()
            else [path]
        )
        for f in files:
            try:
                raw = f.read_bytes()
            except OSError as exc:
                click.echo(f"{f}: {exc.strerror}", err=True)
                continue
            if f.suffix in (".html", ".htm"):
                title, text, _date, lang = extract_text(raw, f.resolve().as_uri())
                yield str(f), Document(title=title, text=text, url=f.resolve().as_uri(), lang=lang or "")
            else:
                text = raw.decode("utf-8", "replace")
                title = text.strip().splitlines()[0] if text.strip() else ""
                yield str(f), Document(title=title, text=text, url=f.resolve().as_uri())


@click.group()
def rules() -> None:
    """Work with watch rules."""


@rules.command("test")
@click.argument("targets", nargs=-1)
@click.option("--seeds", "use_seeds", is_flag=True, help="also run over seeds/*.txt")
@click.option("--seeds-dir", default=None, help="where the seeds are (default: ./seeds)")
@click.option("--rules", "rules_file", default=None, help="run this rules file instead of the config's rules")
@click.option("--explain", is_flag=True, help="print each rule's parsed query tree first")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per document")
@click.pass_obj
def rules_test(
    config_path: str,
    targets: tuple[str, ...],
    use_seeds: bool,
    seeds_dir: str | None,
    rules_file: str | None,
    explain: bool,
    as_json: bool,
) -> None:
    """Run the rules over files, directories, URLs or the seeds and show why each matched.

    No Redis needed. Exit 0 when done (matches or not), 2 for a bad config or rules file.
    """
    from .cli import load_or_exit, or_exit

    if not targets and not use_seeds and not explain:
        raise click.UsageError("give files, directories or URLs, or --seeds (or --explain)")
    cfg = load_or_exit(config_path) if rules_file is None or targets or use_seeds else None
    if rules_file is not None:
        loaded = or_exit(lambda: load_rules(rules_file))
        rule_list, aliases = loaded.rules, loaded.aliases
    else:
        assert cfg is not None
        rule_list, aliases = cfg.rules, cfg.aliases
    matcher = Matcher(rule_list, aliases)
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
    seeds = _seeds_dir(config_path, seeds_dir) if use_seeds else None
    color = sys.stdout.isatty() and not as_json and not os.environ.get("NO_COLOR")
    total = 0
    for name, doc in _documents(targets, seeds, fetcher):
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
            for line in _hit_lines(hit, color):
                click.echo(line)
    if not as_json:
        click.echo(f"{total} matches")
