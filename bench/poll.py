"""Polling at scale: N feeds, all due every minute, under `wirewatch run`. One JSON line.

    python bench/poll.py [--feeds 10000] [--window 300] [--workers 2] [--hosts 0]
                         [--share-200 0.0] [--share-slow 0.0] [--share-429 0.0] [--share-500 0.0]
                         [--mixed]
    python bench/poll.py --kinds      the CPU of reading a poll's body, by kind of source

Without --hosts every feed is on 127.0.0.1, standing in for many publishers, with no host delay.
--hosts N spreads them over N loopback addresses (127.0.0.2 and up, feed n on the (n mod N)th),
as real feeds are spread over publishers, under the default politeness (host_delay 1 s).

The feeds answer 304 to a matching ETag (a share answers 200 with a fresh item, 429 or 500, or
takes 3 s). The run gets an embedded Redis (REDIS_URL unset) and no rules or sinks, so the figure
is polling itself. After the first round has reached every feed, a window of at least five
minutes is measured:

    polls_per_minute            requests the feeds received, per minute of the window
    share_304                   of those, answered 304 (window_statuses: all the answers)
    feeds_polled_every_round    share of feeds polled at least floor(window / interval) times
    max_gap_s                   the longest time between two polls of one feed
    cpu_per_wall_s              CPU seconds of every wirewatch process (Redis included) per second
    redis_bytes_per_feed        Redis used_memory / feeds
    min_host_gap_s              the shortest time between two requests to one host (by the Host
                                they named, when each reached the TCP stack: the kernel's
                                receive timestamp), over the whole run, first round included
    host_gaps_under_delay       how many such gaps were shorter than the host's delay (--hosts)

--mixed: feeds that misbehave all along, by their number: 1% answer 429 with Retry-After: 300,
1% answer 500, 0.5% answer 410 Gone, 0.5% answer 301 to a new URL (which then answers 304).
The figures then count only the other 97% as "every round", and add:

    retry_after_violations      requests to a 429 feed before the Retry-After it was given
    polls_after_410             requests to a 410 feed after its first 410 (retired: none)
    old_url_polls_after_301     requests to a moved feed's old URL after its first 301
    moved_polled_at_new_url     share of moved feeds polled at their new URL
    failing_polls_per_feed_hour requests per 500 feed per hour (backing off: far below 60)
"""

from __future__ import annotations

import argparse
import ipaddress
import itertools
import json
import random
import signal
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loopback import ARRIVED, run_wirewatch, serve, tree_cpu  # noqa: E402
from workers.services import embedded_running_at as running_at  # noqa: E402

RETRY_AFTER = 300  # seconds a --mixed 429 feed asks for
HOST_DELAY = 1.0  # the default host_delay, which applies under --hosts
FIRST_HOST = ipaddress.IPv4Address("127.0.0.2")


def misbehaviour(n: int) -> str | None:
    """What feed n does all along under --mixed: 429, 500, 410, 301, or nothing odd."""
    return {0: "429", 1: "429", 2: "500", 3: "500", 4: "410", 5: "301"}.get(n % 200)


class FeedSite:
    """Feeds /f/<n>.xml (and /m/<n>.xml, where --mixed moves some); each request's time is kept
    per feed."""

    def __init__(
        self, shares: dict[str, float], hosts: list[str], mixed: bool = False, seed: int = 7
    ) -> None:
        self.mixed = mixed
        self.hosts = hosts
        self.by_host: dict[str, list[float]] = defaultdict(list)  # Host header -> request times
        self.events: list[tuple[int, str, float, int]] = []  # (feed, path kind, when, status), --mixed
        self.polls: dict[int, list[float]] = defaultdict(list)
        self.answers: list[tuple[float, int]] = []  # (when, status) of every request
        self.lock = threading.Lock()
        self.shares = shares
        self.random = random.Random(seed)
        self.server = serve(
            lambda path, headers: self.answer(
                path, headers.get("host", ""), headers.get("if-none-match"), float(headers[ARRIVED])
            ),
            hosts,
        )
        self.port = self.server.server_address[1]

    def url(self, n: int) -> str:
        return f"http://{self.hosts[n % len(self.hosts)]}:{self.port}/f/{n}.xml"

    def answer(
        self, path: str, host: str, etag: str | None, arrived: float
    ) -> tuple[int, dict[str, str], bytes]:
        n = int(path.rsplit("/", 1)[1].split(".")[0])
        with self.lock:
            self.polls[n].append(arrived)
            self.by_host[host].append(arrived)
            roll = self.random.random()
        odd = misbehaviour(n) if self.mixed and path.startswith("/f/") else None
        if odd is not None:
            status, headers = {
                "429": (429, {"Retry-After": str(RETRY_AFTER)}),
                "500": (500, {}),
                "410": (410, {}),
                "301": (301, {"Location": f"/m/{n}.xml"}),
            }[odd]
            with self.lock:
                self.events.append((n, "old", time.time(), status))
            return self._count(status, headers)
        if self.mixed and path.startswith("/m/"):
            with self.lock:
                self.events.append((n, "new", time.time(), 304))
        s = self.shares
        if roll < s["slow"]:
            time.sleep(3)
        elif roll < s["slow"] + s["429"]:
            return self._count(429, {"Retry-After": "60"})
        elif roll < s["slow"] + s["429"] + s["500"]:
            return self._count(500, {})
        fresh = roll > 1 - s["200"]
        tag = f'"v-{n}"'
        if etag == tag and not fresh:
            return self._count(304, {"ETag": tag})
        item = f"<item><title>Story {n}</title><guid>s-{n}-{time.time_ns()}</guid></item>" if fresh else ""
        body = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<link>http://127.0.0.1/</link><description>bench</description>{item}</channel></rss>"
        ).encode()
        return self._count(200, {"ETag": tag, "Content-Type": "application/rss+xml"}, body)

    def _count(
        self, status: int, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.answers.append((time.time(), status))
        return status, headers, body


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=10_000)
    ap.add_argument("--window", type=float, default=300.0, help="seconds measured after the first round")
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hosts", type=int, default=0, help="loopback addresses the feeds are spread over")
    for share in ("200", "slow", "429", "500"):
        ap.add_argument(f"--share-{share}", type=float, default=0.0)
    ap.add_argument("--mixed", action="store_true", help="1%% 429, 1%% 500, 0.5%% 410, 0.5%% 301, all along")
    ap.add_argument("--kinds", action="store_true", help="instead: the CPU of reading a poll's body, by kind")
    args = ap.parse_args()
    if args.kinds:
        print(json.dumps(kinds_bench()))
        return
    shares = {k: getattr(args, f"share_{k}") for k in ("200", "slow", "429", "500")}
    hosts = [str(FIRST_HOST + i) for i in range(args.hosts)] or ["127.0.0.1"]
    site = FeedSite(shares, hosts, mixed=args.mixed)
    with tempfile.TemporaryDirectory(prefix="ww-bench-", dir="/tmp") as tmp:
        cfg = {
            "defaults": {"poll_jitter": "0s", "host_delay": f"{HOST_DELAY}s"},
            # without --hosts every feed is on 127.0.0.1, standing in for many publishers: no
            # per-host delay there; with --hosts the default politeness applies
            "hosts": {} if args.hosts else {"127.0.0.1": {"delay": "0s", "max_requests": 4}},
            # pinned: every feed due every interval, the load the ingest issue set
            "feeds": [{"url": site.url(n), "interval": f"{args.interval}s"} for n in range(args.feeds)],
            "rules": [],
            "sinks": [],
        }
        proc = run_wirewatch(tmp, cfg, args.workers)
        try:
            started = time.time()
            while len(site.polls) < args.feeds:  # the first round
                if time.time() - started > 600 or proc.poll() is not None:
                    raise SystemExit(
                        f"first round incomplete: {len(site.polls)} of {args.feeds} feeds polled"
                    )
                time.sleep(0.5)
            first_round = time.time() - started
            t0, cpu0 = time.time(), tree_cpu(proc.pid)
            time.sleep(args.window)
            t1, cpu1 = time.time(), tree_cpu(proc.pid)
            url = running_at(Path(tmp) / "var")
            used = int(Redis.from_url(url).info("memory")["used_memory"]) if url else 0
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    with site.lock:
        in_window = {n: [t for t in ts if t0 <= t < t1] for n, ts in site.polls.items()}
        gaps = [
            b - a for ts in site.polls.values() for a, b in itertools.pairwise(ts) if a >= t0 - args.interval
        ]
        statuses: dict[int, int] = defaultdict(int)
        for when, status in site.answers:
            if t0 <= when < t1:
                statuses[status] += 1
        host_gaps = [b - a for ts in site.by_host.values() for a, b in itertools.pairwise(sorted(ts))]
    polls = sum(len(v) for v in in_window.values())
    rounds = int(args.window // args.interval)
    healthy = [n for n in range(args.feeds) if not (args.mixed and misbehaviour(n))]
    every = sum(1 for n in healthy if len(in_window.get(n, [])) >= rounds)
    total = sum(statuses.values()) or 1
    extra = mixed_figures(site, args.feeds, t1) if args.mixed else {}
    print(
        json.dumps(
            {
                "bench": "poll",
                "feeds": args.feeds,
                "interval_s": args.interval,
                "workers": args.workers,
                "hosts": args.hosts,
                "shares": shares,
                "first_round_s": round(first_round, 1),
                "window_s": round(t1 - t0, 1),
                "polls_per_minute": round(polls / (t1 - t0) * 60),
                "share_304": round(statuses.get(304, 0) / total, 3),
                "window_statuses": dict(statuses),
                "feeds_polled_every_round": round(every / len(healthy), 4),
                "max_gap_s": round(max(gaps), 1) if gaps else None,
                "cpu_per_wall_s": round((cpu1 - cpu0) / (t1 - t0), 3),
                "redis_bytes_per_feed": round(used / args.feeds),
                "min_host_gap_s": round(min(host_gaps), 3) if host_gaps else None,
                "host_gaps_under_delay": sum(1 for g in host_gaps if g < HOST_DELAY) if args.hosts else None,
                **extra,
            }
        )
    )


def mixed_figures(site: FeedSite, feeds: int, end: float) -> dict[str, object]:
    """What --mixed checks: Retry-After kept, retired feeds left alone, moves followed."""
    by_feed: dict[int, list[tuple[str, float, int]]] = defaultdict(list)
    with site.lock:
        for n, kind, when, status in site.events:
            by_feed[n].append((kind, when, status))
    violations = after_410 = old_after_301 = 0
    moved_at_new = failing_polls = 0
    started = min((w for evs in by_feed.values() for _, w, _ in evs), default=end)
    for n in range(feeds):
        odd, events = misbehaviour(n), sorted(by_feed.get(n, []), key=lambda e: e[1])
        olds = [w for kind, w, _ in events if kind == "old"]
        if odd == "429":
            violations += sum(1 for a, b in itertools.pairwise(olds) if b < a + RETRY_AFTER - 1)
        elif odd == "410":
            after_410 += max(0, len(olds) - 1)
        elif odd == "301":
            old_after_301 += max(0, len(olds) - 1)
            moved_at_new += any(kind == "new" for kind, _, _ in events)
        elif odd == "500":
            failing_polls += len(olds)
    kinds = [misbehaviour(n) for n in range(feeds)]
    hours = max(1e-9, (end - started) / 3600)
    return {
        "mixed": {k: kinds.count(k) for k in ("429", "500", "410", "301")},
        "retry_after_violations": violations,
        "polls_after_410": after_410,
        "old_url_polls_after_301": old_after_301,
        "moved_polled_at_new_url": round(moved_at_new / max(1, kinds.count("301")), 3),
        "failing_polls_per_feed_hour": round(failing_polls / max(1, kinds.count("500")) / hours, 1),
    }


def kinds_bench(repeat: int = 20) -> dict[str, object]:
    """The CPU of reading one poll's body by each kind of source (pipeline.sources), in this
    process, bodies in memory (a sitemap index's children too): what a poll of each kind costs on
    top of its fetch. rss: every real, well-formed RSS or Atom capture of ../shared/corpus/feeds;
    the others: the fixtures of tests/fixtures (a 20-post channel preview as t.me serves it, two
    listing pages, a news sitemap, and a news sitemap of 1,000 URLs as big news sites publish,
    behind an index). Per input the least CPU of `repeat` reads; per kind the median input."""
    from pipeline.config import FeedConfig
    from pipeline.feeds import Body
    from pipeline.sources import SOURCE_KINDS

    fixtures = ROOT / "tests" / "fixtures"
    corpus = ROOT.parent / "shared" / "corpus" / "feeds"
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()]
    real = [r for r in rows if r["real_capture"] and not r["malformed"] and r["entries"]]
    rss = [(corpus / r["path"]).read_bytes() for r in real if r["format"] in ("rss2", "atom")]
    url = (
        "<url><loc>https://news.example.org/world/2026/12/07/story-{n}</loc><news:news><news:publication>"
        "<news:name>Example</news:name><news:language>en</news:language></news:publication>"
        "<news:publication_date>2026-12-07T09:{m:02d}:00Z</news:publication_date>"
        "<news:title>Story number {n} of the day</news:title></news:news></url>"
    )
    big = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/'
        'schemas/sitemap-news/0.9">' + "".join(url.format(n=n, m=n % 60) for n in range(1000)) + "</urlset>"
    )
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
        b"https://news.example.org/big.xml</loc></sitemap></sitemapindex>"
    )
    children = {"https://news.example.org/big.xml": big.encode()}
    inputs: dict[str, list[tuple[str, bytes]]] = {
        "rss": [("https://news.example.org/feed.xml", body) for body in rss],
        "telegram": [("https://t.me/s/kremlinpool_test", (fixtures / "telegram" / f).read_bytes())
                     for f in ("channel.html", "channel_en.html")],
        "page": [("https://court.example.int/news", (fixtures / "page" / f).read_bytes())
                 for f in ("press_releases.html", "ru_news.html")],
        "sitemap": [("https://news.example.org/news.xml", (fixtures / "sitemap" / "news.xml").read_bytes()),
                    ("https://news.example.org/big.xml", big.encode()),
                    ("https://news.example.org/index.xml", index)],
    }  # fmt: skip

    class More:
        since = None

        def __call__(self, address: str) -> Body:
            return Body(children[address], address)

    out: dict[str, object] = {"bench": "poll_kinds", "repeat": repeat}
    medians: dict[str, float] = {}
    for kind, bodies in inputs.items():
        costs = []
        for address, content in bodies:
            feed = FeedConfig(url=address, type=kind)
            read = SOURCE_KINDS[kind].read
            best = float("inf")
            for _ in range(repeat):
                started = time.process_time()
                read(Body(content, feed.url), feed, More())
                best = min(best, time.process_time() - started)
            costs.append(best)
        costs.sort()
        medians[kind] = costs[len(costs) // 2]
        out[kind] = {
            "inputs": len(bodies),
            "median_bytes": sorted(len(c) for _, c in bodies)[len(bodies) // 2],
            "cpu_ms_per_poll": round(medians[kind] * 1000, 3),
            "cpu_ms_each": [round(c * 1000, 3) for c in costs] if len(costs) <= 4 else None,
        }
    out["ratio_to_rss"] = {k: round(v / medians["rss"], 2) for k, v in medians.items() if k != "rss"}
    return out


if __name__ == "__main__":
    main()
