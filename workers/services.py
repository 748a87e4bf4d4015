"""What every process that talks to Redis needs, made once at its start and passed in: the
config, the connection and the queues (`Services`); and the one place that decides which Redis a
process talks to (`redis_url_for`). Cheap to make: no rules compiled, no sinks built. The jobs'
resources on top of these are `workers.context.WorkerContext`'s.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import Any

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.sentinel import Sentinel
from rq import Queue
from rq.serializers import JSONSerializer

from pipeline.config import Config, FeedConfig, RedisSentinelConfig
from pipeline.config.schema import SENTINEL_SCHEME

from .history import History, history_url_for
from .recording import Recorder
from .store.trouble import LOG_EVERY, REPLICA_WAIT_MS, trouble_of, wait_for_replica

log = logging.getLogger(__name__)

REDIS_URL_ENV = "REDIS_URL"
CONFIG_ENV = "WIREWATCH_CONFIG"
EMBEDDED_SOCKET = "redis.sock"  # where an embedded Redis of data_dir listens (workers.redis_embedded)


def configured_redis_url(config: Config, environ: Mapping[str, str] | None = None) -> str | None:
    """The Redis the user named: $REDIS_URL (whatever the config file says), else the config's
    redis_url or redis_sentinel (as its redis+sentinel:// URL). None: `wirewatch run` starts an
    embedded one."""
    env = os.environ if environ is None else environ
    sentinel = config.redis_sentinel.url() if config.redis_sentinel is not None else None
    return env.get(REDIS_URL_ENV) or config.redis_url or sentinel


def redis_url_for(config: Config, environ: Mapping[str, str] | None = None) -> str | None:
    """The Redis to use: the configured one, else an embedded Redis already serving data_dir (so
    `wirewatch worker` on the same machine joins a running `wirewatch run`)."""
    return configured_redis_url(config, environ) or embedded_running_at(config.data_dir)


def embedded_socket_url(data_dir: Path) -> str:
    return f"unix://{(data_dir / EMBEDDED_SOCKET).resolve()}"


def embedded_running_at(data_dir: Path) -> str | None:
    """The URL of an embedded Redis already serving data_dir (another wirewatch run), if any."""
    if not (data_dir / EMBEDDED_SOCKET).exists():
        return None
    url = embedded_socket_url(data_dir)
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except (RedisConnectionError, OSError):
        return None
    except ResponseError as exc:
        if trouble_of(exc) != "disk":  # one that cannot write its disk refuses PING too: it runs
            raise
    return url


CLIENT_OPTIONS: dict[str, Any] = {"socket_connect_timeout": 5, "health_check_interval": 30}
SENTINEL_TIMEOUT = 2.0  # seconds to reach a sentinel and have its answer: another is asked after


def connect(url: str) -> Redis:
    """A client of the Redis at `url`. A redis+sentinel:// URL (pipeline.config.RedisSentinelConfig)
    gives redis-py's Sentinel-managed client: it asks the sentinels for the master on every new
    connection and drops its connections when the master it talks to was demoted (READONLY), so
    every process follows a failover by itself; what was cut off mid-command fails as a
    ConnectionError, which callers already take as Redis being away for a moment."""
    if url.startswith(f"{SENTINEL_SCHEME}:"):
        where = RedisSentinelConfig.from_url(url)
        sentinels = Sentinel(
            where.hosts(),
            sentinel_kwargs={
                "password": where.sentinel_password,
                "socket_connect_timeout": SENTINEL_TIMEOUT,
                "socket_timeout": SENTINEL_TIMEOUT,
            },
        )
        options = {"db": where.db, "password": where.password, **CLIENT_OPTIONS}
        client: Redis = sentinels.master_for(where.service, **options)
        return client
    return Redis.from_url(url, **CLIENT_OPTIONS)


@dataclass
class Queues:
    feeds: Queue
    articles: Queue
    alerts: Queue

    @classmethod
    def on(cls, redis: Redis) -> Queues:
        def q(name: str) -> Queue:
            return Queue(name, connection=redis, serializer=JSONSerializer)

        return cls(feeds=q("feeds"), articles=q("articles"), alerts=q("alerts"))

    def all(self) -> list[Queue]:
        """In the order a worker serves them: deliveries first, polls last."""
        return [self.alerts, self.articles, self.feeds]


@dataclass
class Services:
    """What every process that talks to Redis needs; cheap to make (no rules compiled, no
    database connection opened until the history store is used)."""

    config: Config
    redis: Redis
    # The process's history store: given when a reloaded config keeps the same one (its engine
    # and pool are kept), else made from the config.
    keep_history: InitVar[History | None] = None
    history: History = field(init=False)
    recorder: Recorder = field(init=False)
    queues: Queues = field(init=False)
    feeds: dict[str, FeedConfig] = field(init=False)  # by feed id
    _unreplicated_said: float = field(init=False, default=float("-inf"))

    def __post_init__(self, keep_history: History | None) -> None:
        wanted = history_url_for(self.config.history_url, self.config.data_dir)
        if keep_history is not None and keep_history.url == wanted:
            self.history = keep_history
            self.history.min_free = self.config.history_min_free
        else:
            self.history = History(wanted, min_free=self.config.history_min_free)
        self.recorder = Recorder(self.history, self.redis)
        self.queues = Queues.on(self.redis)
        self.feeds = {f.id: f for f in self.config.feeds}

    def wait_for_replica(self) -> None:
        """Before the history store counts queued work as handed over: wait (a moment at most)
        until a replica holds it, for a Sentinel-managed Redis (workers.store.trouble). Without
        an acknowledgement, work goes on, and that is logged at most once a minute."""
        if wait_for_replica(self.redis):
            return
        now = time.monotonic()
        if now - self._unreplicated_said >= LOG_EVERY:
            self._unreplicated_said = now
            log.warning(
                "Redis: no replica acknowledged the work just queued within %d ms (replica down or "
                "behind): a failover now could lose it", REPLICA_WAIT_MS,
            )  # fmt: skip

    def again(self, config: Config) -> Services:
        """The services of a reloaded config: the same Redis, the same history store if the
        config still names it."""
        return Services(config, self.redis, self.history)
