"""Commands about the state of things: `check` (the config and rules) and `status` (the running
system)."""

from __future__ import annotations

import sys
import time

import click
from redis.exceptions import RedisError

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
    """Queues, failed jobs, feed health and recent alerts."""
    from rq.registry import FailedJobRegistry

    from pipeline.redact import display_redis_url
    from pipeline.sinks.render import one_line

    from .. import digests
    from .. import state as keys
    from ..context import Queues, connect
    from ..stories import also_reported_by, story_copies

    cfg = load_or_exit(state.config_path)
    url = redis_url_or_exit(cfg)
    redis = connect(url)
    queues = Queues.on(redis)
    click.echo(f"Redis {display_redis_url(url)}")
    try:
        redis.ping()
    except RedisError as exc:
        click.echo(f"wirewatch: cannot reach Redis at {display_redis_url(url)}: {exc}", err=True)
        sys.exit(1)
    for q in queues.all():
        failed = FailedJobRegistry(queue=q).count
        click.echo(f"  queue {q.name:<9} queued {q.count:>5}  failed {failed:>5}")
    click.echo(f"  feeds due now: {keys.due_count(redis, time.time())}")
    states = keys.feed_states(redis, [f.id for f in cfg.feeds])
    for feed in cfg.feeds:
        s = states.get(feed.id, {})
        health = (
            "error: " + s["last_error"]
            if s.get("last_error")
            else ("ok" if s.get("last_ok") else "not polled")
        )
        moved = f", moved to {s['moved_to']}" if s.get("moved_to") else ""
        click.echo(f"  feed {feed.id} {feed.url}: {health} (last ok {s.get('last_ok', '-')}{moved})")
    for sink in cfg.sinks:
        disabled = keys.sink_disabled(redis, sink.id)
        if disabled:
            click.echo(f"  sink {sink.id}: disabled (wirewatch sinks enable {sink.id}): {disabled}")
    dead = redis.zcard(keys.FAILED_DELIVERIES)
    if dead:
        click.echo(f"  dead letters: {dead} (wirewatch deliveries --failed)")
    for group, count in digests.waiting(redis).items():
        click.echo(f"  digest group {group}: {count} alerts waiting")
    alerts = keys.recent_alerts(redis, 10)
    copies = story_copies(redis, sorted({a.story.id for a in alerts if a.story}))
    for alert in alerts:
        click.echo(f"  alert {alert.created_at} [{alert.rule_id}] {one_line(alert.article.title)[:100]}")
        others = also_reported_by(alert.story, alert.article.url, copies)
        if others:
            click.echo(f"    also reported by {others}")
