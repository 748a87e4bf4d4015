"""`wirewatch feeds`: every feed's health, interval and next poll, as a table or JSON (exit 1
when any is unhealthy, so that it can be a monitoring check); `feeds revive URL` polls a
retired feed again; `feeds import FILE.opml` and `feeds export` move subscription lists in and
out (OPML 2.0); `feeds discover URL` finds what a site offers."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import click
import yaml

from pipeline.config import feeds_file, format_issues, load_config
from pipeline.errors import ConfigError
from pipeline.feeds import Body, canonical_url
from pipeline.fetch import Fetcher
from pipeline.opml import OpmlError, read_opml, write_opml
from pipeline.sources.discover import discover as discover_sources

from ..overview import BAD_HEALTH, FeedRow, feed_rows
from ..services import connect
from ..store.schedule import revive_feed
from .helpers import CliState, load_or_exit, redis_url_or_exit, shared_options


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per feed, in a list")
@shared_options(top=False)
@click.pass_context
def feeds(ctx: click.Context, as_json: bool) -> None:
    """Every feed's state (ok, backing off, unhealthy, retired), interval and next poll.

    Exit 0 when every feed is healthy, 1 when any is unhealthy or retired."""
    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj

    cfg = load_or_exit(state.config_path)
    rows = feed_rows(cfg, connect(redis_url_or_exit(cfg)), time.time())
    if as_json:
        click.echo(json.dumps([r.as_json() for r in rows], indent=2))
    else:
        for line in table(rows):
            click.echo(line)
    sys.exit(1 if any(r.state in BAD_HEALTH for r in rows) else 0)


def table(rows: list[FeedRow]) -> list[str]:
    """The rows for people: a header, then one line per feed (and an indented line for a move
    or an error)."""
    lines = [f"{'STATE':<12} {'INTERVAL':<18} {'NEXT POLL':<10} {'PER DAY':>7}  {'KIND':<9} FEED"]
    for r in rows:
        interval = f"{_duration(r.interval)} {r.why}" if r.interval is not None else "-"
        next_in = _duration(max(0, r.next_poll_in)) if r.next_poll_in is not None else "-"
        per_day = f"{r.per_day:g}" if r.per_day is not None else "-"
        name = f"{r.name} " if r.name else ""
        lines.append(f"{r.state:<12} {interval:<18} {next_in:<10} {per_day:>7}  {r.kind:<9} {name}{r.url}")
        if r.moved_to:
            lines.append(f"{'':<12} moved to {r.moved_to}")
        if r.last_error and r.state != "ok":
            lines.append(f"{'':<12} last ok {r.last_ok or 'never'}; {r.last_error[:300]}")
    return lines


@feeds.command()
@click.argument("url")
@shared_options(top=False)
@click.pass_obj
def discover(state: CliState, url: str) -> None:
    """The feeds a site declares or has at common paths, its sitemaps (robots.txt, news first),
    or a t.me address's channel: as YAML lines to paste under `feeds:`, each read as a poll would
    read it. Exit 1 when it found nothing."""

    cfg = load_or_exit(state.config_path)
    d = cfg.defaults
    fetcher = Fetcher(d.user_agent, d.fetch_timeout, cfg.allow_private_networks)
    # Every candidate that is no sitemap makes ultimate-sitemap-parser log an error: expected here.
    logging.getLogger("usp").setLevel(logging.CRITICAL)

    def fetch(address: str) -> Body:
        got = fetcher.get(address, max_bytes=d.max_feed_bytes, cut=True)
        return Body(got.content, got.url, got.content_type, got.truncated)

    try:
        found = discover_sources(url, fetch)
    except ValueError as exc:  # an address no kind reads (a t.me link that is no channel)
        raise click.BadParameter(str(exc), param_hint="URL") from exc
    finally:
        fetcher.close()
    if not found:
        click.echo(f"{url}: no feeds, sitemaps or channel found", err=True)
        sys.exit(1)
    for source in found:
        click.echo(f"# {source.kind}: {source.title or source.url} ({source.entries} entries now)")
        click.echo(yaml.safe_dump([source.as_yaml()], allow_unicode=True, sort_keys=False), nl=False)


@feeds.command()
@click.argument("url")
@shared_options(top=False)
@click.pass_obj
def revive(state: CliState, url: str) -> None:
    """Poll a feed retired after a 410 Gone again (now), by its URL as configured."""

    cfg = load_or_exit(state.config_path)
    feed = next((f for f in cfg.feeds if f.url == url), None)
    if feed is None:
        raise click.BadParameter(f"no feed {url!r} in {state.config_path}", param_hint="URL")
    revived = revive_feed(connect(redis_url_or_exit(cfg)), feed.id, time.time())
    click.echo(f"feed {feed.url}: {'revived, due now' if revived else 'was not retired'}")


@feeds.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False))
@shared_options(top=False)
@click.pass_obj
def import_opml(state: CliState, opml_file: str) -> None:
    """Add the feeds of an OPML file to the feeds file `feeds:` names (none twice, by canonical URL).

    A YAML list keeps its comments: the new feeds are appended. The result is checked like the
    config, and left as it was if it does not load."""

    cfg = load_or_exit(state.config_path)
    target = feeds_file(cfg)
    if target is None or target.suffix.lower() in (".opml", ".xml"):
        where = "are inline in the config" if target is None else f"are read from the OPML file {target}"
        raise click.UsageError(
            f"the feeds {where}; point `feeds:` at a YAML file (feeds.yaml) to import into it"
        )
    try:
        found = read_opml(Path(opml_file).read_bytes(), opml_file)
    except OpmlError as exc:
        click.echo(f"wirewatch: {exc}", err=True)
        sys.exit(2)
    known = {canonical_url(f.url) for f in cfg.feeds}
    new = []
    for entry in found:
        key = canonical_url(entry["url"])
        if key not in known:
            known.add(key)
            new.append(entry)
    before = target.read_text("utf-8") if target.exists() else ""
    target.write_text(_appended(before, new), "utf-8")
    try:
        load_config(state.config_path)
    except ConfigError as exc:
        target.write_text(before, "utf-8")
        click.echo(format_issues(exc), err=True)
        click.echo(f"wirewatch: {target} left as it was", err=True)
        sys.exit(2)
    click.echo(f"{target}: {len(new)} feeds added, {len(found) - len(new)} already there")


def _appended(text: str, feeds: list[dict[str, Any]]) -> str:
    """The feeds file's text with these feeds after its own: a YAML list gets them appended as
    text, so its comments and layout stay; a mapping with `feeds:` is written anew."""

    data = yaml.safe_load(text) if text.strip() else []
    if isinstance(data, dict):
        data["feeds"] = [*(data.get("feeds") or []), *feeds]
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    block = yaml.safe_dump(feeds, allow_unicode=True, sort_keys=False) if feeds else ""
    return text + ("" if not text or text.endswith("\n") else "\n") + block


@feeds.command("export")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="write here, not to stdout"
)
@shared_options(top=False)
@click.pass_obj
def export_opml(state: CliState, output: str | None) -> None:
    """Write every configured rss feed as OPML 2.0 (categories as folders), for other readers.
    Feeds of other kinds (sitemap, page, telegram) have no place in OPML: they stay in YAML, and
    what was left out is said on stderr."""

    cfg = load_or_exit(state.config_path)
    rss = [f for f in cfg.feeds if f.type == "rss"]
    written = write_opml(rss)
    if output:
        Path(output).write_bytes(written)
        click.echo(f"{output}: {len(rss)} feeds")
    else:
        click.echo(written.decode("utf-8"), nl=False)
    others = [f for f in cfg.feeds if f.type != "rss"]
    if others:
        kinds = ", ".join(sorted({f.type for f in others}))
        click.echo(
            f"left out {len(others)} feed(s) of kinds OPML cannot hold ({kinds}): they stay in YAML", err=True
        )
        for feed in others:
            click.echo(f"  {feed.type}: {feed.url}", err=True)


def _duration(seconds: float) -> str:
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size and seconds % size < size / 10:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds / 60:.0f}m" if seconds >= 600 else f"{seconds:.0f}s"
