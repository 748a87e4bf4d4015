"""What /metrics serves: every child's counters under `run` (prometheus-client's multiprocess
mode), else this process's own, and the gauges read from Redis at each scrape (queue depths,
feeds by health, dead letters, rules, config generation, workers, digest alerts waiting)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError
from rq import Worker

from pipeline.config import Config

from ..metrics import MULTIPROC_ENV, Metrics
from ..overview import feeds_by_health, queue_rows
from ..store import deliveries, digests
from ..store.generation import generation

log = logging.getLogger("workers.metrics")  # the name its lines have always had


class RedisCollector(Collector):
    """The gauges, read from Redis at each scrape."""

    def __init__(self, config: Callable[[], Config], redis: Redis) -> None:
        self.config, self.redis = config, redis

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("wirewatch_redis_up", "1 when Redis answered this scrape")
        try:
            cfg, redis = self.config(), self.redis
            depth = GaugeMetricFamily("wirewatch_queue_depth", "Jobs waiting, per queue", labels=["queue"])
            failed = GaugeMetricFamily(
                "wirewatch_queue_failed", "Jobs in the failed registry", labels=["queue"]
            )
            for q in queue_rows(redis):
                depth.add_metric([q.name], q.queued)
                failed.add_metric([q.name], q.failed)
            feeds = GaugeMetricFamily("wirewatch_feeds", "Feeds, by health state", labels=["state"])
            for name, count in feeds_by_health(cfg, redis).items():
                feeds.add_metric([name], count)
            yield from (depth, failed, feeds)
            yield GaugeMetricFamily("wirewatch_dead_letters_waiting", "Dead letters kept",
                                    value=deliveries.dead_letter_count(redis))  # fmt: skip
            yield GaugeMetricFamily("wirewatch_digest_alerts_waiting", "Alerts waiting for their digest",
                                    value=sum(digests.waiting(redis).values()))  # fmt: skip
            yield GaugeMetricFamily("wirewatch_rules_loaded", "Rules in the config", value=len(cfg.rules))
            yield GaugeMetricFamily("wirewatch_config_generation", "The config generation (wirewatch reload)",
                                    value=generation(redis))  # fmt: skip
            yield GaugeMetricFamily(
                "wirewatch_workers", "Workers registered", value=Worker.count(connection=redis)
            )
            up.add_metric([], 1)
        except RedisError as exc:
            log.debug("metrics: Redis did not answer: %s", exc)
            up.add_metric([], 0)
        yield up


def registry_for(metrics: Metrics | None, config: Callable[[], Config], redis: Redis) -> CollectorRegistry:
    """What an endpoint serves: every child's counters under `run` (multiprocess), else this
    process's own; and the Redis gauges."""
    path = os.environ.get(MULTIPROC_ENV)
    registry = CollectorRegistry() if path or metrics is None else metrics.registry
    if path:
        MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
    registry.register(RedisCollector(config, redis))
    return registry
