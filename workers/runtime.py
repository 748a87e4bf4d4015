"""Resources a worker makes once at start and hands to every job: config, compiled rules,
the HTTP client, the sinks, the Redis connection and the queues."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

from pipeline.config import load_config
from pipeline.fetch import Fetcher
from pipeline.rules import Matcher
from pipeline.schema import Config
from pipeline.sinks import Sink, make_sink

log = logging.getLogger(__name__)

QUEUE_NAMES = ("alerts", "articles", "feeds")  # a worker serves them in this order: deliveries first
CONFIG_ENV = "WIREWATCH_CONFIG"
REDIS_ENV = "WIREWATCH_REDIS_URL"


def redis_from_url(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


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
        return [self.alerts, self.articles, self.feeds]


@dataclass
class Runtime:
    config: Config
    redis: Redis
    matcher: Matcher
    fetcher: Fetcher
    sinks: dict[str, Sink]
    queues: Queues = field(init=False)
    rule_sinks: dict[str, tuple[str, ...]] = field(init=False)  # rule id -> its enabled sinks

    def __post_init__(self) -> None:
        self.queues = Queues.on(self.redis)
        self.rule_sinks = {r.id: self.config.sinks_for(r) for r in self.config.rules}

    @classmethod
    def build(cls, config: Config, redis: Redis) -> Runtime:
        d = config.defaults
        fetcher = Fetcher(d.user_agent, d.fetch_timeout, config.allow_private_networks)
        matcher = Matcher(config.rules, config.aliases)
        sinks = {s.id: make_sink(s, fetcher) for s in config.sinks if s.enabled}
        return cls(config=config, redis=redis, matcher=matcher, fetcher=fetcher, sinks=sinks)

    def close(self) -> None:
        self.fetcher.close()


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    """Make `runtime` the one the jobs of this process use (called once at worker start)."""
    global _current
    _current = runtime


def current() -> Runtime:
    """The installed runtime; a process that never installed one (a forking worker's horse, a
    plain `rq worker`) builds it once from WIREWATCH_CONFIG and WIREWATCH_REDIS_URL."""
    global _current
    if _current is None:
        config = load_config(os.environ.get(CONFIG_ENV, "config/wirewatch.yaml"))
        url = os.environ.get(REDIS_ENV) or config.redis_url
        if not url:
            raise RuntimeError(f"no Redis URL: set {REDIS_ENV} or redis_url in the config")
        _current = Runtime.build(config, redis_from_url(url))
    return _current
