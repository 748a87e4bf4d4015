"""The status page (/), Prometheus metrics, /healthz and /readyz on `metrics_listen` (default 127.0.0.1:9108).

Counters and histograms are kept by each process with prometheus-client. Under `wirewatch run`
every child writes them to files in $PROMETHEUS_MULTIPROC_DIR (data_dir/metrics, emptied when
`run` starts) and run's one endpoint adds them up: prometheus-client's multiprocess mode, so a
worker that restarts keeps its counts and they only reset when `run` itself restarts. A
`worker` or `scheduler` started on its own serves its own counters. Gauges (queue depths, feeds
by health, dead letters, rules, config generation, workers, digest alerts waiting) are read from
Redis when scraped. Names follow Miniflux's and rq-exporter's style: wirewatch_<what>_<unit>.
"""

from __future__ import annotations

import base64
import hmac
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError

from pipeline.schema import Config

from . import reload, state

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
DURATIONS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass(frozen=True)
class Metrics:
    """The counters and histograms one process keeps, made once at its start and passed in."""

    registry: CollectorRegistry
    polls: Counter
    poll_seconds: Histogram
    entries: Counter
    articles: Counter
    extract_seconds: Histogram
    matches: Counter
    alerts: Counter
    stories_merged: Counter
    deliveries: Counter
    delivery_seconds: Histogram
    dead_letters: Counter

    @classmethod
    def create(cls) -> Metrics:
        r = CollectorRegistry()
        return cls(
            registry=r,
            polls=Counter(
                "wirewatch_polls",
                "Feed polls, by outcome and HTTP status class",
                ["outcome", "status"],
                registry=r,
            ),
            poll_seconds=Histogram(
                "wirewatch_poll_duration_seconds", "How long a feed poll took", buckets=DURATIONS, registry=r
            ),
            entries=Counter(
                "wirewatch_entries", "Feed entries listed (seen) and new ones", ["state"], registry=r
            ),
            articles=Counter(
                "wirewatch_articles_processed",
                "Articles processed, by where their text came from",
                ["text_from"],
                registry=r,
            ),
            extract_seconds=Histogram(
                "wirewatch_extraction_duration_seconds",
                "Page to article (extraction)",
                buckets=DURATIONS,
                registry=r,
            ),
            matches=Counter("wirewatch_rule_matches", "Rule matches, by rule", ["rule"], registry=r),
            alerts=Counter(
                "wirewatch_alerts_created", "Alerts created (one per rule and story)", ["rule"], registry=r
            ),
            stories_merged=Counter(
                "wirewatch_stories_merged",
                "Articles placed in an existing story, by how",
                ["how"],
                registry=r,
            ),
            deliveries=Counter(
                "wirewatch_deliveries", "Delivery tries, by sink and outcome", ["sink", "outcome"], registry=r
            ),
            delivery_seconds=Histogram(
                "wirewatch_delivery_duration_seconds",
                "How long a delivery try took",
                ["sink"],
                buckets=DURATIONS,
                registry=r,
            ),
            dead_letters=Counter("wirewatch_dead_letters", "Deliveries that gave up", registry=r),
        )


class RedisCollector(Collector):
    """The gauges, read from Redis at each scrape."""

    def __init__(self, config: Callable[[], Config], redis: Redis) -> None:
        self.config, self.redis = config, redis

    def collect(self) -> Iterator[Metric]:
        import time

        from rq import Worker

        from . import digests
        from .overview import feed_rows, health_counts, queue_rows

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
            for name, count in health_counts(feed_rows(cfg, redis, time.time())).items():
                feeds.add_metric([name], count)
            yield from (depth, failed, feeds)
            yield GaugeMetricFamily("wirewatch_dead_letters_waiting", "Dead letters kept",
                                    value=redis.zcard(state.FAILED_DELIVERIES))  # fmt: skip
            yield GaugeMetricFamily("wirewatch_digest_alerts_waiting", "Alerts waiting for their digest",
                                    value=sum(digests.waiting(redis).values()))  # fmt: skip
            yield GaugeMetricFamily("wirewatch_rules_loaded", "Rules in the config", value=len(cfg.rules))
            yield GaugeMetricFamily("wirewatch_config_generation", "The config generation (wirewatch reload)",
                                    value=reload.generation(redis))  # fmt: skip
            yield GaugeMetricFamily(
                "wirewatch_workers", "Workers registered", value=Worker.count(connection=redis)
            )
            up.add_metric([], 1)
        except RedisError as exc:
            log.debug("metrics: Redis did not answer: %s", exc)
            up.add_metric([], 0)
        yield up


def readiness(redis: Redis, need_scheduler: bool, need_workers: bool) -> list[str]:
    """What keeps this system from doing its work (empty: ready)."""
    from rq import Worker

    try:
        redis.ping()
    except RedisError as exc:
        return [f"redis: unreachable: {exc}"]
    problems = []
    try:
        if need_scheduler and not redis.exists(state.LEADER_KEY):
            problems.append("scheduler: none leads (none is running, or it lost Redis)")
        if need_workers and Worker.count(connection=redis) == 0:
            problems.append("workers: none is consuming the queues")
    except RedisError as exc:
        problems.append(f"redis: {exc}")
    return problems


class _Server(ThreadingMixIn, WSGIServer):
    """One thread a connection: a browser's idle keep-alive or speculative connections must not
    hold up the next scrape (a WSGIServer alone answers one connection at a time)."""

    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every 15 s are no news
        pass


def authorized(header: str, token: str | None) -> bool:
    """Whether an Authorization header carries the token: as a Bearer token (Prometheus, curl)
    or as the password of basic auth, any user name (a browser's prompt, for the status page)."""
    if token is None:
        return True
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.encode(), token.encode())


def serve(
    listen: str, registry: CollectorRegistry, redis: Redis, config: Callable[[], Config], *,
    token: str | None, need_scheduler: bool, need_workers: bool,
) -> WSGIServer:  # fmt: skip
    """Serve the status page (/), /metrics, /healthz and /readyz on host:port from a daemon
    thread; the server (its `server_port` is the port bound, for listen "host:0")."""
    from . import status_page

    host, _, port = listen.rpartition(":")
    metrics_app = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if not authorized(environ.get("HTTP_AUTHORIZATION", ""), token):
            start_response("401 Unauthorized", [
                ("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer"),
                ("WWW-Authenticate", 'Basic realm="wirewatch", charset="UTF-8"'),
            ])  # fmt: skip
            return [b"a token is required (metrics_token): as a Bearer token or the basic-auth password\n"]
        if path == "/metrics":
            return metrics_app(environ, start_response)  # type: ignore[no-any-return]
        if path == "/readyz":
            problems = readiness(redis, need_scheduler, need_workers)
            status = "503 Service Unavailable" if problems else "200 OK"
            start_response(status, [("Content-Type", "text/plain")])
            return [("\n".join(problems) or "ready").encode() + b"\n"]
        if path == "/":
            answered, page = status_page.render(config(), redis)
            start_response("200 OK" if answered else "503 Service Unavailable", list(status_page.HEADERS))
            return [page.encode("utf-8")]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"/ (the status page), /metrics, /healthz, /readyz\n"]

    bind = host.strip("[]") or "127.0.0.1"
    server = make_server(bind, int(port), app, server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    where = f"http://{host}:{server.server_port}/"
    access = (
        "a token is required (metrics_token: a Bearer token, or the basic-auth password)"
        if token
        else "no token: reachable from this machine only"
    )
    log.info("metrics: status page on %s; /metrics, /healthz, /readyz beside it; %s", where, access)
    return server


def registry_for(metrics: Metrics | None, config: Callable[[], Config], redis: Redis) -> CollectorRegistry:
    """What an endpoint serves: every child's counters under `run` (multiprocess), else this
    process's own; and the Redis gauges."""
    path = os.environ.get(MULTIPROC_ENV)
    registry = CollectorRegistry() if path or metrics is None else metrics.registry
    if path:
        MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
    registry.register(RedisCollector(config, redis))
    return registry
