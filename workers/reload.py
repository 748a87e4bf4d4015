"""Live reload. The config generation is a counter in Redis: `wirewatch reload`, or SIGHUP to
`run`, `scheduler` or `worker`, checks the config files and, when they load, counts it up. Every
worker (on any machine) and the scheduler compare it with their own between jobs and ticks, and
load their config file again when it moved: new feeds are polled, removed ones stop, changed
rules and sinks apply to the next article. A config that does not load is logged, every error
with its file:line, and the one running stays."""

from __future__ import annotations

import logging
from pathlib import Path

from redis import Redis

from pipeline.config import format_issues, load_config
from pipeline.errors import ConfigError
from pipeline.schema import Config

from . import state

log = logging.getLogger("wirewatch.reload")

GENERATION_KEY = state.PREFIX + "config:generation"


def generation(redis: Redis) -> int:
    raw = redis.get(GENERATION_KEY)
    return int(raw) if raw else 0


def load_or_keep(path: Path | str, who: str) -> Config | None:
    """The config at `path`, or None (every error logged) when it does not load."""
    try:
        return load_config(path)
    except ConfigError as exc:
        log.error("%s: the config does not load; the one running stays:\n%s", who, format_issues(exc))
        return None


def request_reload(redis: Redis, path: Path | str, who: str) -> int | None:
    """Check the config at `path` and, when it loads, count the generation up (every process
    reloads); the new generation, or None when the config does not load."""
    if load_or_keep(path, who) is None:
        return None
    new = int(redis.incr(GENERATION_KEY))
    log.info("%s: config generation %d: every worker and the scheduler load it now", who, new)
    return new
