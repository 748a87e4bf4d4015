"""WebSub push latency: from the hub's POST of new content to the alert at the webhook. One JSON
line.

    python bench/push.py [--pushes 40] [--every 1.5] [--workers 2]

`wirewatch run --workers N` (embedded Redis) with one Atom feed on loopback that names a hub of
the bench's own (workers.demo.WebSubHub), `websub.callback_url` on the web listener, one rule and
a webhook receiver that verifies every signature. Once the hub has verified the subscription,
--pushes new entries are published one at a time, --every seconds apart, each a story of its own
(distinct words, so that no two are one story) linking an article page of about 700 words on the
same loopback site (fetched and extracted as any entry's), and the time from the hub's POST to the
alert's arrival is measured:

    push_to_alert_median_s / _p95_s / _max_s   over the pushes that alerted
    alerted                                   pushes that reached the receiver within 30 s
    subscribe_s                               from the start to the hub's verified subscription
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loopback import run_wirewatch, serve  # noqa: E402
from workers.demo.site import WebhookReceiver, WebSubHub  # noqa: E402

WORDS = [
    "court",
    "ruling",
    "kremlin",
    "statement",
    "press",
    "briefing",
    "warrant",
    "hearing",
    "reporters",
    "decision",
    "week",
]


def _atom(feed_url: str, hub: str, entries: list[tuple[int, str]]) -> bytes:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    base = feed_url.rsplit("/", 1)[0]
    items = "".join(
        f"<entry><id>urn:push:{n}</id><title>{title}</title><updated>{now}</updated>"
        f'<link href="{base}/article/{n}.html"/><summary>{title}</summary></entry>'
        for n, title in entries
    )
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Pushed</title>'
        f'<link rel="hub" href="{hub}"/><link rel="self" href="{feed_url}"/><updated>{now}</updated>'
        f"{items}</feed>"
    ).encode()


def _story(n: int, rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) + str(rng.randrange(10_000)) for _ in range(12))
    return f"Peskov statement {n}: {words}"


def _page(title: str, rng: random.Random) -> bytes:
    """An article page of about 700 words, with a menu and a footer, as news pages are."""
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(70)) + ".</p>"
        for _ in range(10)
    )
    menu = "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/politics'>Politics</a></nav>"
    return (
        f"<html><head><title>{title}</title></head><body>{menu}<article><h1>{title}</h1>"
        f"<p>{title}.</p>{paragraphs}</article><footer>About us</footer></body></html>"
    ).encode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pushes", type=int, default=40)
    ap.add_argument("--every", type=float, default=1.5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rng = random.Random(7)
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    receiver = WebhookReceiver(secret).start()
    hub = WebSubHub()
    bodies: dict[str, bytes] = {}

    def answer(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path.startswith("/article/"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, bodies.get(path, b"")
        return 200, {"Content-Type": "application/atom+xml"}, bodies["feed"]

    site = serve(answer)
    feed_url = f"http://127.0.0.1:{site.server_address[1]}/feed.xml"
    bodies["feed"] = _atom(feed_url, hub.url, [(0, "Weather report")])
    bodies["/article/0.html"] = _page("Weather report", rng)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="ww-bench-", dir="/tmp") as tmp:
        config = {
            "metrics_listen": f"127.0.0.1:{port}",
            "websub": {"callback_url": f"http://127.0.0.1:{port}/websub"},
            "defaults": {"poll_jitter": "1s", "host_delay": "0s"},
            "feeds": [{"url": feed_url}],
            "rules": [{"id": "peskov", "query": "Peskov"}],
            "sinks": [{"id": "hooks", "type": "webhook", "url": receiver.url, "secret": secret}],
        }
        proc = run_wirewatch(tmp, config, args.workers)
        try:
            deadline = time.time() + 120
            while feed_url not in hub.subscribers:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("the hub never verified a subscription")
                time.sleep(0.05)
            subscribed = time.time() - started
            posted: dict[str, float] = {}
            entries = [(0, "Weather report")]
            for n in range(1, args.pushes + 1):
                title = _story(n, rng)
                bodies[f"/article/{n}.html"] = _page(title, rng)
                entries = [(n, title), *entries][:20]
                posted[title] = time.time()
                hub.publish(feed_url, _atom(feed_url, hub.url, entries))
                time.sleep(args.every)
            wait_until = time.time() + 30
            while len(receiver.payloads) < args.pushes and time.time() < wait_until:
                time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(60)
            site.shutdown()
            hub.stop()
            receiver.stop()
    arrived = {p["article"]["title"]: t for p, t in zip(receiver.payloads, receiver.times, strict=False)}
    latencies = sorted(arrived[t] - posted[t] for t in posted if t in arrived)
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else None
    print(json.dumps({
        "bench": "push", "pushes": args.pushes, "every_s": args.every, "workers": args.workers,
        "alerted": len(latencies), "subscribe_s": round(subscribed, 2),
        "push_to_alert_median_s": round(statistics.median(latencies), 3) if latencies else None,
        "push_to_alert_p95_s": round(p95, 3) if p95 is not None else None,
        "push_to_alert_max_s": round(latencies[-1], 3) if latencies else None,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
