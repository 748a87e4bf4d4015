"""The `wirewatch` command. Exit codes: 0 ok, 1 runtime failure, 2 bad config or usage."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TypeVar

import click

from pipeline.config import format_issues, load_config
from pipeline.errors import ConfigError
from pipeline.schema import Config

from . import redis_embedded
from .runtime import CONFIG_ENV, REDIS_ENV

T = TypeVar("T")

log = logging.getLogger("wirewatch")
DEFAULT_CONFIG = "config/wirewatch.yaml"


def setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)


def load_or_exit(path: str) -> Config:
    """Validate first: nothing starts on a bad config (exit 2, every error listed)."""
    return or_exit(lambda: load_config(path))


def or_exit(load: Callable[[], T]) -> T:
    """`load()`, or every config error on stderr and exit 2."""
    try:
        return load()
    except ConfigError as exc:
        click.echo(format_issues(exc), err=True)
        sys.exit(2)


def redis_url_for(config: Config) -> str | None:
    """WIREWATCH_REDIS_URL, else the config's redis_url, else an embedded Redis already serving
    data_dir (so `wirewatch worker` on the same machine joins a running `wirewatch run`)."""
    return os.environ.get(REDIS_ENV) or config.redis_url or redis_embedded.running_at(config.data_dir)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-c", "--config", "config_path", default=DEFAULT_CONFIG, show_default=True,
              envvar=CONFIG_ENV, type=click.Path(dir_okay=False), help="config file")  # fmt: skip
@click.option("-v", "--verbose", count=True, help="-v: info, -vv: debug")
@click.pass_context
def cli(ctx: click.Context, config_path: str, verbose: int) -> None:
    """wirewatch: watch news feeds, match watch rules, send signed alerts."""
    setup_logging(verbose)
    ctx.obj = str(Path(config_path).resolve())


@cli.command()
@click.pass_obj
def check(config_path: str) -> None:
    """Validate the config and rules files; report every error at once."""
    cfg = load_or_exit(config_path)
    enabled = sum(1 for s in cfg.sinks if s.enabled)
    click.echo(
        f"{config_path}: ok: {len(cfg.feeds)} feeds, {len(cfg.rules)} rules, "
        f"{len(cfg.sinks)} sinks ({enabled} enabled)"
    )


@cli.command()
@click.option("--workers", "n_workers", type=click.IntRange(1, 256), default=lambda: os.cpu_count() or 1,
              show_default="one per core", help="worker processes")  # fmt: skip
@click.pass_obj
def run(config_path: str, n_workers: int) -> None:
    """Run everything on this machine: scheduler, workers and (without a Redis URL) an embedded Redis."""
    from .supervisor import Child, Supervisor

    cfg = load_or_exit(config_path)
    url = os.environ.get(REDIS_ENV) or cfg.redis_url
    embedded = None
    if not url:
        embedded = redis_embedded.EmbeddedRedis(cfg.data_dir)
        try:
            url = embedded.start()
        except redis_embedded.EmbeddedRedisError as exc:
            click.echo(f"wirewatch: {exc}", err=True)
            sys.exit(1)
    env = {**os.environ, REDIS_ENV: url, CONFIG_ENV: config_path}
    base = [sys.executable, "-m", "workers.cli", "-c", config_path]
    base += ["-v"] if logging.getLogger().level <= logging.INFO else []
    children = [Child("scheduler", [*base, "scheduler"])]
    children += [Child(f"worker-{i + 1}", [*base, "worker"]) for i in range(n_workers)]
    click.echo(f"wirewatch: {len(cfg.feeds)} feeds, {len(cfg.rules)} rules, {n_workers} workers, Redis {url}")
    try:
        Supervisor(children, env).run()
    finally:
        if embedded is not None:
            embedded.stop()
    click.echo("wirewatch: stopped")


def _connect(cfg: Config) -> str:
    url = redis_url_for(cfg)
    if not url:
        click.echo(
            "wirewatch: no Redis: set redis_url (or REDIS_URL), or start `wirewatch run` on this machine",
            err=True,
        )
        sys.exit(2)
    return url


@cli.command()
@click.option("--burst", is_flag=True, help="quit when the queues are empty")
@click.pass_obj
def worker(config_path: str, burst: bool) -> None:
    """Run one worker (queues: alerts, articles, feeds) against the configured Redis."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from .runtime import Runtime, install, redis_from_url

    cfg = load_or_exit(config_path)
    url = _connect(cfg)
    rt = Runtime.build(cfg, redis_from_url(url))
    install(rt)
    # The compiled rules live as long as the worker: keep the cyclic GC from walking them again
    # and again (with 100,000s of rules a full collection would take a noticeable pause).
    gc.collect()
    gc.freeze()
    w = SimpleWorker(rt.queues.all(), connection=rt.redis, serializer=JSONSerializer)
    try:
        w.work(
            burst=burst, with_scheduler=True, logging_level=logging.getLevelName(logging.getLogger().level)
        )
    finally:
        rt.close()


@cli.command()
@click.pass_obj
def scheduler(config_path: str) -> None:
    """Run the feed scheduler (one leads per Redis; others stand by)."""
    from .runtime import Runtime, redis_from_url
    from .scheduler import FeedScheduler

    cfg = load_or_exit(config_path)
    url = _connect(cfg)
    rt = Runtime.build(cfg, redis_from_url(url))
    sched = FeedScheduler(rt)

    def stop(signum: int, frame: FrameType | None) -> None:
        sched.stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    sched.run()


@cli.command()
@click.pass_obj
def status(config_path: str) -> None:
    """Queues, failed jobs, feed health and recent alerts."""
    from rq.registry import FailedJobRegistry

    from . import state
    from .runtime import Queues, redis_from_url

    cfg = load_or_exit(config_path)
    url = _connect(cfg)
    redis = redis_from_url(url)
    queues = Queues.on(redis)
    click.echo(f"Redis {url}")
    for q in queues.all():
        failed = FailedJobRegistry(queue=q).count
        click.echo(f"  queue {q.name:<9} queued {q.count:>5}  failed {failed:>5}")
    states = state.feed_states(redis, [f.id for f in cfg.feeds])
    for feed in cfg.feeds:
        s = states.get(feed.id, {})
        health = (
            "error: " + s["last_error"]
            if s.get("last_error")
            else ("ok" if s.get("last_ok") else "not polled")
        )
        click.echo(f"  feed {feed.url}: {health} (last ok {s.get('last_ok', '-')})")
    for alert in state.recent_alerts(redis, 10):
        click.echo(f"  alert {alert.created_at} [{alert.rule_id}] {alert.article.title}")


from .commands import demo, rules  # noqa: E402  (registers the larger commands)

cli.add_command(demo)
cli.add_command(rules)


def main() -> None:
    cli(prog_name="wirewatch")


if __name__ == "__main__":
    main()
