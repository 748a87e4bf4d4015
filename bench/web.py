"""The web side's costly answers on a big archive: the search page, the API's search and the rule
preview, against a history store of --articles archived articles (bench/scale.py's fill: the
corpus's texts with words varied, processed over the last articles / 500,000 days). One JSON line.

    python bench/web.py [--articles 1000000] [--store DIR] [--searches 20]

--store keeps the SQLite store in DIR (filled once, about 30 minutes for a million; reused when
it is there). The web app (workers.web.serve) runs in this process on loopback, as `wirewatch
run` serves it; each figure is the wall time of a whole HTTP request:

    search_page_ms      median / p95 of /search for queries with a rare word, a phrase and a NEAR
    search_api_ms       the same through GET /api/v1/search
    preview_7d_s        /rules/try for each seeded rule (icc, kremlin-spokesman, navalny) over
                        7 days: the median of 3 requests in seconds, the count it shows (≈: an
                        estimate from a sample, with its 95% interval) and how many of the
                        candidates it read; with --exact also the seconds of counting every
                        candidate (preview() with no time bound) and that exact count
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.scale import RARE_WORDS, fill_history, percentile  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from workers.history import History  # noqa: E402
from workers.redis_embedded import EmbeddedRedis  # noqa: E402
from workers.searching import preview  # noqa: E402
from workers.web import registry_for, serve  # noqa: E402

RULES = ("icc", "kremlin-spokesman", "navalny")


def _get(url: str) -> tuple[int, float, str]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as reply:
            body = reply.read().decode()
            return reply.status, time.perf_counter() - started, body
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - started, exc.read().decode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--store", default=None, help="keep the SQLite store here (reused when there)")
    ap.add_argument("--searches", type=int, default=20)
    ap.add_argument("--exact", action="store_true", help="also time each preview counted exactly (no bound)")
    args = ap.parse_args()
    store_dir = Path(args.store or tempfile.mkdtemp(prefix="ww-web-", dir="/tmp"))
    store_dir.mkdir(parents=True, exist_ok=True)
    store = store_dir / "history.sqlite3"
    url = f"sqlite:///{store}"
    fill_s = None
    if not (store_dir / "filled").exists():
        fill_s = fill_history(url, args.articles, 1000, time.time())
        (store_dir / "filled").write_text(str(args.articles))
    rules = (ROOT / "config" / "rules.yaml").read_text()
    (store_dir / "rules.yaml").write_text(rules)
    (store_dir / "wirewatch.yaml").write_text(
        f"data_dir: {store_dir}\nhistory_url: {url}\nrules: rules.yaml\nfeeds: []\nsinks: []\n"
        "web_rate_limit: 100000\n"
    )
    config = load_config(store_dir / "wirewatch.yaml")
    with EmbeddedRedis(store_dir / "redis") as redis_url:
        from redis import Redis

        redis = Redis.from_url(redis_url)
        server = serve("127.0.0.1:0", registry_for(None, lambda: config, redis), redis, lambda: config,
                       token=None, need_scheduler=False, need_workers=False)  # fmt: skip
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            pages, apis = [], []
            for rare in RARE_WORDS[: args.searches]:
                query = urllib.parse.quote(f'{rare} AND "of the" AND (said NEAR/10 government)')
                status, seconds, _ = _get(f"{base}/search?q={query}&since=30d")
                assert status == 200, status
                pages.append(seconds * 1000)
                status, seconds, _ = _get(f"{base}/api/v1/search?q={query}&since=30d&limit=25")
                assert status == 200, status
                apis.append(seconds * 1000)
            previews = {}
            for rule in RULES:
                times = []
                for _ in range(3):
                    status, seconds, page = _get(f"{base}/rules/try?rule={rule}&days=7")
                    assert status == 200, status
                    times.append(seconds)
                total = re.search(r'<p id="total"><strong>(.*?)</strong>', page, re.S)
                read = re.search(r"\(([\d,]+) of ([\d,]+) candidates read\)", page)
                assert total and read, page[:2000]
                previews[rule] = {
                    "s": round(statistics.median(times), 2),
                    "matched": re.sub(r"<[^>]+>|\s+", " ", total.group(1)).strip(),
                    "read": int(read.group(1).replace(",", "")),
                    "candidates": int(read.group(2).replace(",", "")),
                }
            if args.exact:
                history = History(url)
                rules_by_id = {r.id: r for r in config.rules}
                for rule in RULES:  # every candidate read, no time bound: what "count exactly" costs
                    q = rules_by_id[rule].query
                    started = time.perf_counter()
                    full = preview(history, config, q, time.time() - 7 * 86400, current=q, max_seconds=None)
                    previews[rule]["exact_s"] = round(time.perf_counter() - started, 2)
                    previews[rule]["exact_matched"] = full.total.count
                history.close()
        finally:
            server.shutdown()
            server.server_close()

    def spread(ms: list[float]) -> dict[str, float]:
        return {"median": round(statistics.median(ms), 1), "p95": round(percentile(ms, 0.95), 1)}

    print(json.dumps({
        "bench": "web", "articles": args.articles, "fill_s": round(fill_s, 1) if fill_s else None,
        "search_page_ms": spread(pages), "search_api_ms": spread(apis), "preview_7d_s": previews,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
