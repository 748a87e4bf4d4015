"""What every command shares: the options that work before and after the subcommand (`-c`,
`-v`, `--log-format`), loading the config (every error at once, exit 2) and finding Redis."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline.config import format_issues, load_config
from pipeline.errors import ConfigError
from pipeline.schema import Config

from .. import logs
from ..context import CONFIG_ENV, redis_url_for

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_CONFIG = "config/wirewatch.yaml"


@dataclass
class CliState:
    """The shared options, as the group and then the subcommand set them (the later one wins;
    -v counts add up)."""

    config_path: str = field(default_factory=lambda: str(Path(DEFAULT_CONFIG).resolve()))
    verbose: int = 0
    log_format: logs.LogFormat = "text"

    def configure_logging(self) -> None:
        logs.configure(self.verbose, self.log_format)


def _state(ctx: click.Context) -> CliState:
    return ctx.ensure_object(CliState)


def _set_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        _state(ctx).config_path = str(Path(value).resolve())


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
            "-c", "--config", type=click.Path(dir_okay=False), default=DEFAULT_CONFIG if top else None,
            envvar=CONFIG_ENV if top else None, expose_value=False, callback=_set_config,
            help=f"config file [default {DEFAULT_CONFIG}, env {CONFIG_ENV}]",
        )(f)  # fmt: skip

    return decorate


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


def redis_url_or_exit(cfg: Config) -> str:
    url = redis_url_for(cfg)
    if not url:
        click.echo(
            "wirewatch: no Redis: set REDIS_URL (or redis_url in the config), "
            "or start `wirewatch run` on this machine",
            err=True,
        )
        sys.exit(2)
    return url
