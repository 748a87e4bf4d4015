"""Storage at scale: the stores filled as a deployment of 100,000 feeds and 500,000 articles a day
would fill them, then what that costs and how fast the archive answers. One JSON line.

    python bench/scale.py [--feeds 100000] [--articles 1000000] [--window-articles 20000]
                          [--alerts 100000] [--backends sqlite,postgresql] [--searches 20]

Redis is a server of the run's own (the embedded one, in a temp dir), so its used_memory is ours:

    redis_bytes_per_feed                feed states as polls leave them (the feed hash, its place
                                        in the schedule, its window of seen entries), per feed
    redis_bytes_per_article_in_window   what one processed article leaves in Redis while its
                                        story window lasts (the story index, the alert dedup and
                                        the delivery record of the articles that alert)
    redis_bytes_after_window            what is left per article once story_window has passed
                                        after the day it is counted by: the keys with no TTL or
                                        a longer one, by MEMORY USAGE

The history store of each backend (SQLite in a temp dir; PostgreSQL in a database of the run's
own on 127.0.0.1:5432, dropped after) gets --articles archived articles made from the corpus's
article texts with words varied so that each is distinct, processed over the last
articles / 500,000 days, and --alerts alerts and deliveries:

    history_bytes_per_article_<backend> the store's size on disk / articles (alerts and
                                        deliveries included)
    fill_s_<backend>                    how long filling it took (2 processes)
    search_ms_<backend>                 median and p95 of `wirewatch search`'s path (newest first,
                                        the first 50 results, over 30 days) for queries with a rare
                                        word, a phrase and a NEAR, one per rare word
    backfill_s_<backend>                the seeded `icc` rule over 7 days (every match counted)

`scrape_s` and `status_page_s` at 100,000 feeds are bench/reads.py's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import random
import re
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipeline.config import FeedConfig, RuleConfig, load_rules  # noqa: E402
from pipeline.models import (  # noqa: E402
    Alert,
    Archived,
    Article,
    ArticleRef,
    Entry,
    StoryCopy,
    StoryRef,
    iso_time,
)
from pipeline.polling import FeedEntries, PollPolicy, PollState, Validators, decide_poll  # noqa: E402
from pipeline.rules import Matcher  # noqa: E402
from pipeline.stories import StoryPolicy, fingerprint  # noqa: E402
from workers.history import History  # noqa: E402
from workers.history import alerts as alert_rows  # noqa: E402
from workers.history import articles as article_rows  # noqa: E402
from workers.history import deliveries as delivery_rows  # noqa: E402
from workers.history.deliveries import Delivery  # noqa: E402
from workers.history.status import read_status  # noqa: E402
from workers.redis_embedded import EmbeddedRedis  # noqa: E402
from workers.searching import matching  # noqa: E402
from workers.store import alerts as alert_store  # noqa: E402
from workers.store import deliveries as delivery_store  # noqa: E402
from workers.store import feeds as feed_store  # noqa: E402
from workers.store import schedule as schedule_store  # noqa: E402
from workers.store import seen as seen_store  # noqa: E402
from workers.store import stories as story_store  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PER_DAY = 500_000
ENTRIES_PER_FEED = 20
RARE_WORDS = [f"zq{n}vorlat" for n in range(40)]  # each planted in 1 article of 2,000
RARE_EVERY = 2_000
SEEN_TTL = 90 * 86400.0
STORY_WINDOW = 3 * 86400.0


def corpus_texts() -> list[tuple[str, str, str]]:
    """(title, text, language) of the corpus pages whose truth is plain text."""
    out = []
    for line in (CORPUS / "manifest.jsonl").read_text().splitlines():
        m = json.loads(line)
        path = m.get("truth_path") or ""
        if path.endswith(".txt"):
            body = (CORPUS / path).read_text("utf-8", "replace").strip()
            if len(body) > 400:
                first = body.split("\n", 1)[0][:120]
                out.append((first, body, m.get("lang") or "en"))
    return out


_WORD = re.compile(r"\w+")


def varied(base: tuple[str, str, str], n: int, vocabulary: list[str], rng: random.Random) -> tuple[str, str]:
    """Article n: the base text with one word in 20 swapped for another of the corpus, an id of
    its own, and a rare word in one article of RARE_EVERY."""
    title, body, _ = base
    words = body.split(" ")
    for at in rng.sample(range(len(words)), len(words) // 20):
        words[at] = rng.choice(vocabulary)
    if n % RARE_EVERY == 0:
        words.append(RARE_WORDS[(n // RARE_EVERY) % len(RARE_WORDS)])
    return f"{title} ({n})", " ".join(words) + f" ref{n}"


def used_memory(redis: Redis) -> int:
    return int(redis.info("memory")["used_memory"])


# Redis ----------------------------------------------------------------------------------------


def fill_feeds(redis: Redis, feeds: int) -> float:
    """`feeds` feeds polled once each, as the poll job leaves them; bytes per feed."""
    before = used_memory(redis)
    now = time.time()
    rng = random.Random(1)
    policy = PollPolicy(300.0, 60.0, 86400.0, 6 * 3600.0, 0.0)
    ids = [FeedConfig(url=f"https://outlet{i % 5000}.example/feeds/{i}.xml").id for i in range(feeds)]
    schedule_store.sync_schedule(redis, ids, lambda fid, why: (300.0, None), now, 300.0)  # a first sync
    for start in range(0, feeds, 1000):
        with redis.pipeline(transaction=False) as pipe:
            for i in range(start, min(start + 1000, feeds)):
                url = f"https://outlet{i % 5000}.example/feeds/{i}.xml"
                feed = FeedConfig(url=url)
                entries = tuple(
                    Entry(feed_id=feed.id, feed_url=url, source=f"Outlet {i % 5000}",
                          key=f"guid:https://outlet{i % 5000}.example/?p={i}-{k}",
                          alt_keys=(f"link:{feed.id}:https://outlet{i % 5000}.example/news/{i}-{k}",),
                          link=f"https://outlet{i % 5000}.example/news/{i}-{k}", title=f"Story {k}",
                          published=iso_time(now - k * 3600))
                    for k in range(ENTRIES_PER_FEED)
                )  # fmt: skip
                outcome = FeedEntries(entries, Validators(f'"etag-{i}"', "Sun, 06 Dec 2026 10:00:00 GMT"))
                decision = decide_poll(
                    feed, PollState(), outcome, [False] * len(entries), policy=policy, due_at=now, now=now,
                    rng=rng, max_entry_age=2 * 86400.0, unhealthy_after=5,
                )  # fmt: skip
                feed_store.save_decision(pipe, feed.id, decision)
                schedule_store.set_due(pipe, feed.id, decision.plan.due or now + 300)
                # The feed's window of seen entries, as the poll job saves it
                window = seen_store.Window({}).after(entries, now, SEEN_TTL)
                seen_store.save_window(pipe, feed.id, window, SEEN_TTL)
            pipe.execute()
    return (used_memory(redis) - before) / feeds


def fill_window(redis: Redis, articles: int, texts: list[tuple[str, str, str]]) -> tuple[float, float]:
    """`articles` articles processed as the article job records them in Redis, one in ten
    alerting to one sink; bytes per article in the window, and after it."""
    redis.flushdb()
    now = time.time()
    # A day like the day before, as in steady running: the story index sizes a day's band shards
    # by yesterday's count (about 100 bands a shard, each a compact hash). On a first day it has
    # no count and uses 1,024 shards, too few for a large day (bench/README.md, "Storage").
    redis.set(f"ww:story:count:{int(now // 86400) - 1}", articles, ex=3600)
    before = used_memory(redis)
    policy = StoryPolicy(window=STORY_WINDOW)
    rng = random.Random(2)
    vocabulary = sorted({w for _, t, _ in texts[:50] for w in _WORD.findall(t)})
    for n in range(articles):
        base = texts[n % len(texts)]
        title, body = varied(base, n, vocabulary, rng)
        url = f"https://outlet{n % 5000}.example/news/{n}"
        fp = fingerprint(title, body, url, policy.min_words)
        copy = StoryCopy(source=f"Outlet {n % 5000}", url=url, title=title, seen=iso_time(now))
        keep = policy.window + 86400
        placed = story_store.place_article(redis, fp, story_store.member_id(url), copy, policy, now, keep)
        if n % 10 == 0:
            story = StoryRef(id=placed.story_id, first_seen=iso_time(placed.first_seen))
            alert = Alert(
                alert_id=Alert.make_id("icc", placed.story_id), rule_id="icc", rule_title="ICC",
                article=ArticleRef(url=url, title=title, source=copy.source), matches=(),
                sinks=("hooks",), created_at=iso_time(now), story=story,
            )  # fmt: skip
            alert_store.record_alert(redis, alert, STORY_WINDOW + 86400, made_for=url)
            about = {"sink": "hooks", "kind": "alert", "item": alert.alert_id, "rule": "icc",
                     "title": title, "url": url}  # fmt: skip
            delivery_store.note_delivery(
                redis,
                alert.delivery_id("hooks"),
                about,
                "delivered",
                now,
                STORY_WINDOW + 86400,
                done=("hooks",),
            )
    in_window = (used_memory(redis) - before) / articles
    # Left once the window has passed for the last article: a key with no TTL, or one that
    # outlives the window after the day an article is counted by (the story index's day keys
    # expire story_window and an hour after their day ends), with a minute's grace for the run.
    outlives = (STORY_WINDOW + 86400 + 3600 + 60) * 1000
    left = 0
    for key in redis.scan_iter(count=1000):
        ttl = redis.pttl(key)
        if ttl == -1 or ttl > outlives:
            left += int(redis.memory_usage(key) or 0)
    return in_window, left / articles


# History store --------------------------------------------------------------------------------


def _fill_chunk(args: tuple[str, int, int, int, float]) -> int:
    url, start, stop, total, now = args
    history = History(url)
    texts = corpus_texts()
    vocabulary = sorted({w for _, t, _ in texts[:50] for w in _WORD.findall(t)})
    rng = random.Random(start)
    span = total / PER_DAY * 86400
    batch: list[Archived] = []
    for n in range(start, stop):
        title, body = varied(texts[n % len(texts)], n, vocabulary, rng)
        when = now - span + span * n / total
        batch.append(
            Archived(
                article=Article(url=f"https://outlet{n % 5000}.example/news/{n}", title=title, text=body,
                                source=f"Outlet {n % 5000}", language=texts[n % len(texts)][2],
                                published=iso_time(when - 600)),
                entry_key=f"https://outlet{n % 5000}.example/news/{n}",
                feed_url=f"https://outlet{n % 5000}.example/feeds/{n % 100_000}.xml",
                story=StoryRef(id=f"s{n // 3}", first_seen=iso_time(when)),
                seen=iso_time(when),
            )
        )  # fmt: skip
        if len(batch) == 1000:
            with history.begin() as conn:
                article_rows.add(conn, batch)
            batch = []
    if batch:
        with history.begin() as conn:
            article_rows.add(conn, batch)
    history.close()
    return stop - start


def _copy_articles(source: str, url: str) -> None:
    """The articles of a filled SQLite store loaded into a PostgreSQL one as a restore loads them
    (COPY into a staging table, one INSERT ... SELECT making the tsvector as the store does, the
    GIN index built after): the same rows, without making and indexing them twice."""
    target = make_url(url)
    columns = ", ".join(c.name for c in article_rows.articles.c if c.name not in ("id", "words", "tsv"))
    with psycopg.connect(
        host=target.host, port=target.port or 5432, user=target.username, dbname=target.database
    ) as pg:
        pg.execute("SET maintenance_work_mem = '1GB'")
        pg.execute("DROP INDEX articles_tsv")
        pg.execute(f"CREATE UNLOGGED TABLE stage AS SELECT {columns}, words FROM articles WITH NO DATA")
        src = sqlite3.connect(make_url(source).database or "")
        with pg.cursor().copy(f"COPY stage ({columns}, words) FROM STDIN") as copy:
            for row in src.execute(f"SELECT {columns}, words FROM articles ORDER BY id"):
                copy.write_row([*row[:-2], bool(row[-2]), row[-1]])  # indexed_all: SQLite's 0/1
        src.close()
        pg.execute(
            f"INSERT INTO articles ({columns}, tsv) "
            f"SELECT {columns}, array_to_tsvector(string_to_array(words, ' ')) FROM stage"
        )
        pg.execute("DROP TABLE stage")
        pg.execute("CREATE INDEX articles_tsv ON articles USING gin (tsv)")


def fill_history(url: str, articles: int, alerts: int, now: float, copy_from: str | None = None) -> float:
    """The articles (2 processes, or copied from a store filled before), then the alerts and
    deliveries; seconds it took."""
    started = time.perf_counter()
    History(url).ensure_ready()
    if copy_from is not None:
        _copy_articles(copy_from, url)
    else:
        chunk = 20_000
        jobs = [(url, s, min(s + chunk, articles), articles, now) for s in range(0, articles, chunk)]
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            for _ in pool.imap_unordered(_fill_chunk, jobs):
                pass
    history = History(url)
    for start in range(0, alerts, 1000):
        with history.begin() as conn:
            for n in range(start, min(start + 1000, alerts)):
                when = now - n * 2.0
                alert = Alert(
                    alert_id=f"a{n}", rule_id=f"rule{n % 50}", rule_title="A rule",
                    article=ArticleRef(url=f"https://outlet{n % 5000}.example/news/{n}", title=f"Story {n}",
                                       source="Outlet"),
                    matches=(), sinks=("hooks",), created_at=iso_time(when), story=StoryRef(id=f"s{n}",
                    first_seen=iso_time(when)),
                )  # fmt: skip
                alert_rows.add(conn, alert, f"https://outlet{n % 5000}.example/news/{n}")
                d = Delivery(
                    alert.delivery_id("hooks"), "hooks", "alert", alert.alert_id, alert.rule_id,
                    alert.article.title, alert.article.url, "delivered", 1, "", when, when + 0.3,
                )  # fmt: skip
                delivery_rows.note(conn, d, tried=True)
    history.close()
    return time.perf_counter() - started


def search_times(url: str, searches: int) -> list[float]:
    """Milliseconds of each search: the first 50 results, newest first, over 30 days."""
    history = History(url)
    out = []
    for rare in RARE_WORDS[:searches]:
        query = f'{rare} AND "of the" AND (said NEAR/10 government)'
        matcher = Matcher([RuleConfig(id="search", title="search", query=query)])
        started = time.perf_counter()
        results = matching(history, matcher, time.time() - 30 * 86400, newest_first=True)
        for _ in itertools.islice(results, 50):
            pass
        out.append((time.perf_counter() - started) * 1000)
    history.close()
    return out


def backfill_time(url: str) -> tuple[float, int]:
    """Seconds for the seeded `icc` rule over 7 days, and its matches."""
    history = History(url)
    rules = load_rules(str(ROOT / "config" / "rules.yaml"))
    icc = [r for r in rules.rules if r.id == "icc"]
    matcher = Matcher(icc, rules.aliases)
    started = time.perf_counter()
    found = sum(1 for _ in matching(history, matcher, time.time() - 7 * 86400))
    elapsed = time.perf_counter() - started
    history.close()
    return elapsed, found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--window-articles", type=int, default=20_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--searches", type=int, default=20)
    args = parser.parse_args()
    result: dict[str, Any] = {"feeds": args.feeds, "articles": args.articles, "alerts": args.alerts}
    texts = corpus_texts()
    with tempfile.TemporaryDirectory(prefix="ww-scale-", dir="/tmp") as tmp:
        with EmbeddedRedis(Path(tmp) / "redis") as redis_url:
            redis = Redis.from_url(redis_url)
            result["redis_bytes_per_feed"] = round(fill_feeds(redis, args.feeds))
            in_window, after = fill_window(redis, args.window_articles, texts)
            result["redis_bytes_per_article_in_window"] = round(in_window)
            result["redis_bytes_after_window"] = round(after, 1)
            redis.close()
        now = time.time()
        filled: str | None = None  # the first store's articles are copied into the next
        for backend in filter(None, args.backends.split(",")):  # "": Redis only
            if backend == "sqlite":
                url, drop = f"sqlite:///{tmp}/history.sqlite3", None
            else:
                name = f"ww_scale_{secrets.token_hex(4)}"
                server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
                with server.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                url, drop = POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + name, (server, name)
            try:
                fill = fill_history(url, args.articles, args.alerts, now, copy_from=filled)
                result[f"{'copy' if filled else 'fill'}_s_{backend}"] = round(fill, 1)
                filled = filled or url
                if backend == "postgresql":
                    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
                        conn.execute(text("VACUUM ANALYZE"))
                status = read_status(History(url))
                result[f"history_bytes_per_article_{backend}"] = round(
                    (status.total_bytes or 0) / args.articles
                )
                times = search_times(url, args.searches)
                result[f"search_ms_{backend}"] = {
                    "median": round(statistics.median(times), 1), "p95": round(percentile(times, 0.95), 1)
                }  # fmt: skip
                seconds, found = backfill_time(url)
                result[f"backfill_s_{backend}"] = round(seconds, 2)
                result[f"backfill_matches_{backend}"] = found
            finally:
                if drop is not None:
                    server, name = drop
                    with server.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    server.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
