"""The `wirewatch` command. Exit codes: 0 ok, 1 runtime failure, 2 bad config or usage.

One module per command group: processes (run, worker, scheduler, reload), inspect (check, status),
feeds, sinks, deliveries, archive (backfill, search), db (the history store), demo, rules;
helpers for what they share. `-c`, `-v` and `--log-format` work before and after the subcommand.
"""

from __future__ import annotations

import click

from .archive import backfill, search
from .db import db
from .deliveries import deliveries
from .demo import demo
from .feeds import feeds
from .helpers import CliState, shared_options
from .inspect import check, status
from .processes import reload_config, run, scheduler, worker
from .rules import rules
from .sinks import sinks


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wirewatch", prog_name="wirewatch")
@shared_options(top=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """wirewatch: watch news feeds, match watch rules, send signed alerts."""
    ctx.ensure_object(CliState).configure_logging()


for command in (
    run,
    worker,
    scheduler,
    reload_config,
    check,
    status,
    feeds,
    sinks,
    deliveries,
    demo,
    rules,
    backfill,
    search,
    db,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="wirewatch")
