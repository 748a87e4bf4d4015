"""The counters and histograms of one process (served by workers.web at /metrics).

Counters and histograms are kept by each process with prometheus-client. Under `wirewatch run`
every child writes them to files in $PROMETHEUS_MULTIPROC_DIR (data_dir/metrics, emptied when
`run` starts) and run's one endpoint adds them up: prometheus-client's multiprocess mode, so a
worker that restarts keeps its counts and they only reset when `run` itself restarts. A
`worker` or `scheduler` started on its own serves its own counters. Gauges (queue depths, feeds
by health, dead letters, rules, config generation, workers, digest alerts waiting) are read from
Redis when scraped. Names follow Miniflux's and rq-exporter's style: wirewatch_<what>_<unit>.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

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
    article_cpu: Counter
    matches: Counter
    muted: Counter
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
            article_cpu=Counter(
                "wirewatch_article_cpu_seconds",
                "CPU of the article work, by stage (pipeline.stages)",
                ["stage"],
                registry=r,
            ),
            matches=Counter("wirewatch_rule_matches", "Rule matches, by rule", ["rule"], registry=r),
            muted=Counter(
                "wirewatch_articles_muted",
                "Articles a mute took (no rule matched), by mute id ('feed': a feed's own)",
                ["mute"],
                registry=r,
            ),
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
