"""The resources of a worker's jobs, built once when the worker starts (or reloads its config) and
handed to every job as its first argument (arq's `ctx`): `Services` plus the fetcher, the compiled
rules (read from this machine's compiled file: workers.compiled_rules), the sinks, a thread pool
for fetches and first delivery tries, and the per-host limits."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from types import TracebackType

from redis import Redis

from pipeline.config import Config, sink_templates
from pipeline.fetch import Fetcher
from pipeline.mutes import Mutes
from pipeline.rules import Matcher
from pipeline.rules.nodes import Node
from pipeline.sinks import Sink, make_sink
from pipeline.stories import StoryPolicy

from .compiled_rules import compiled_matcher
from .metrics import Metrics
from .recording import SeenReadsDown
from .services import Queues, Services
from .store import feedback as feedback_store

POLL_THREADS = 32  # concurrent feed and page requests of one worker


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
    history_down: SeenReadsDown = field(default_factory=SeenReadsDown)  # its seen queries failing
    rule_sinks: dict[str, tuple[str, ...]] = field(init=False)  # rule id -> its enabled sinks
    mutes: Mutes = field(init=False)  # the config's and its feeds' mutes (pipeline.mutes)
    story_policy: StoryPolicy = field(init=False)
    _feedback_key: bytes | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        cfg = self.services.config
        self.rule_sinks = {r.id: cfg.sinks_for(r) for r in cfg.rules}
        self.story_policy = StoryPolicy.of(cfg)
        self.mutes = Mutes.of(cfg)

    def feedback_key(self) -> bytes:
        """What feedback links are signed with (workers.store.feedback): read at the first alert
        that needs one, then kept for the worker's life, not asked of Redis per article."""
        if self._feedback_key is None:
            self._feedback_key = feedback_store.secret(self.redis, self.config.feedback_secret)
        return self._feedback_key

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
    def build(
        cls, services: Services, metrics: Metrics | None = None, queries: Mapping[str, Node] | None = None
    ) -> WorkerContext:
        """`queries`: the rules' queries as the loader parsed them (pipeline.config.Loaded), not
        parsed again when the rules must be compiled; the matcher parses those it lacks."""
        config = services.config
        d = config.defaults
        fetcher = Fetcher(
            d.user_agent, d.fetch_timeout, config.allow_private_networks, max_connections=POLL_THREADS * 2
        )
        matcher = compiled_matcher(config, queries)
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
