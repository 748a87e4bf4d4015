"""The long-running commands: `run` (everything on one machine), `worker`, `scheduler`; and
`reload`, which has them load the config again."""

from __future__ import annotations

import gc
import logging
import os
import shutil
import signal
import sys
import threading
from types import FrameType

import click
from pydantic import ValidationError
from redis import Redis

from pipeline.config import Config, format_issues, load_config
from pipeline.errors import ConfigError
from pipeline.redact import display_redis_url

from .. import metrics, redis_embedded, web
from ..context import WorkerContext
from ..reload import FileWatch, LiveConfig, request_reload
from ..services import REDIS_URL_ENV, Services, configured_redis_url, connect
from ..store.generation import advance
from ..supervisor import Child, Supervisor, die_with_parent
from ..upgrade import prepare_history
from ..worker import WirewatchWorker
from . import logs
from .helpers import CliState, load_or_exit, loaded_or_exit, redis_url_or_exit, shared_options, warn_of_redis


@click.command()
@click.option("--workers", "n_workers", type=click.IntRange(1, 256), default=lambda: os.cpu_count() or 1,
              show_default="one per core", help="worker processes")  # fmt: skip
@click.option("--watch", is_flag=True, help="reload when the config, rules or feeds file changes")
@shared_options(top=False)
@click.pass_obj
def run(state: CliState, n_workers: int, watch: bool) -> None:
    """Run everything on this machine: scheduler, workers and (without a Redis URL) an embedded Redis."""

    cfg = load_or_exit(state.config_path, warn=True, mark_checked=True)
    url = configured_redis_url(cfg)
    embedded = None
    if not url:
        embedded = redis_embedded.EmbeddedRedis(cfg.data_dir)
        try:
            url = embedded.start()
        except redis_embedded.EmbeddedRedisError as exc:
            click.echo(f"wirewatch: {exc}", err=True)
            sys.exit(1)
    warn_of_redis(connect(url))
    env = {**os.environ, REDIS_URL_ENV: url}
    if cfg.metrics_listen:  # the children count into files here; this process serves their sum
        metrics_dir = cfg.data_dir / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env[metrics.MULTIPROC_ENV] = str(metrics_dir)
        os.environ[metrics.MULTIPROC_ENV] = str(metrics_dir)
        _serve_metrics(cfg, cfg.metrics_listen, None, connect(url), need_scheduler=True, need_workers=True)
    base = [sys.executable, "-m", "workers.cli", "-c", state.config_path, "--log-format", state.log_format]
    base += ["-v"] * state.verbose
    children = [Child("scheduler", [*base, "scheduler"])]
    children += [Child(f"worker-{i + 1}", [*base, "worker"]) for i in range(n_workers)]
    where = display_redis_url(url)
    click.echo(
        f"wirewatch: {len(cfg.feeds)} feeds, {len(cfg.rules)} rules, {n_workers} workers, Redis {where}"
    )

    def reload() -> None:

        request_reload(connect(url), state.config_path, "run")

    try:
        changed = FileWatch(state.config_path).changed if watch else None
        keep_up = embedded.restart_if_dead if embedded is not None else None
        Supervisor(children, env, on_reload=reload, changed=changed, keep_up=keep_up).run()
    finally:
        if embedded is not None:
            embedded.stop()
    click.echo("wirewatch: stopped")


def _serve_metrics(
    cfg: Config, listen: str | None, own: metrics.Metrics | None, redis: Redis, *,
    need_scheduler: bool, need_workers: bool,
) -> None:  # fmt: skip
    """Serve /metrics, /healthz and /readyz, unless off or `wirewatch run` serves them for us."""
    if not listen or (own is not None and os.environ.get(metrics.MULTIPROC_ENV)):
        return
    try:
        Config.model_validate({"metrics_listen": listen, "metrics_token": cfg.metrics_token})
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        click.echo(f"wirewatch: --metrics-listen: {reason}", err=True)
        sys.exit(2)

    live = LiveConfig(cfg, redis)
    registry = web.registry_for(own, live, redis)
    try:
        web.serve(listen, registry, redis, live, token=cfg.metrics_token,
                      need_scheduler=need_scheduler, need_workers=need_workers)  # fmt: skip
    except OSError as exc:  # the port is taken (say, by another process of ours): run without
        logging.getLogger("wirewatch.metrics").warning(
            "metrics: cannot listen on %s: %s; give another with --metrics-listen",
            listen,
            exc.strerror or exc,
        )


_METRICS_OPTION = click.option(
    "--metrics-listen", default=None, metavar="HOST:PORT",
    help="serve /metrics, /healthz, /readyz here instead of metrics_listen ('' for off)",
)  # fmt: skip


@click.command()
@click.option("--burst", is_flag=True, help="quit when the queues are empty")
@_METRICS_OPTION
@shared_options(top=False)
@click.pass_obj
def worker(state: CliState, burst: bool, metrics_listen: str | None) -> None:
    """Run one worker (queues: alerts, articles, feeds) against the configured Redis."""

    # RQ forks this worker's scheduler: it must not outlive a worker that is killed, holding the
    # scheduler locks while the worker's restarted self runs without one.
    os.register_at_fork(after_in_child=die_with_parent)
    loaded = loaded_or_exit(state.config_path, warn=True, mark_checked=True)
    cfg = loaded.config
    services = Services(cfg, connect(redis_url_or_exit(cfg)))
    warn_of_redis(services.redis)
    prepare_history(services)
    _reload_on_sighup(services, state.config_path, "worker")
    counters = metrics.Metrics.create()
    listen = cfg.metrics_listen if metrics_listen is None else metrics_listen
    _serve_metrics(cfg, listen, counters, services.redis, need_scheduler=False, need_workers=True)
    with WorkerContext.build(services, counters, loaded.queries) as ctx:
        del loaded  # its parsed queries: the compiled rules file holds what the matcher needs
        # The config lives as long as the worker: keep the cyclic GC from walking it again and
        # again (with 100,000s of rules a full collection would take a noticeable pause).
        gc.collect()
        gc.freeze()
        running = WirewatchWorker(ctx)
        try:
            running.work(burst=burst, with_scheduler=True, logging_level=logs.rq_level(state.verbose))
        finally:
            if running.context is not ctx:  # made by a reload
                running.context.close()


@click.command()
@_METRICS_OPTION
@shared_options(top=False)
@click.pass_obj
def scheduler(state: CliState, metrics_listen: str | None) -> None:
    """Run the feed scheduler (one leads per Redis; others stand by)."""
    # Here, not at the top: APScheduler is this command's alone, and every other command would
    # pay for importing it (about 10% of `wirewatch`'s start-up).
    from ..scheduler import FeedScheduler

    # The scheduler matches no rule: its queries are parsed only when no full load (`run`'s, a
    # worker's, `reload`'s) checked these very rules before (about half the load of a million).
    cfg = load_or_exit(state.config_path, warn=True, parse_rules=False)
    sched = FeedScheduler(Services(cfg, connect(redis_url_or_exit(cfg))))
    warn_of_redis(sched.services.redis)
    prepare_history(sched.services)
    if not os.environ.get(metrics.MULTIPROC_ENV):  # under `run`, run serves
        listen = cfg.metrics_listen if metrics_listen is None else metrics_listen
        _serve_metrics(cfg, listen, None, sched.services.redis, need_scheduler=True, need_workers=False)

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

    try:
        cfg = load_config(state.config_path)
    except ConfigError as exc:
        click.echo(format_issues(exc), err=True)
        click.echo("wirewatch: nothing reloaded; the config running stays", err=True)
        sys.exit(2)
    generation = advance(connect(redis_url_or_exit(cfg)))
    click.echo(
        f"wirewatch: config generation {generation} ({len(cfg.feeds)} feeds, {len(cfg.rules)} rules, "
        f"{len(cfg.sinks)} sinks): workers load it before their next job, the scheduler within a second"
    )


def _reload_on_sighup(services: Services, config_path: str, who: str) -> None:
    """SIGHUP: check the config and, when it loads, have every process reload it (from a thread:
    a signal handler must not do Redis round trips in the middle of the code it interrupted)."""

    def hang_up(signum: int, frame: FrameType | None) -> None:
        threading.Thread(
            target=request_reload, args=(services.redis, config_path, who), name="reload", daemon=True
        ).start()

    signal.signal(signal.SIGHUP, hang_up)
