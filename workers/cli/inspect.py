"""Commands about the state of things: `check` (the config and rules) and `status` (the running
system)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click
from redis import Redis
from redis.exceptions import RedisError

from pipeline.schema import Config

from .helpers import CliState, load_or_exit, redis_url_or_exit, shared_options


@click.command()
@shared_options(top=False)
@click.pass_obj
def check(state: CliState) -> None:
    """Validate the config and rules files; report every error at once."""
    cfg = load_or_exit(state.config_path)
    for warning in cfg.warnings:
        click.echo(f"warning: {warning}", err=True)
    enabled = sum(1 for s in cfg.sinks if s.enabled)
    own = sum(1 for s in [*cfg.sinks, *cfg.rules] if s.templates is not None)
    templates = f", {own} with own templates (rendered with a sample alert)" if own else ""
    warned = f", {len(cfg.warnings)} warning{'' if len(cfg.warnings) == 1 else 's'}" if cfg.warnings else ""
    click.echo(
        f"{state.config_path}: ok: {len(cfg.feeds)} feeds, {len(cfg.rules)} rules, "
        f"{len(cfg.sinks)} sinks ({enabled} enabled){templates}{warned}"
    )


@click.command()
@shared_options(top=False)
@click.pass_obj
def status(state: CliState) -> None:
    """Queues, workers, the scheduler, feed health, failed deliveries and recent alerts.

    Exit 0 when all is well, 1 when something is wrong (Redis down, no worker or scheduler, a
    feed unhealthy, dead letters waiting), saying what. With no Redis running and an embedded
    one's files in data_dir (after `wirewatch run` stopped), it reads a copy of them."""
    from pipeline.redact import display_redis_url

    from .. import redis_embedded
    from ..context import connect, redis_url_for

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
    from rq import Worker
    from rq.registry import FailedJobRegistry

    from pipeline.polling import feed_health
    from pipeline.sinks.render import one_line

    from .. import digests
    from .. import state as keys
    from ..context import Queues
    from ..stories import also_reported_by, story_copies

    problems = []
    workers = Worker.count(connection=redis)
    leads = bool(redis.exists(keys.LEADER_KEY))
    click.echo(f"  workers: {workers}; scheduler: {'leading' if leads else 'none leads'}")
    if not workers:
        problems.append("no worker is running")
    if not leads:
        problems.append("no scheduler leads")
    for q in Queues.on(redis).all():
        failed = FailedJobRegistry(queue=q).count
        click.echo(f"  queue {q.name:<9} queued {q.count:>5}  failed {failed:>5}")
    click.echo(f"  feeds due now: {keys.due_count(redis, time.time())}")
    states = keys.feed_states(redis, [f.id for f in cfg.feeds])
    unhealthy = []
    for feed in cfg.feeds:
        s = states.get(feed.id, {})
        health = feed_health(int(s.get("errors") or 0), bool(s.get("retired")), bool(s.get("last_poll")),
                             cfg.defaults.unhealthy_after)  # fmt: skip
        if health in ("unhealthy", "retired"):
            unhealthy.append(feed.url)
        error = f": {s['last_error']}" if s.get("last_error") else ""
        moved = f", moved to {s['moved_to']}" if s.get("moved_to") else ""
        click.echo(f"  feed {feed.id} {feed.url}: {health}{error} (last ok {s.get('last_ok', '-')}{moved})")
    if unhealthy:
        problems.append(f"{len(unhealthy)} feed{'' if len(unhealthy) == 1 else 's'} unhealthy or retired")
    for sink in cfg.sinks:
        disabled = keys.sink_disabled(redis, sink.id)
        if disabled:
            click.echo(f"  sink {sink.id}: disabled (wirewatch sinks enable {sink.id}): {disabled}")
            problems.append(f"sink {sink.id} disabled")
    dead = keys.deliveries(redis, failed=True, limit=10)
    total_dead = int(redis.zcard(keys.FAILED_DELIVERIES))
    for row in dead:
        click.echo(f"  failed delivery {row.delivery_id} to {row.sink} ({row.kind} {row.rule or row.item}, "
                   f"{row.tries} tries): {one_line(row.error)[:300]}")  # fmt: skip
    if total_dead:
        more = f" ({total_dead - len(dead)} more)" if total_dead > len(dead) else ""
        click.echo(
            f"  dead letters: {total_dead}{more} (wirewatch deliveries --failed; deliveries retry --all)"
        )
        problems.append(f"{total_dead} dead letter{'' if total_dead == 1 else 's'} waiting")
    for group, count in digests.waiting(redis).items():
        click.echo(f"  digest group {group}: {count} alerts waiting")
    alerts = keys.recent_alerts(redis, 10)
    copies = story_copies(redis, sorted({a.story.id for a in alerts if a.story}))
    for alert in alerts:
        click.echo(f"  alert {alert.created_at} [{alert.rule_id}] {one_line(alert.article.title)[:100]}")
        others = also_reported_by(alert.story, alert.article.url, copies)
        if others:
            click.echo(f"    also reported by {others}")
    return problems
