"""`wirewatch db`: the history store. `db upgrade` applies its migrations (run, worker and
scheduler do at start too, under the same lock); `db status` says where it is, its schema version,
rows and size per table, the oldest and newest article."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from pipeline.models import iso_time

from ..history import History, HistoryUrlError, history_url_for
from ..history.migrate import upgrade as upgrade_store
from ..history.status import read_status
from .helpers import CliState, load_or_exit, shared_options


def _history_or_exit(state: CliState) -> History:
    cfg = load_or_exit(state.config_path)
    try:
        return History(history_url_for(cfg.history_url, cfg.data_dir))
    except HistoryUrlError as exc:
        click.echo(f"wirewatch: history store: {exc}", err=True)
        sys.exit(2)


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _fail(history: History, exc: SQLAlchemyError) -> NoReturn:
    """The database's own words, first line (not SQLAlchemy's wrapping), and exit 1."""
    cause = getattr(exc, "orig", None) or exc
    click.echo(f"wirewatch: history store {history.where()}: {str(cause).strip().splitlines()[0]}", err=True)
    sys.exit(1)


@click.group()
def db() -> None:
    """The history store (archive, alerts, deliveries): upgrade, status."""


@db.command()
@shared_options(top=False)
@click.pass_obj
def upgrade(state: CliState) -> None:
    """Apply the history store's migrations (nothing to do is fine)."""
    history = _history_or_exit(state)
    try:
        before, after = upgrade_store(history.engine)
    except SQLAlchemyError as exc:
        _fail(history, exc)
    if before == after:
        click.echo(f"history store {history.where()}: schema {after}, up to date")
    else:
        click.echo(f"history store {history.where()}: schema {before or 'none'} -> {after}")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
@shared_options(top=False)
@click.pass_obj
def status(state: CliState, as_json: bool) -> None:
    """Where the history store is, its schema version, rows and size per table, the oldest and
    newest article. Exit 1 when it cannot be read or its schema is behind."""
    history = _history_or_exit(state)
    try:
        s = read_status(history)
    except SQLAlchemyError as exc:
        _fail(history, exc)
    if as_json:
        click.echo(json.dumps({**asdict(s), "up_to_date": s.up_to_date}, indent=2))
        sys.exit(0 if s.up_to_date else 1)
    click.echo(f"history store: {s.where} ({s.backend})")
    behind = "" if s.up_to_date else f" (this wirewatch has {s.newest_version}: run `wirewatch db upgrade`)"
    click.echo(f"schema: {s.version or 'none (empty store)'}{behind}")
    for t in s.tables:
        click.echo(f"  {t.name:<15} {t.rows:>12,} rows  {_size(t.bytes):>10}")
    if s.total_bytes is not None:
        click.echo(f"total: {_size(s.total_bytes)}")
    if s.oldest_article is not None and s.newest_article is not None:
        click.echo(f"articles: {iso_time(s.oldest_article)} .. {iso_time(s.newest_article)}")
    sys.exit(0 if s.up_to_date else 1)
