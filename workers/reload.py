"""Live reload. The config generation is a counter in Redis: `wirewatch reload`, or SIGHUP to
`run`, `scheduler` or `worker`, checks the config files and, when they load, counts it up. Every
worker (on any machine), the scheduler and the web app compare it with the one they loaded
(`GenerationWatch`) between jobs, ticks and requests, and load their config file again when it
moved: new feeds are polled, removed ones stop, changed rules and sinks apply to the next article.
A config that does not load is logged, every error with its file:line, and the one running stays."""

from __future__ import annotations

import logging
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from pipeline.config import Config, Loaded, format_issues, load, named_files
from pipeline.errors import ConfigError

from .store.generation import advance, generation

log = logging.getLogger("wirewatch.reload")


def load_or_keep(path: Path | str, who: str) -> Loaded | None:
    """The config at `path`, or None (every error logged) when it does not load. It leaves its
    mark of checked rules (pipeline.config.checked) for the scheduler that follows it."""
    try:
        return load(path, mark_checked=True)
    except ConfigError as exc:
        log.error("%s: the config does not load; the one running stays:\n%s", who, format_issues(exc))
        return None


def request_reload(redis: Redis, path: Path | str, who: str) -> int | None:
    """Check the config at `path` and, when it loads, count the generation up (every process
    reloads); the new generation, or None when the config does not load."""
    if load_or_keep(path, who) is None:
        return None
    new = advance(redis)
    log.info("%s: config generation %d: every worker and the scheduler load it now", who, new)
    return new


def watched_files(config_path: Path | str) -> list[Path]:
    """The config file and the rules and feeds files it names."""
    return [Path(config_path), *named_files(config_path).values()]


class FileWatch:
    """`run --watch`: whether the config, rules or feeds file changed since the last look. Three
    stat calls a second need no watching library (and work on every file system, NFS included)."""

    def __init__(self, config_path: Path | str) -> None:
        self.config_path = config_path
        self._seen = self._stamps()

    def _stamps(self) -> dict[Path, tuple[int, int] | None]:
        stamps: dict[Path, tuple[int, int] | None] = {}
        for file in watched_files(self.config_path):
            try:
                st = file.stat()
                stamps[file] = (st.st_mtime_ns, st.st_size)
            except OSError:
                stamps[file] = None
        return stamps

    def changed(self) -> bool:
        now = self._stamps()
        if now == self._seen:
            return False
        self._seen = now
        return True


class GenerationWatch:
    """The one way a process follows the config generation (workers between jobs, the scheduler
    each tick, the web app at each request): `newer` loads the config file again when the
    generation moved since the last look. A config that does not load is logged and not tried
    again until the generation moves again; the one running stays."""

    def __init__(self, redis: Redis, who: str) -> None:
        self.redis, self.who = redis, who
        self.seen: int | None = self._read()

    def _read(self) -> int | None:
        try:
            return generation(self.redis)
        except RedisError:  # Redis away for a moment: the next look sees the generation
            return None

    def newer(self, path: Path | str | None) -> Loaded | None:
        """The config at `path` when the generation moved and it loads, else None."""
        now = self._read()
        if now is None or now == self.seen:
            return None
        self.seen = now
        return load_or_keep(path, self.who) if path is not None else None


class LiveConfig:
    """The config as of the latest generation, for a reader outside the job loop (the web app)."""

    def __init__(self, config: Config, redis: Redis) -> None:
        self._config = config
        self._watch = GenerationWatch(redis, "metrics")

    def __call__(self) -> Config:
        loaded = self._watch.newer(self._config.config_path)
        self._config = loaded.config if loaded is not None else self._config
        return self._config
