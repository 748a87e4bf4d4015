"""`wirewatch sinks`: each sink and its state; `sinks test SINK_ID` sends a test message through
one and says what happened (exit 0 delivered, 1 not); `sinks enable SINK_ID` sends to a sink
again after it answered 410 Gone."""

from __future__ import annotations

import json
import sys
import time

import click

from pipeline.alerts import sample_alert
from pipeline.config import (
    Config,
    sink_templates,
)
from pipeline.errors import DeliveryPermanent, DeliveryRetriable
from pipeline.fetch import Fetcher
from pipeline.models import iso_time
from pipeline.sinks import make_sink
from pipeline.sinks.registry import AnySinkConfig, kind_of

from ..services import connect
from ..store import sinks as sink_store
from .helpers import CliState, load_or_exit, redis_url_or_exit, shared_options


def _sink_or_exit(cfg: Config, state: CliState, sink_id: str) -> AnySinkConfig:
    try:
        return cfg.sink(sink_id)
    except KeyError:
        names = ", ".join(s.id for s in cfg.sinks) or "none"
        raise click.BadParameter(
            f"no sink {sink_id!r} in {state.config_path} (sinks: {names})", param_hint="SINK_ID"
        ) from None


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per sink, in a list")
@shared_options(top=False)
@click.pass_context
def sinks(ctx: click.Context, as_json: bool) -> None:
    """Each sink: its type, where it sends, its retry schedule and rate, and whether it is
    disabled (after a 410 Gone). Exit 1 when any enabled sink is disabled."""
    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj

    cfg = load_or_exit(state.config_path)
    redis = connect(redis_url_or_exit(cfg))
    rows = []
    for sink in cfg.sinks:
        disabled = sink_store.sink_disabled(redis, sink.id) if sink.enabled else None
        rows.append({
            "id": sink.id, "type": sink.type, "where": kind_of(sink).where(sink),
            "state": "off in config" if not sink.enabled else ("disabled" if disabled else "ok"),
            "reason": disabled or "", "max_per_minute": sink.max_per_minute,
            "retry_schedule": cfg.retry_schedule_for(sink.id),
        })  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        for r in rows:
            rate = f", at most {r['max_per_minute']}/min" if r["max_per_minute"] else ""
            click.echo(f"sink {r['id']} ({r['type']}, {r['where']}{rate}): {r['state']}")
            if r["reason"]:
                click.echo(f"  {r['reason']}\n  wirewatch sinks enable {r['id']}")
    sys.exit(1 if any(r["state"] == "disabled" for r in rows) else 0)


@sinks.command("test")
@click.argument("sink_id")
@shared_options(top=False)
@click.pass_obj
def test_sink(state: CliState, sink_id: str) -> None:
    """Send a test message, clearly marked as one, through SINK_ID and say what happened."""

    cfg = load_or_exit(state.config_path)
    sink_cfg = _sink_or_exit(cfg, state, sink_id)
    d = cfg.defaults
    now = time.time()
    alert = sample_alert(iso_time(now), (sink_id,), alert_id=f"test-{int(now)}")
    fetcher = Fetcher(d.user_agent, d.fetch_timeout, cfg.allow_private_networks)
    sink = make_sink(sink_cfg, fetcher, sink_templates(cfg, sink_id))
    try:
        status = sink.send(alert, alert.delivery_id(sink_id), sink.targets)
    except (DeliveryRetriable, DeliveryPermanent) as exc:
        kind = "would be retried" if isinstance(exc, DeliveryRetriable) else "would not be retried"
        took = f" ({len(exc.delivered)} of {len(sink.targets)} targets took it)" if exc.delivered else ""
        click.echo(f"sink {sink_id}: failed, {kind}{took}: {exc}", err=True)
        sys.exit(1)
    finally:
        fetcher.close()
    off = "" if sink_cfg.enabled else " (the sink is off in the config: alerts do not go to it)"
    click.echo(f"sink {sink_id}: test message delivered: {status}{off}")


@sinks.command("enable")
@click.argument("sink_id")
@shared_options(top=False)
@click.pass_obj
def enable_sink(state: CliState, sink_id: str) -> None:
    """Send to SINK_ID again after it answered 410 Gone (its dead letters stay: see
    `wirewatch deliveries retry --all --sink SINK_ID`)."""

    cfg = load_or_exit(state.config_path)
    _sink_or_exit(cfg, state, sink_id)
    enabled = sink_store.enable_sink(connect(redis_url_or_exit(cfg)), sink_id)
    click.echo(f"sink {sink_id}: {'enabled again' if enabled else 'was not disabled'}")
