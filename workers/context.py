"""Resources, split by who needs them, each made once at process start and passed in.

    Services        config, Redis, queues: what the scheduler, `status` and enqueueing need
    WorkerContext   Services plus the fetcher, the compiled rules, the sinks and a thread pool:
                    what jobs need; a `WirewatchWorker` builds one and hands it to every job

`redis_url_for` is the one place that decides which Redis a process talks to.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from types import TracebackType

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

from pipeline.config import sink_templates
from pipeline.fetch import Fetcher
from pipeline.rules import Matcher
from pipeline.schema import Config, FeedConfig, person_variants
from pipeline.sinks import Sink, make_sink
from pipeline.stories import StoryPolicy

from . import redis_embedded
from .metrics import Metrics

log = logging.getLogger(__name__)

REDIS_URL_ENV = "REDIS_URL"
CONFIG_ENV = "WIREWATCH_CONFIG"
POLL_THREADS = 32  # concurrent feed and page requests of one worker


def configured_redis_url(config: Config, environ: Mapping[str, str] | None = None) -> str | None:
    """The Redis the user named: $REDIS_URL (whatever the config file says), else the config's
    redis_url. None: `wirewatch run` starts an embedded one."""
    env = os.environ if environ is None else environ
    return env.get(REDIS_URL_ENV) or config.redis_url


def redis_url_for(config: Config, environ: Mapping[str, str] | None = None) -> str | None:
    """The Redis to use: the configured one, else an embedded Redis already serving data_dir (so
    `wirewatch worker` on the same machine joins a running `wirewatch run`)."""
    return configured_redis_url(config, environ) or redis_embedded.running_at(config.data_dir)


def connect(url: str) -> Redis:
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
        """In the order a worker serves them: deliveries first, polls last."""
        return [self.alerts, self.articles, self.feeds]


@dataclass
class Services:
    """What every process that talks to Redis needs; cheap to make (no rules compiled)."""

    config: Config
    redis: Redis
    queues: Queues = field(init=False)
    feeds: dict[str, FeedConfig] = field(init=False)  # by feed id

    def __post_init__(self) -> None:
        self.queues = Queues.on(self.redis)
        self.feeds = {f.id: f for f in self.config.feeds}


class HostLimiter:
    """At most `per_host(host)` requests at once to one host, across the threads of a worker."""

    def __init__(self, per_host: Callable[[str], int]) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._slots.get(host)
            if sem is None:
                sem = self._slots[host] = threading.BoundedSemaphore(self.per_host(host))
            return sem


@dataclass
class WorkerContext(AbstractContextManager["WorkerContext"]):
    """Everything a job needs, built once per worker (the arq `ctx`)."""

    services: Services
    fetcher: Fetcher
    matcher: Matcher
    sinks: dict[str, Sink]
    pool: ThreadPoolExecutor
    hosts: HostLimiter
    metrics: Metrics = field(default_factory=Metrics.create)
    rule_sinks: dict[str, tuple[str, ...]] = field(init=False)  # rule id -> its enabled sinks
    story_policy: StoryPolicy = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.services.config
        self.rule_sinks = {r.id: cfg.sinks_for(r) for r in cfg.rules}
        self.story_policy = StoryPolicy.of(cfg)

    @property
    def config(self) -> Config:
        return self.services.config

    @property
    def redis(self) -> Redis:
        return self.services.redis

    @property
    def queues(self) -> Queues:
        return self.services.queues

    @classmethod
    def build(cls, services: Services, metrics: Metrics | None = None) -> WorkerContext:
        config = services.config
        d = config.defaults
        fetcher = Fetcher(
            d.user_agent, d.fetch_timeout, config.allow_private_networks, max_connections=POLL_THREADS * 2
        )
        matcher = Matcher(config.rules, config.aliases, people=person_variants(config.people),
                          parsed=config.parsed_queries)  # fmt: skip
        sinks = {s.id: make_sink(s, fetcher, sink_templates(config, s.id)) for s in config.sinks if s.enabled}
        pool = ThreadPoolExecutor(POLL_THREADS, thread_name_prefix="fetch")
        return cls(
            services,
            fetcher,
            matcher,
            sinks,
            pool,
            HostLimiter(config.host_requests),
            metrics or Metrics.create(),
        )

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.fetcher.close()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
