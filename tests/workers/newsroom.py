"""A loopback news site publishing a stream of stories, for the tests that break a part under
load (a failover, a full disk, processes killed)."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import ClassVar

from workers.demo.site import LoopbackSite

from .helpers import RSS


class Newsroom:
    """A loopback news site that publishes a new ICC story every `every` seconds once started,
    each with text of its own (no two are one story), on /live.xml and /live/<n>.html; it notes
    when the feed was fetched."""

    WORDS: ClassVar = [f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "pu", "ro", "si", "tu") for b in range(60)]

    def __init__(self, site: LoopbackSite, every: float) -> None:
        self.site, self.every = site, every
        self.published: list[str] = []
        self.fetched: list[float] = []
        self.rng = random.Random(5)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        site.routes["/live.xml"] = self._feed
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Newsroom:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Publishing ends (again: nothing; never started: nothing either)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            n = len(self.published)
            words = " ".join(self.rng.choice(self.WORDS) for _ in range(120))
            text = (f"The International Criminal Court said on Monday that case {n} goes ahead. {words}. "
                    "Judges in The Hague will hear it.")  # fmt: skip
            path = f"/live/{n}.html"
            page = (f"<html><head><title>ICC case {n}</title></head><body><article><h1>ICC case {n}</h1>"
                    f"<p>{text}</p></article></body></html>").encode()  # fmt: skip
            self.site.routes[path] = (200, {"Content-Type": "text/html; charset=utf-8"}, page)
            with self._lock:
                self.published.append(f"{self.site.base_url}{path}")

    def _feed(self, handler: object) -> tuple[int, dict[str, str], bytes]:
        self.fetched.append(time.time())
        with self._lock:
            urls = list(self.published)
        now = datetime.now(UTC)
        items = "".join(
            f"<item><title>ICC case {n}</title><link>{url}</link><guid>{url}</guid>"
            f"<pubDate>{format_datetime(now)}</pubDate></item>"
            for n, url in enumerate(urls)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Live</title>{items}</channel></rss>'
        return 200, RSS, body.encode()
