"""`wirewatch deliveries`: recent deliveries, or with --failed the dead letters (what, where, the
last error, tries, when), as the history store keeps them; `deliveries retry ID... | --all`
sends dead letters again under the same delivery id (their jobs in Redis hold what to send);
`deliveries purge --older-than 30d` drops old ones."""

from __future__ import annotations

import json
import sys
import time

import click
from sqlalchemy.exc import SQLAlchemyError

from pipeline.models import iso_time
from pipeline.values import parse_duration

from .. import delivery
from ..history import History
from ..history.deliveries import recent as recent_deliveries
from ..services import Services, connect
from ..store.deliveries import MAX_LISTED, recent
from .helpers import CliState, load_or_exit, redis_url_or_exit, shared_options


@click.group(invoke_without_command=True)
@click.option("--failed", is_flag=True, help="only the deliveries that gave up (dead letters)")
@click.option("--sink", "sink_id", default=None, metavar="ID", help="only this sink's")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="one JSON object per delivery, in a list")
@shared_options(top=False)
@click.pass_context
def deliveries(ctx: click.Context, failed: bool, sink_id: str | None, limit: int, as_json: bool) -> None:
    """Recent deliveries, newest first: alert or notice, rule, article, sink, status, tries, last
    error. Exit 1 with --failed when there are dead letters."""
    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj

    cfg = load_or_exit(state.config_path)
    history = History.of(cfg.history_url, cfg.data_dir)  # no Redis needed: the history store lists them
    try:
        rows = recent_deliveries(history, failed=failed, sink=sink_id, limit=limit)
    except SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        click.echo(f"wirewatch: history store {history.where()}: {cause[0] if cause else exc}", err=True)
        sys.exit(1)
    finally:
        history.close()
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False))
    elif not rows:
        click.echo("no dead letters" if failed else "no deliveries recorded")
    for r in rows if not as_json else []:
        what = f"[{r.rule}] " if r.rule else f"{r.item}: "
        click.echo(f"{r.delivery_id}  {iso_time(r.last)}  {r.status:<9} sink {r.sink}  tries {r.tries}")
        click.echo(f"  {r.kind} {what}{r.title[:100]}  {r.url[:200]}")
        if r.error:
            click.echo(f"  last error: {r.error[:500]}")
    sys.exit(1 if failed and rows else 0)


@deliveries.command("retry")
@click.argument("delivery_ids", nargs=-1, metavar="[ID]...")
@click.option("--all", "every", is_flag=True, help="every dead letter (of --sink, when given)")
@click.option("--sink", "sink_id", default=None, metavar="ID", help="with --all: only this sink's")
@shared_options(top=False)
@click.pass_obj
def retry(state: CliState, delivery_ids: tuple[str, ...], every: bool, sink_id: str | None) -> None:
    """Send dead letters again, under their own delivery ids (receivers can drop repeats)."""

    if bool(delivery_ids) == every:
        raise click.UsageError("give delivery ids, or --all")
    cfg = load_or_exit(state.config_path)
    services = Services(cfg, connect(redis_url_or_exit(cfg)))
    ids = list(delivery_ids)
    if every:  # the dead letters Redis keeps: those whose jobs can be sent again
        ids = [r.delivery_id for r in recent(services.redis, True, MAX_LISTED)
               if sink_id is None or r.sink == sink_id]  # fmt: skip
    failures = 0
    for delivery_id in ids:
        try:
            click.echo(f"{delivery_id}: {delivery.retry(services, delivery_id)}")
        except delivery.NotRetried as exc:
            click.echo(str(exc), err=True)
            failures += 1
    click.echo(f"{len(ids) - failures} of {len(ids)} queued again")
    sys.exit(1 if failures else 0)


@deliveries.command("purge")
@click.option("--older-than", "older_than", default="30d", show_default=True, help="e.g. 7d, 12h")
@shared_options(top=False)
@click.pass_obj
def purge(state: CliState, older_than: str) -> None:
    """Drop the dead letters that gave up longer ago than --older-than."""

    try:
        age = parse_duration(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from None
    cfg = load_or_exit(state.config_path)
    dropped = delivery.purge(Services(cfg, connect(redis_url_or_exit(cfg))), time.time() - age)
    click.echo(f"{dropped} dead letter{'' if dropped == 1 else 's'} purged")
