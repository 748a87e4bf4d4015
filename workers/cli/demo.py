"""`wirewatch demo`: an offline replay of seeds/ through the real pipeline."""

from __future__ import annotations

import base64
import secrets
import sys
import tempfile
import time
from pathlib import Path

import click

from pipeline.config import Config, FeedConfig
from pipeline.models import Match, RuleHit
from pipeline.sinks.webhook import WebhookSinkConfig

from ..context import WorkerContext
from ..demo.site import WebhookReceiver, load_expected, seed_site
from ..queueing import enqueue_poll
from ..redis_embedded import EmbeddedRedis
from ..services import Services, connect
from ..worker import WirewatchWorker
from .helpers import CliState, load_or_exit, shared_options
from .output import hit_lines, seeds_dir


@click.command()
@click.option(
    "--seeds-dir", "seeds_from", default=None, help="directory of seed .txt files and expected.yaml"
)
@shared_options(top=False)
@click.pass_obj
def demo(state: CliState, seeds_from: str | None) -> None:
    """Offline replay of seeds/ through the real pipeline (Redis, RQ workers, rules, a webhook)."""

    started = time.monotonic()
    cfg = load_or_exit(state.config_path)
    seeds = seeds_dir(state.config_path, seeds_from)
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
            with (
                EmbeddedRedis(Path(tmp)) as url,
                WorkerContext.build(Services(demo_cfg, connect(url))) as ctx,
            ):
                enqueue_poll(ctx.services, demo_cfg.feeds)
                # until feeds, articles and alerts are empty
                WirewatchWorker(ctx).work(burst=True, logging_level="WARNING")
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
        for line in hit_lines(hit, color, indent="  ", header=False):
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
