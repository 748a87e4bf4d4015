"""Articles end to end against plain trafilatura, in one run, for three rule sets. One JSON line.

    python bench/pipeline.py [--pages 400] [--rounds 3] [--trickle 100] [--rate 10] [--feeds 8]
                             [--slow-feeds 8] [--workers 2] [--scenarios url,common,realistic]
                             [--realistic-rules 100000]

N corpus pages (every set of ../shared/corpus, one page per story, repeated under new URLs past
their number, every third word of a repeat replaced so that each is a story of its own: see
`distinct_copy`) behind a few RSS feeds on 127.0.0.1, a loopback webhook receiver (verifying
every signature), and `wirewatch run --workers N` with an embedded Redis, polling every 2 s, for
each scenario (a run of its own, on the same pages):

- `url`: one catch-all rule on the URL (`url:127`): every article alerts, matching costs nothing;
- `common`: one rule on words nearly every article has (`the OR a OR of ...`, `COMMON`, in
  the corpus's main languages): matching and explaining find those words everywhere;
- `realistic`: --realistic-rules rules made as bench/match.py makes them (names, phrases, NEAR,
  exclusions, fields, aliases), standing rules that rarely fire on this bench's own pages as
  extracted (`realistic_rules`): a few percent of the articles alert (`alerting_share` says how
  many did).

In each scenario:
- warm-up: 64 pages go through unmeasured, as plain's processes are warmed before timing;
- rounds: N new pages appear in the feeds at once (a burst), and once all are archived (the
  article job's last step, after its deliveries), plain `trafilatura.extract` runs over the same pages in as
  many processes (made at the start). The phases alternate, so a slow spell of this shared
  machine hits both sides of some round;
- trickle: then --trickle more pages appear in the feeds, --rate a second, as news does, while
  --slow-feeds more feeds trickle their bodies (a byte every 0.4 s for 8 s of a 10 s fetch
  deadline, then a whole feed): a poll batch holding one of them must not hold the others.

    e2e_articles_per_s      a burst's pages / (its last article done - the first poll listing them)
    plain_articles_per_s    pages / time of trafilatura.extract over them
    ratio                   e2e / plain: the median round's (and each round's)
    cpu_ms_per_article_by_stage  the workers' CPU per article by stage, over every round
                            (wirewatch_article_cpu_seconds_total: fetch, extract, story,
                            statements, match, explain, archive, deliver), and `other`: the rest
                            of the workers' CPU (RQ, polls, JSON, Redis client)
    burst_poll_to_alert_*   median and p95 of (alert received - the poll that first listed it);
                            in a burst that is mostly waiting for the articles ahead of it
    poll_to_alert_*         the same for the trickle: the latency of one story;
                            `_slow_in_flight_`: of the pages first listed by a poll made while a
                            slow feed was answering
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
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import closing
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import get_context
from multiprocessing.pool import Pool
from pathlib import Path

import trafilatura
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
sys.path.insert(0, str(ROOT))
from bench.loopback import children_by_parent, run_wirewatch, serve, tree_cpu  # noqa: E402
from bench.match import SHARED_ALIASES, Vocabulary, generate, load_articles  # noqa: E402
from pipeline.config import RuleConfig  # noqa: E402
from pipeline.extract import extract_text  # noqa: E402
from pipeline.rules import Document, Matcher  # noqa: E402
from pipeline.stories import Fingerprint, StoryPolicy, fingerprint, similarity  # noqa: E402
from workers.demo.site import Answer, QuietServer, WebhookReceiver, respond  # noqa: E402

DISTINCT = [0]  # the corpus's pages, one a story (every set)


def corpus_pages(n: int) -> list[bytes]:
    rows = [json.loads(line) for line in (CORPUS / "manifest.jsonl").read_text().splitlines()]
    pages = one_story_each([(CORPUS / r["html_path"]).read_bytes() for r in rows])
    DISTINCT[0] = len(pages)
    return [distinct_copy(pages[i % len(pages)], i // len(pages)) for i in range(n)]


def _same_story(a: Fingerprint, b: Fingerprint, policy: StoryPolicy) -> bool:
    if a.signature is None or b.signature is None:
        return False
    jaccard, containment = similarity(a.signature, a.shingles, b.signature, b.shingles)
    return jaccard >= policy.jaccard or containment >= policy.containment


def one_story_each(pages: list[bytes]) -> list[bytes]:
    """The pages less those that are a copy of an earlier one (the sets share articles): a copy
    joins its story and does not alert, and the bench waits for every page's alert."""
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


# Words in nearly every article of the corpus (English, and the other languages it has most of).
COMMON = " OR ".join(  # not "and": a lowercase operator word warns (did you mean AND?)
    ("the", "a", "of", "to", "in", "is", "that", "for", "it", "on", "with", "as", "was", "by", "this",
     "de", "la", "le", "et", "les", "des", "der", "die", "das", "und", "el", "los", "en", "que", "do",
     "da", "в", "и", "на", "не")
)  # fmt: skip
SLOW_FOR = 8.0  # seconds a slow feed trickles its body (fetch_timeout 5 s: a deadline of 10 s)
SLOW_BYTE_EVERY = 0.4  # seconds between two bytes of it


class Site:
    def __init__(self, pages: list[bytes], burst: int, feeds: int, slow_feeds: int) -> None:
        self.pages = pages
        self.listed = burst  # pages [0, listed) are in the feeds
        self.first_listed: dict[int, float] = {}  # page -> when a feed first listed it
        self.first_fetch = 0.0
        self.lock = threading.Lock()
        self.feed_count = feeds
        self.slow_count = slow_feeds
        self.slow = False  # whether the slow feeds trickle now (else they answer 304 at once)
        self.slow_answers: list[tuple[float, float]] = []  # (began, ended) of each trickled answer
        self.server = serve(self.answer)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.slow_server = _serve_slow(self)
        self.slow_base = f"http://127.0.0.1:{self.slow_server.server_address[1]}"
        self.published = format_datetime(datetime.now(UTC))

    def feed_urls(self) -> list[str]:
        return [f"{self.base}/feed/{f}.xml" for f in range(self.feed_count)] + [
            f"{self.slow_base}/slow/{f}.xml" for f in range(self.slow_count)
        ]

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
        return _rss(f"Bench {f}", self.base, items), f'"{f}-{len(listed)}"'

    def in_flight_slow(self, at: float) -> bool:
        """Whether a slow feed was answering at `at`."""
        with self.lock:
            return any(began <= at <= ended for began, ended in self.slow_answers)


def _rss(title: str, base: str, items: str) -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{base}/</link><description>bench</description>{items}</channel></rss>"
    ).encode()


def _serve_slow(site: Site) -> ThreadingHTTPServer:
    """The slow feeds: while `site.slow`, each answer trickles its body a byte every
    SLOW_BYTE_EVERY seconds for SLOW_FOR seconds, then sends the rest (a feed with no items: a
    successful poll, so the feed stays on its 2 s interval); else a 304."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if not site.slow:
                respond(self, 304, {"ETag": '"slow"'}, b"")
                return
            began = time.time()
            body = _rss("Slow", site.slow_base, "")  # no items: nothing to read, only the wait
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", f'"slow-{began}"')  # never 304: every poll is a slow one
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            sent = 0
            try:
                while time.time() - began < SLOW_FOR and sent < len(body) - 1:
                    self.wfile.write(body[sent : sent + 1])
                    self.wfile.flush()
                    sent += 1
                    time.sleep(SLOW_BYTE_EVERY)
                self.wfile.write(body[sent:])
            finally:
                with site.lock:
                    site.slow_answers.append((began, time.time()))

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


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
    parents = children_by_parent()
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


def _document(numbered: tuple[int, bytes]) -> Document:
    """A page as the rules see it once extracted (title and text), at its URL in the bench."""
    n, page = numbered
    found = json.loads(trafilatura.extract(page, output_format="json", with_metadata=True) or "{}")
    url = f"http://127.0.0.1/page/{n}.html"
    return Document(title=found.get("title") or "", text=found.get("text") or "", url=url)


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stage_seconds(metrics_url: str) -> dict[str, float]:
    """wirewatch_article_cpu_seconds_total by stage, as `run`'s endpoint adds it up."""
    with urllib.request.urlopen(metrics_url, timeout=10) as answer:
        text = answer.read().decode()
    return {
        sample.labels["stage"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "wirewatch_article_cpu_seconds_total"
    }


def archived_count(history: Path) -> int:
    """Articles in the history store: the article job writes them last, after its deliveries."""
    if not history.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{history}?mode=ro", uri=True, timeout=5)) as db:
            return int(db.execute("select count(*) from articles").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not made yet
        return 0


def realistic_rules(
    size: int, docs: list[Document], share: float = 0.03, seed: int = 7
) -> list[dict[str, object]]:
    """`size` of bench/match.py's rules (their words drawn from the truth texts of two corpus
    sets), made standing rules that rarely fire on `docs`, the pages this bench sends as
    wirewatch reads them: those that match none of them, and rules that match one or two, until
    `share` of them are matched. (Generated as they are, 100,000 of them match nine articles in
    ten: every word they are made of is in some corpus article, far more than a real watch term.)"""
    vocab = Vocabulary(load_articles())
    made = list(generate(vocab, size + size // 2, seed))
    matcher = Matcher(
        [RuleConfig(id=r.id, query=r.query, aliases=dict(r.aliases)) for r in made], SHARED_ALIASES
    )
    hits: dict[str, set[int]] = {}
    for n, doc in enumerate(docs):
        for rule_id in matcher.match_ids(doc):
            hits.setdefault(rule_id, set()).add(n)
    firing, covered = [], set[int]()
    for r in made:
        if len(covered) >= share * len(docs):
            break
        if 0 < len(hits.get(r.id, ())) <= 2:
            firing.append(r)
            covered |= hits[r.id]
    quiet = [r for r in made if r.id not in hits][: size - len(firing)]
    return [
        {"id": r.id, "query": r.query, "aliases": {k: list(v) for k, v in r.aliases.items()}}
        for r in sorted([*quiet, *firing], key=lambda r: int(r.id[1:]))
    ]


def scenario(
    name: str, pages: list[bytes], args: argparse.Namespace, pool: Pool, rules: list[dict[str, object]]
) -> dict[str, object]:
    """One run of wirewatch on these rules: the rounds, then the trickle; its figures."""
    n, warm = args.pages, args.warm
    site = Site(pages, warm, args.feeds, args.slow_feeds)
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
    stages: dict[str, float] = {}
    worker_cpu = 0.0
    port = free_port()
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    with tempfile.TemporaryDirectory(prefix="ww-bench-", dir="/tmp") as tmp:
        history = Path(tmp) / "var" / "history.sqlite3"
        cfg = {
            "defaults": {"poll_jitter": "0s", "fetch_timeout": "5s"},
            "hosts": {"127.0.0.1": {"delay": "0s", "max_requests": 4}},  # one loopback host for all
            # pinned: the bench measures articles, not how often a real feed is worth polling
            "feeds": [{"url": url, "interval": "2s"} for url in site.feed_urls()],
            "aliases": SHARED_ALIASES if name == "realistic" else {},
            "rules": rules,
            "sinks": [{"id": "hook", "type": "webhook", "url": receiver.url, "secret": secret}],
            "metrics_listen": f"127.0.0.1:{port}",
        }
        proc = run_wirewatch(tmp, cfg, args.workers)
        deadline = time.time() + 1800

        def wait_done(count: int) -> float:
            """Wait until `count` pages are archived (the article job's last write, after its
            deliveries); when that was."""
            while time.time() < deadline and proc.poll() is None:
                if archived_count(history) >= count:
                    return time.time() - 0.025  # polled every 50 ms
                time.sleep(0.05)
            raise SystemExit(f"{name}: only {archived_count(history)} of {count} pages archived, "
                             f"{len(received)} alerts")  # fmt: skip

        try:
            wait_done(warm)  # as plain's processes are, wirewatch's are warm before measuring
            by_process: dict[str, float] = {}
            for r in range(args.rounds):
                first, last = warm + r * n, warm + (r + 1) * n
                stages0 = stage_seconds(metrics_url)
                with site.lock:
                    site.listed = last  # the burst: n new pages in the feeds' next poll
                ours, theirs, per0 = tree_cpu(proc.pid), _cpu(), per_process_cpu(proc.pid)
                done = wait_done(last)
                stages1 = stage_seconds(metrics_url)  # before the CPU: all the stages' work is in it
                ours, theirs, per1 = tree_cpu(proc.pid) - ours, _cpu() - theirs, per_process_cpu(proc.pid)
                by_process = {p: round(per1[p] - per0.get(p, 0.0), 2) for p in per1}
                worker_cpu += sum(v for p, v in by_process.items() if p.startswith("worker"))
                for stage, seconds in stages1.items():
                    stages[stage] = stages.get(stage, 0.0) + seconds - stages0.get(stage, 0.0)
                start = min(site.first_listed[i] for i in range(first, last))
                e2e = n / (done - start)
                plain, plain_cpu = plain_rate(pool, pages[first:last])
                rounds.append({"e2e": e2e, "plain": plain, "ratio": e2e / plain, "cpu_ms": ours / n * 1000,
                               "plain_cpu_ms": plain_cpu / n * 1000, "bench_site_cpu_s": theirs})  # fmt: skip
            burst = {u for u in received if page_of(u) >= warm}
            site.slow = True  # from now on, the slow feeds trickle
            for _ in range(args.trickle):  # the trickle: one page at a time, at --rate
                time.sleep(1 / args.rate)
                with site.lock:
                    site.listed += 1
            wait_done(warm + n * args.rounds + args.trickle)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    receiver.stop()
    site.server.shutdown()
    site.slow_server.shutdown()
    pages_measured = n * args.rounds
    waits = {url: t - site.first_listed[page_of(url)] for url, t in received.items()}
    trickled = [u for u in waits if page_of(u) >= warm + pages_measured]
    slow = [waits[u] for u in trickled if site.in_flight_slow(site.first_listed[page_of(u)])]
    middle = sorted(rounds, key=lambda x: x["ratio"])[len(rounds) // 2]

    def each(key: str, digits: int = 1) -> list[float]:
        return [round(x[key], digits) for x in rounds]

    def spread(values: list[float], digits: int) -> dict[str, float | None]:
        if not values:
            return {"median": None, "p95": None}
        return {
            "median": round(statistics.median(values), digits),
            "p95": round(percentile(values, 0.95), digits),
        }

    by_stage = {stage: round(seconds / pages_measured * 1000, 2) for stage, seconds in sorted(stages.items())}
    by_stage["other"] = round((worker_cpu - sum(stages.values())) / pages_measured * 1000, 2)
    return {
        "rules": len(rules),
        "alerting_share": round(
            len([u for u in received if page_of(u) >= warm]) / (pages_measured + args.trickle), 3
        ),
        "ratio": round(middle["ratio"], 3),  # the median round's
        "e2e_articles_per_s": round(middle["e2e"], 1),
        "plain_articles_per_s": round(middle["plain"], 1),
        "ratio_each_round": each("ratio", 3),
        "e2e_each_round": each("e2e"),
        "plain_each_round": each("plain"),
        "cpu_ms_per_article_each_round": {"wirewatch": each("cpu_ms"), "plain": each("plain_cpu_ms")},
        "cpu_ms_per_article_by_stage": by_stage,
        "bench_site_cpu_s_each_round": each("bench_site_cpu_s", 2),
        "cpu_s_by_process_last_round": by_process,
        "burst_poll_to_alert_s": spread([waits[u] for u in burst], 2),
        "poll_to_alert_s": spread([waits[u] for u in trickled], 3),
        "poll_to_alert_slow_in_flight_s": spread(slow, 3),
        "trickled_with_slow_in_flight": len(slow),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=400, help="pages in each burst")
    ap.add_argument("--rounds", type=int, default=3, help="bursts, each followed by plain over its pages")
    ap.add_argument("--trickle", type=int, default=100, help="pages that appear after the bursts")
    ap.add_argument("--rate", type=float, default=10.0, help="trickled pages a second")
    ap.add_argument("--feeds", type=int, default=8)
    ap.add_argument("--slow-feeds", type=int, default=8, help="feeds that trickle their body in the trickle")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scenarios", default="url,common,realistic")
    ap.add_argument("--realistic-rules", type=int, default=100_000)
    args = ap.parse_args()
    if not CORPUS.exists():
        raise SystemExit(f"{CORPUS} is absent")
    args.warm = 4 * args.workers * 8  # pages first sent through wirewatch unmeasured: 4 jobs per worker
    pages = corpus_pages(args.warm + args.pages * args.rounds + args.trickle)
    rule_sets: dict[str, list[dict[str, object]]] = {
        "url": [{"id": "everything", "query": "url:127"}],
        "common": [{"id": "common-words", "query": COMMON}],
    }
    pool = get_context("fork").Pool(args.workers)  # forked before any thread of ours starts
    pool.map(_extract, pages[: args.workers * 2])  # warm: imports and caches in each process
    out: dict[str, object] = {}
    try:
        for name in args.scenarios.split(","):
            if name == "realistic":
                docs = pool.map(_document, list(enumerate(pages)))
                rule_sets[name] = realistic_rules(args.realistic_rules, docs)
            out[name] = scenario(name, pages, args, pool, rule_sets[name])
    finally:
        pool.close()
    print(
        json.dumps(
            {
                "bench": "pipeline",
                "pages": args.pages,
                "distinct_corpus_pages": DISTINCT[0],
                "rounds": args.rounds,
                "feeds": args.feeds,
                "slow_feeds": args.slow_feeds,
                "workers": args.workers,
                "trickle": args.trickle,
                "trickle_per_s": args.rate,
                **out,
            }
        )
    )


if __name__ == "__main__":
    main()
