"""Articles end to end against plain trafilatura, in one run. One JSON line.

    python bench/pipeline.py [--pages 400] [--rounds 3] [--trickle 100] [--rate 10] [--feeds 8]
                             [--workers 2]

N corpus pages (the scrapinghub and readability sets of ../shared/corpus, repeated under new
URLs past their 274, every third word of a repeat replaced so that each is a story of its own
and alerts: see `distinct_copy`) behind a few RSS feeds on 127.0.0.1, one catch-all rule (`url:127`: every
loopback URL), a loopback webhook receiver (verifying every signature), and `wirewatch run
--workers N` with an embedded Redis, polling every 2 s. Then:

- warm-up: 64 pages go through unmeasured, as plain's processes are warmed before timing;
- rounds: N new pages appear in the feeds at once (a burst), and once all have alerted, plain
  `trafilatura.extract` runs over the same pages in as many processes (made at the start). The
  phases alternate, so a slow spell of this shared machine hits both sides of some round;
- trickle: then --trickle more pages appear in the feeds, --rate a second, as news does.

    e2e_articles_per_s      a burst's pages / (its last alert - the first poll that listed them)
    plain_articles_per_s    pages / time of trafilatura.extract over them
    ratio                   e2e / plain: the median round's (and each round's)
    burst_poll_to_alert_*   median and p95 of (alert received - the poll that first listed it);
                            in a burst that is mostly waiting for the articles ahead of it
    poll_to_alert_*         the same for the trickle: the latency of one story
    cpu_ms_per_article      CPU per page: wirewatch (workers, scheduler, Redis) in the burst,
                            and plain; bench_site_cpu_s is this process's (feeds, pages, receiver)
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from multiprocessing import get_context
from multiprocessing.pool import Pool
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
SETS = ("scrapinghub__article-extraction-benchmark", "mozilla__readability")
sys.path.insert(0, str(ROOT))
from bench.loopback import run_wirewatch, serve, tree_cpu  # noqa: E402
from pipeline.extract import extract_text  # noqa: E402
from pipeline.stories import Fingerprint, StoryPolicy, fingerprint, similarity  # noqa: E402
from workers.demo.site import Answer, WebhookReceiver  # noqa: E402


def corpus_pages(n: int) -> list[bytes]:
    rows = [json.loads(line) for line in (CORPUS / "manifest.jsonl").read_text().splitlines()]
    pages = one_story_each(
        [(CORPUS / r["html_path"]).read_bytes() for r in rows if r["html_path"].split("/")[0] in SETS]
    )
    return [distinct_copy(pages[i % len(pages)], i // len(pages)) for i in range(n)]


def _same_story(a: Fingerprint, b: Fingerprint, policy: StoryPolicy) -> bool:
    if a.signature is None or b.signature is None:
        return False
    jaccard, containment = similarity(a.signature, a.shingles, b.signature, b.shingles)
    return jaccard >= policy.jaccard or containment >= policy.containment


def one_story_each(pages: list[bytes]) -> list[bytes]:
    """The pages less those that are a copy of an earlier one (the two sets share articles):
    a copy joins its story and does not alert, and the bench waits for every page's alert."""
    policy = StoryPolicy()
    kept: list[bytes] = []
    prints: list[Fingerprint] = []
    for page in pages:
        fp = fingerprint("", extract_text(page, "http://127.0.0.1/").text, None, policy.min_words)
        if any(_same_story(fp, other, policy) for other in prints):
            continue
        kept.append(page)
        prints.append(fp)
    return kept


_CODE = re.compile(r"(<(script|style)\b.*?</\2\s*>)", re.S | re.I)
_TEXT = re.compile(r">([^<]+)<")
_WORD = re.compile(r"[^\W_]+")


def distinct_copy(page: bytes, copy: int) -> bytes:
    """The page as its `copy`-th repeat: every third word of its text (outside scripts and
    styles) replaced by a token of this copy's, so that repeats are different stories (Jaccard
    of their shingles at most 0.02 over the 274 pages) and each alerts, as new pages do, with
    the same amount of text to extract."""
    if copy == 0:
        return page
    count = 0

    def word(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"v{copy}n{count}" if count % 3 == 0 else m.group()

    def text(m: re.Match[str]) -> str:
        return ">" + _WORD.sub(word, m.group(1)) + "<"

    parts = _CODE.split(page.decode("utf-8", "surrogateescape"))
    # split() gives text, then each script or style block and its tag name, then text again
    out = [_TEXT.sub(text, part) if i % 3 == 0 else part for i, part in enumerate(parts) if i % 3 != 2]
    return "".join(out).encode("utf-8", "surrogateescape")


class Site:
    def __init__(self, pages: list[bytes], burst: int, feeds: int) -> None:
        self.pages = pages
        self.listed = burst  # pages [0, listed) are in the feeds
        self.first_listed: dict[int, float] = {}  # page -> when a feed first listed it
        self.first_fetch = 0.0
        self.lock = threading.Lock()
        self.feed_count = feeds
        self.server = serve(self.answer)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.published = format_datetime(datetime.now(UTC))

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        kind, _, name = path.strip("/").partition("/")
        n = int(name.split(".")[0])
        if kind != "feed":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self.pages[n]
        body, etag = self.feed(n)
        if headers.get("if-none-match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": etag}, body

    def feed(self, f: int) -> tuple[bytes, str]:
        """The feed's RSS and its ETag (which changes when a page is added to it)."""
        with self.lock:
            now = time.time()
            self.first_fetch = self.first_fetch or now
            listed = range(f, self.listed, self.feed_count)
            for n in listed:
                self.first_listed.setdefault(n, now)
        items = "".join(
            f"<item><title>Story {n}</title><link>{self.base}/page/{n}.html</link><guid>p{n}</guid>"
            f"<pubDate>{self.published}</pubDate></item>"
            for n in listed
        )
        body = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench {f}</title>'
            f"<link>{self.base}/</link><description>bench</description>{items}</channel></rss>"
        ).encode()
        return body, f'"{f}-{len(listed)}"'


def per_process_cpu(root: int) -> dict[str, float]:
    """CPU seconds of each process below `root`, by its role (the last word of its command)."""
    out: dict[str, float] = {}
    for pid in _descendants(root):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            name = next((c.decode() for c in reversed(cmd) if c), "?").rsplit("/", 1)[-1]
            out[f"{name}-{pid}"] = tree_cpu(pid) - sum(tree_cpu(c) for c in _descendants(pid, depth=1))
        except OSError:
            continue
    return out


def _descendants(root: int, depth: int = 99) -> list[int]:
    parents: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            parents.setdefault(ppid, []).append(int(d))
    found, level = [], [root]
    for _ in range(depth):
        level = [c for p in level for c in parents.get(p, [])]
        if not level:
            break
        found += level
    return found


def page_of(url: str) -> int:
    return int(url.rsplit("/", 1)[1].split(".")[0])


def _extract(page: bytes) -> int:
    return len(trafilatura.extract(page) or "")


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def plain_rate(pool: Pool, pages: list[bytes]) -> tuple[float, float]:
    """Pages per second of trafilatura.extract over `pages` in the pool's processes, and the CPU
    seconds they spent on them."""
    processes = pool._processes  # type: ignore[attr-defined]
    before = sum(pool.map(_cpu_after, [0.2] * processes, chunksize=1))
    started = time.perf_counter()
    pool.map(_extract, pages, chunksize=4)
    elapsed = time.perf_counter() - started
    after = sum(pool.map(_cpu_after, [0.2] * processes, chunksize=1))
    return len(pages) / elapsed, after - before


def _cpu_after(pause: float) -> float:
    time.sleep(pause)  # so that each process of the pool takes one of these
    return _cpu()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q + 0.5) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=400, help="pages in each burst")
    ap.add_argument("--rounds", type=int, default=3, help="bursts, each followed by plain over its pages")
    ap.add_argument("--trickle", type=int, default=100, help="pages that appear after the bursts")
    ap.add_argument("--rate", type=float, default=10.0, help="trickled pages a second")
    ap.add_argument("--feeds", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if not CORPUS.exists():
        raise SystemExit(f"{CORPUS} is absent")
    n = args.pages
    warm = 4 * args.workers * 8  # pages first sent through wirewatch unmeasured: 4 jobs per worker
    pages = corpus_pages(warm + n * args.rounds + args.trickle)
    pool = get_context("fork").Pool(args.workers)  # forked before any thread of ours starts
    pool.map(_extract, pages[: args.workers * 2])  # warm: imports and caches in each process
    site = Site(pages, warm, args.feeds)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    receiver = WebhookReceiver(secret).start()
    received: dict[str, float] = {}
    keep = receiver._receive

    def timed(body: bytes, headers: dict[str, str]) -> Answer:
        answer = keep(body, headers)
        if answer[0] < 300:
            received.setdefault(json.loads(body)["article"]["url"], time.time())
        return answer

    receiver._receive = timed  # type: ignore[method-assign]
    rounds: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="ww-bench-", dir="/tmp") as tmp:
        cfg = {
            "defaults": {"poll_jitter": "0s"},
            "hosts": {"127.0.0.1": {"delay": "0s", "max_requests": 4}},  # one loopback host for all
            # pinned: the bench measures articles, not how often a real feed is worth polling
            "feeds": [{"url": f"{site.base}/feed/{f}.xml", "interval": "2s"} for f in range(args.feeds)],
            "rules": [{"id": "everything", "query": "url:127"}],
            "sinks": [{"id": "hook", "type": "webhook", "url": receiver.url, "secret": secret}],
        }
        proc = run_wirewatch(tmp, cfg, args.workers)
        deadline = time.time() + 900

        def wait_for_alerts(count: int) -> None:
            while len(received) < count and time.time() < deadline and proc.poll() is None:
                time.sleep(0.05)
            if len(received) < count:
                raise SystemExit(f"only {len(received)} of {count} alerts arrived")

        try:
            wait_for_alerts(warm)  # as plain's processes are, wirewatch's are warm before measuring
            by_process: dict[str, float] = {}
            for r in range(args.rounds):
                first, last = warm + r * n, warm + (r + 1) * n
                with site.lock:
                    site.listed = last  # the burst: n new pages in the feeds' next poll
                ours, theirs, per0 = tree_cpu(proc.pid), _cpu(), per_process_cpu(proc.pid)
                wait_for_alerts(last)
                ours, theirs, per1 = tree_cpu(proc.pid) - ours, _cpu() - theirs, per_process_cpu(proc.pid)
                by_process = {name: round(per1[name] - per0.get(name, 0.0), 2) for name in per1}
                urls = [u for u in received if first <= page_of(u) < last]
                start = min(site.first_listed[page_of(u)] for u in urls)
                e2e = n / (max(received[u] for u in urls) - start)
                plain, plain_cpu = plain_rate(pool, pages[first:last])
                rounds.append({"e2e": e2e, "plain": plain, "ratio": e2e / plain, "cpu_ms": ours / n * 1000,
                               "plain_cpu_ms": plain_cpu / n * 1000, "bench_site_cpu_s": theirs})  # fmt: skip
            burst = {u for u in received if page_of(u) >= warm}
            for _ in range(args.trickle):  # the trickle: one page at a time, at --rate
                time.sleep(1 / args.rate)
                with site.lock:
                    site.listed += 1
            wait_for_alerts(warm + n * args.rounds + args.trickle)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            pool.close()
    receiver.stop()
    site.server.shutdown()
    waits = {url: t - site.first_listed[page_of(url)] for url, t in received.items()}
    burst_waits = [waits[u] for u in burst]
    trickle_waits = [w for u, w in waits.items() if page_of(u) >= warm + n * args.rounds]
    middle = sorted(rounds, key=lambda x: x["ratio"])[len(rounds) // 2]

    def each(key: str, digits: int = 1) -> list[float]:
        return [round(x[key], digits) for x in rounds]

    print(
        json.dumps(
            {
                "bench": "pipeline",
                "pages": n,
                "rounds": args.rounds,
                "feeds": args.feeds,
                "workers": args.workers,
                "trickle": args.trickle,
                "trickle_per_s": args.rate,
                "alerts": len(received),
                "ratio": round(middle["ratio"], 3),  # the median round's
                "e2e_articles_per_s": round(middle["e2e"], 1),
                "plain_articles_per_s": round(middle["plain"], 1),
                "ratio_each_round": each("ratio", 3),
                "e2e_each_round": each("e2e"),
                "plain_each_round": each("plain"),
                "cpu_ms_per_article_each_round": {"wirewatch": each("cpu_ms"), "plain": each("plain_cpu_ms")},
                "bench_site_cpu_s_each_round": each("bench_site_cpu_s", 2),
                "cpu_s_by_process_last_round": by_process,
                "burst_poll_to_alert_median_s": round(statistics.median(burst_waits), 2),
                "burst_poll_to_alert_p95_s": round(percentile(burst_waits, 0.95), 2),
                "poll_to_alert_median_s": round(statistics.median(trickle_waits), 3),
                "poll_to_alert_p95_s": round(percentile(trickle_waits, 0.95), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
