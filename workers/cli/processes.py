"""The long-running commands: `run` (everything on one machine), `worker`, `scheduler`; and
`reload`, which has them load the config again."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from types import FrameType

import click

from pipeline.redact import display_redis_url

from .. import logs, redis_embedded
from ..context import REDIS_URL_ENV, Services, WorkerContext, configured_redis_url, connect
from .helpers import CliState, load_or_exit, redis_url_or_exit, shared_options


@click.command()
@click.option("--workers", "n_workers", type=click.IntRange(1, 256), default=lambda: os.cpu_count() or 1,
              show_default="one per core", help="worker processes")  # fmt: skip
@click.option("--watch", is_flag=True, help="reload when the config, rules or feeds file changes")
@shared_options(top=False)
@click.pass_obj
def run(state: CliState, n_workers: int, watch: bool) -> None:
    """Run everything on this machine: scheduler, workers and (without a Redis URL) an embedded Redis."""
    from ..supervisor import Child, Supervisor

    cfg = load_or_exit(state.config_path, warn=True)
    url = configured_redis_url(cfg)
    embedded = None
    if not url:
        embedded = redis_embedded.EmbeddedRedis(cfg.data_dir)
        try:
            url = embedded.start()
        except redis_embedded.EmbeddedRedisError as exc:
            click.echo(f"wirewatch: {exc}", err=True)
            sys.exit(1)
    env = {**os.environ, REDIS_URL_ENV: url}
    base = [sys.executable, "-m", "workers.cli", "-c", state.config_path, "--log-format", state.log_format]
    base += ["-v"] * state.verbose
    children = [Child("scheduler", [*base, "scheduler"])]
    children += [Child(f"worker-{i + 1}", [*base, "worker"]) for i in range(n_workers)]
    where = display_redis_url(url)
    click.echo(
        f"wirewatch: {len(cfg.feeds)} feeds, {len(cfg.rules)} rules, {n_workers} workers, Redis {where}"
    )

    def reload() -> None:
        from ..reload import request_reload

        request_reload(connect(url), state.config_path, "run")

    try:
        from ..reload import FileWatch

        changed = FileWatch(state.config_path).changed if watch else None
        Supervisor(children, env, on_reload=reload, changed=changed).run()
    finally:
        if embedded is not None:
            embedded.stop()
    click.echo("wirewatch: stopped")


@click.command()
@click.option("--burst", is_flag=True, help="quit when the queues are empty")
@shared_options(top=False)
@click.pass_obj
def worker(state: CliState, burst: bool) -> None:
    """Run one worker (queues: alerts, articles, feeds) against the configured Redis."""
    from ..supervisor import die_with_parent
    from ..worker import WirewatchWorker

    # RQ forks this worker's scheduler: it must not outlive a worker that is killed, holding the
    # scheduler locks while the worker's restarted self runs without one.
    os.register_at_fork(after_in_child=die_with_parent)
    cfg = load_or_exit(state.config_path, warn=True)
    services = Services(cfg, connect(redis_url_or_exit(cfg)))
    _reload_on_sighup(services, state.config_path, "worker")
    with WorkerContext.build(services) as ctx:
        # The compiled rules live as long as the worker: keep the cyclic GC from walking them again
        # and again (with 100,000s of rules a full collection would take a noticeable pause).
        gc.collect()
        gc.freeze()
        running = WirewatchWorker(ctx)
        try:
            running.work(burst=burst, with_scheduler=True, logging_level=logs.rq_level(state.verbose))
        finally:
            if running.context is not ctx:  # made by a reload
                running.context.close()


@click.command()
@shared_options(top=False)
@click.pass_obj
def scheduler(state: CliState) -> None:
    """Run the feed scheduler (one leads per Redis; others stand by)."""
    from ..scheduler import FeedScheduler

    cfg = load_or_exit(state.config_path, warn=True)
    sched = FeedScheduler(Services(cfg, connect(redis_url_or_exit(cfg))))

    def stop(signum: int, frame: FrameType | None) -> None:
        sched.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    _reload_on_sighup(sched.services, state.config_path, "scheduler")
    sched.run()


@click.command("reload")
@shared_options(top=False)
@click.pass_obj
def reload_config(state: CliState) -> None:
    """Have every worker and the scheduler load the config files again (exit 2, changing
    nothing, when they do not load)."""
    from pipeline.config import format_issues, load_config
    from pipeline.errors import ConfigError

    from ..reload import GENERATION_KEY

    try:
        cfg = load_config(state.config_path)
    except ConfigError as exc:
        click.echo(format_issues(exc), err=True)
        click.echo("wirewatch: nothing reloaded; the config running stays", err=True)
        sys.exit(2)
    generation = int(connect(redis_url_or_exit(cfg)).incr(GENERATION_KEY))
    click.echo(
        f"wirewatch: config generation {generation} ({len(cfg.feeds)} feeds, {len(cfg.rules)} rules, "
        f"{len(cfg.sinks)} sinks): workers load it before their next job, the scheduler within a second"
    )


def _reload_on_sighup(services: Services, config_path: str, who: str) -> None:
    """SIGHUP: check the config and, when it loads, have every process reload it (from a thread:
    a signal handler must not do Redis round trips in the middle of the code it interrupted)."""
    from ..reload import request_reload

    def hang_up(signum: int, frame: FrameType | None) -> None:
        threading.Thread(
            target=request_reload, args=(services.redis, config_path, who), name="reload", daemon=True
        ).start()

    signal.signal(signal.SIGHUP, hang_up)
