"""The long-running commands: `run` (everything on one machine), `worker`, `scheduler`."""

from __future__ import annotations

import gc
import os
import signal
import sys
from types import FrameType

import click

from pipeline.redact import display_redis_url

from .. import logs, redis_embedded
from ..context import REDIS_URL_ENV, Services, WorkerContext, configured_redis_url, connect
from .helpers import CliState, load_or_exit, redis_url_or_exit, shared_options


@click.command()
@click.option("--workers", "n_workers", type=click.IntRange(1, 256), default=lambda: os.cpu_count() or 1,
              show_default="one per core", help="worker processes")  # fmt: skip
@shared_options(top=False)
@click.pass_obj
def run(state: CliState, n_workers: int) -> None:
    """Run everything on this machine: scheduler, workers and (without a Redis URL) an embedded Redis."""
    from ..supervisor import Child, Supervisor

    cfg = load_or_exit(state.config_path)
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
    try:
        Supervisor(children, env).run()
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
    cfg = load_or_exit(state.config_path)
    services = Services(cfg, connect(redis_url_or_exit(cfg)))
    with WorkerContext.build(services) as ctx:
        # The compiled rules live as long as the worker: keep the cyclic GC from walking them again
        # and again (with 100,000s of rules a full collection would take a noticeable pause).
        gc.collect()
        gc.freeze()
        WirewatchWorker(ctx).work(
            burst=burst, with_scheduler=True, logging_level=logs.rq_level(state.verbose)
        )


@click.command()
@shared_options(top=False)
@click.pass_obj
def scheduler(state: CliState) -> None:
    """Run the feed scheduler (one leads per Redis; others stand by)."""
    from ..scheduler import FeedScheduler

    cfg = load_or_exit(state.config_path)
    sched = FeedScheduler(Services(cfg, connect(redis_url_or_exit(cfg))))

    def stop(signum: int, frame: FrameType | None) -> None:
        sched.stop()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    sched.run()
