"""Commands about the state of things: `check` (the config and rules) and `status` (the running
system)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
from redis import Redis
from redis.exceptions import RedisError

from pipeline.config import Config
from pipeline.plaintext import one_line
from pipeline.redact import display_redis_url

from .. import redis_embedded
from ..overview import read_overview
from ..services import connect, redis_url_for
from ..store.trouble import eviction_risk, refusing_writes, trouble_of
from .helpers import CliState, load_or_exit, loaded_or_exit, redis_url_or_exit, shared_options, warn_of_redis


@click.command()
@shared_options(top=False)
@click.pass_obj
def check(state: CliState) -> None:
    """Validate the config and rules files; report every error at once."""
    loaded = loaded_or_exit(state.config_path)
    cfg, warnings = loaded.config, loaded.warnings
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    enabled = sum(1 for s in cfg.sinks if s.enabled)
    own = sum(1 for s in cfg.sinks if s.templates is not None)
    own += sum(1 for r in cfg.rules if r.templates is not None)
    templates = f", {own} with own templates (rendered with a sample alert)" if own else ""
    warned = f", {len(warnings)} warning{'' if len(warnings) == 1 else 's'}" if warnings else ""
    click.echo(
        f"{state.config_path}: ok: {len(cfg.feeds)} feeds, {len(cfg.rules)} rules, "
        f"{len(cfg.sinks)} sinks ({enabled} enabled){templates}{warned}"
    )
    if url := redis_url_for(cfg):  # the Redis it names, if it answers: one that would evict keys
        warn_of_redis(connect(url))


@click.command()
@shared_options(top=False)
@click.pass_obj
def status(state: CliState) -> None:
    """Queues, workers, the scheduler, feed health, failed deliveries and recent alerts.

    Exit 0 when all is well, 1 when something is wrong (Redis down, no worker or scheduler, a
    feed unhealthy, dead letters waiting, the history store down), saying what. With no Redis
    running and an embedded one's files in data_dir (after `wirewatch run` stopped), it reads a
    copy of them."""

    cfg = load_or_exit(state.config_path)
    url = redis_url_for(cfg)
    if url is None:
        if not redis_embedded.has_data(cfg.data_dir):
            redis_url_or_exit(cfg)  # says how to name or start one, exit 2
        with tempfile.TemporaryDirectory(prefix="ww-status-", dir="/tmp") as tmp:
            copy = Path(tmp) / "redis"
            redis_embedded.copy_data(cfg.data_dir, copy)
            with redis_embedded.EmbeddedRedis(copy) as copy_url:
                click.echo(
                    f"Redis: not running; read from a copy of the embedded Redis's files in {cfg.data_dir}"
                )
                problems = _report(cfg, connect(copy_url))
    else:
        click.echo(f"Redis {display_redis_url(url)}")
        redis = connect(url)
        try:
            redis.ping()
        except RedisError as exc:
            if trouble_of(exc) != "disk":  # one that cannot write its disk refuses PING too
                click.echo(
                    f"wirewatch: not well: cannot reach Redis at {display_redis_url(url)}: {exc}", err=True
                )
                sys.exit(1)
        problems = _report(cfg, redis)
    if problems:
        click.echo("wirewatch: not well: " + "; ".join(problems), err=True)
        sys.exit(1)


def _report(cfg: Config, redis: Redis) -> list[str]:
    """Print the system's state; what is wrong with it."""

    problems = []
    if full := refusing_writes(redis):
        click.echo(f"  {full}")
        problems.append(full.split(", writes refused")[0])
    if risk := eviction_risk(redis):
        click.echo(f"  warning: {risk}")
    o = read_overview(cfg, redis)
    click.echo(f"  workers: {o.workers}; scheduler: {'leading' if o.leading else 'none leads'}")
    for q in o.queues:
        click.echo(f"  queue {q.name:<9} queued {q.queued:>5}  failed {q.failed:>5}")
    click.echo(f"  feeds due now: {o.feeds_due}")
    counts = ", ".join(f"{n:,} {state}" for state, n in o.feed_counts.items() if n)
    click.echo(f"  feeds: {o.feeds_total:,}{f' ({counts})' if counts else ''}")
    for f in o.feeds:  # the worst first
        error = f": {f.last_error}" if f.last_error else ""
        moved = f", moved to {f.moved_to}" if f.moved_to else ""
        click.echo(f"  feed {f.id} {f.url}: {f.state}{error} (last ok {f.last_ok or '-'}{moved})")
    if o.feeds_page.after:
        after = ", ".join(f"{n:,} {state}" for state, n in o.feeds_after.items() if n)
        click.echo(f"  and {o.feeds_page.after:,} more feeds: {after} (wirewatch feeds lists them all)")
    for sink_id, why in o.disabled_sinks.items():
        click.echo(f"  sink {sink_id}: disabled (wirewatch sinks enable {sink_id}): {why}")
    for row in o.dead_letters:
        click.echo(f"  failed delivery {row.delivery_id} to {row.sink} ({row.kind} {row.rule or row.item}, "
                   f"{row.tries} tries): {one_line(row.error)[:300]}")  # fmt: skip
    if o.dead_letters_total:
        more = o.dead_letters_total - len(o.dead_letters)
        click.echo(f"  dead letters: {o.dead_letters_total}{f' ({more} more)' if more > 0 else ''} "
                   "(wirewatch deliveries --failed; deliveries retry --all)")  # fmt: skip
    for group, count in o.digests_waiting.items():
        click.echo(f"  digest group {group}: {count} alerts waiting")
    for rule in o.rules:  # those that matched most first
        click.echo(f"  rule {rule.id}: {rule.matched_today} matched today (UTC)")
    if o.rules_page.after:
        click.echo(f"  and {o.rules_page.after:,} more rules, matched {o.rules_after_matched:,} times today")
    for a in o.alerts:
        title = one_line(a.alert.article.title)[:100]
        click.echo(f"  alert {a.alert.created_at} [{a.alert.rule_id}] {title}")
        if a.also_reported_by:
            click.echo(f"    also reported by {a.also_reported_by}")
    return problems + o.problems()
