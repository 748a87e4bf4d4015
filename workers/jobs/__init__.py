"""The RQ jobs, one module per queue: load state, call pipeline/, save state, enqueue what
follows. Each is called with the worker's `WorkerContext` first, and is idempotent: a re-run
sends nothing twice.

    polls.poll_feeds(batch of due feeds)          queue feeds
    articles.process_articles(batch of entries)   queue articles
    deliveries.deliver(alert, sink)               queue alerts (and deliver_notice, deliver_digest)
    websub.websub_request(feed, mode)             queue feeds (and websub_push: a hub's push)

Expected outcomes (a feed that is down, a 404 page) are recorded and logged, not raised: only a
delivery raises, so that RQ retries it on the schedule `workers.retries` decides.

RQ stores each job's function by name in Redis: `workers.jobs.poll_feeds` and the others below
are those names, kept stable so that jobs queued (or dead letters kept) by an earlier version run
after an upgrade.
"""

from .articles import process_articles
from .deliveries import deliver, deliver_digest, deliver_notice
from .polls import poll_feeds
from .websub import websub_push, websub_request

__all__ = [
    "deliver", "deliver_digest", "deliver_notice", "poll_feeds", "process_articles", "websub_push",
    "websub_request",
]  # fmt: skip
