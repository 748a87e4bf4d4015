"""What every command shares: the options that work before and after the subcommand (`-c`,
`-v`, `--log-format`), loading the config (every error at once, exit 2) and finding Redis."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from redis import Redis
from redis.exceptions import RedisError

from pipeline.config import Config, Loaded, RedisSentinelConfig, format_issues, load
from pipeline.config.schema import SENTINEL_SCHEME
from pipeline.errors import ConfigError

from ..services import CONFIG_ENV, redis_url_for
from ..store.trouble import eviction_risk
from . import logs

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_CONFIG = "config/wirewatch.yaml"


def config_candidates(cwd: Path) -> list[Path]:
    """Where the default config is looked for, in order: config/wirewatch.yaml in the current
    directory and each one above it up to the clone's root (the first holding .git or
    pyproject.toml), then in the clone this wirewatch was installed from (an editable install)."""
    places: list[Path] = []
    for directory in (cwd, *cwd.parents):
        places.append(directory / DEFAULT_CONFIG)
        if (directory / ".git").exists() or (directory / "pyproject.toml").exists():
            break
    installed_from = Path(__file__).resolve().parents[2] / DEFAULT_CONFIG
    return places + ([installed_from] if installed_from not in places else [])


def find_config(cwd: Path) -> Path:
    """The default config file; exit 2 saying where it looked when there is none."""
    places = config_candidates(cwd)
    for place in places:
        if place.is_file():
            return place
    shown = ", ".join(str(p) for p in places)
    click.echo(
        f"wirewatch: no config file: looked for {shown}; give one with -c FILE or ${CONFIG_ENV}", err=True
    )
    sys.exit(2)


@dataclass
class CliState:
    """The shared options, as the group and then the subcommand set them (the later one wins;
    -v counts add up). Without -c (or $WIREWATCH_CONFIG) the config is found by `find_config`."""

    given_config: str | None = None
    verbose: int = 0
    log_format: logs.LogFormat = "text"

    @property
    def config_path(self) -> str:
        if self.given_config is None:
            self.given_config = str(find_config(Path.cwd()))
        return self.given_config

    def configure_logging(self) -> None:
        logs.configure(self.verbose, self.log_format)


def _state(ctx: click.Context) -> CliState:
    return ctx.ensure_object(CliState)


def _set_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        _state(ctx).given_config = str(Path(value).resolve())


def _add_verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    if value:
        state = _state(ctx)
        state.verbose += value
        state.configure_logging()


def _set_log_format(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        state = _state(ctx)
        state.log_format = "json" if value == "json" else "text"
        state.configure_logging()


def shared_options(top: bool) -> Callable[[F], F]:
    """-c/--config, -v and --log-format, for the group (`top`: with their defaults and
    environment variables) and for each subcommand (only what is given there)."""

    def decorate(f: F) -> F:
        f = click.option(
            "--log-format", type=click.Choice(["text", "json"]), default=None, expose_value=False,
            callback=_set_log_format, envvar=logs.LOG_FORMAT_ENV if top else None,
            help=f"log lines as text or one JSON object each [env {logs.LOG_FORMAT_ENV}]",
        )(f)  # fmt: skip
        f = click.option(
            "-v", "--verbose", count=True, expose_value=False, callback=_add_verbose,
            help="-v: info, -vv: debug",
        )(f)  # fmt: skip
        return click.option(
            "-c", "--config", type=click.Path(dir_okay=False), default=None,
            envvar=CONFIG_ENV if top else None, expose_value=False, callback=_set_config,
            help=f"config file [default: {DEFAULT_CONFIG} here, above, or in the clone; env {CONFIG_ENV}]",
        )(f)  # fmt: skip

    return decorate


def load_or_exit(
    path: str, warn: bool = False, parse_rules: bool = True, mark_checked: bool = False
) -> Config:
    """The config of `loaded_or_exit`, for the commands that need nothing else."""
    return loaded_or_exit(path, warn, parse_rules, mark_checked).config


def loaded_or_exit(
    path: str, warn: bool = False, parse_rules: bool = True, mark_checked: bool = False
) -> Loaded:
    """Validate first: nothing starts on a bad config (exit 2, every error listed). `warn`: log
    what is valid but suspicious (lowercase operators, private addresses), as a process starts.
    `parse_rules=False`: a process that matches no rule; `mark_checked`: a process that starts
    one or follows the config (see `pipeline.config.load`)."""
    loaded = or_exit(lambda: load(path, parse_rules=parse_rules, mark_checked=mark_checked))
    if warn:
        for warning in loaded.warnings:
            logging.getLogger("wirewatch.config").warning("config: %s", warning)
    return loaded


def or_exit(load: Callable[[], T]) -> T:
    """`load()`, or every config error on stderr and exit 2."""
    try:
        return load()
    except ConfigError as exc:
        click.echo(format_issues(exc), err=True)
        sys.exit(2)


def redis_url_or_exit(cfg: Config) -> str:
    url = redis_url_for(cfg)
    if not url:
        click.echo(
            "wirewatch: no Redis: set REDIS_URL (or redis_url in the config), "
            "or start `wirewatch run` on this machine",
            err=True,
        )
        sys.exit(2)
    if url.startswith(f"{SENTINEL_SCHEME}:"):
        try:
            RedisSentinelConfig.from_url(url)
        except ValueError as exc:
            click.echo(f"wirewatch: REDIS_URL: {exc}", err=True)
            sys.exit(2)
    return url


def warn_of_redis(redis: Redis) -> None:
    """At start (check, run, worker, scheduler): a Redis that evicts keys at its memory limit is
    warned of, naming what it would drop. A Redis not reached says nothing here."""
    try:
        risk = eviction_risk(redis)
    except (RedisError, OSError):
        return
    if risk:
        click.echo(f"wirewatch: warning: {risk}", err=True)
