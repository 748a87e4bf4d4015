"""Fixtures of the worker tests: the seed site on a loopback port, a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workers.demo.site import LoopbackSite, WebhookReceiver, load_seeds, rss_feed, seed_site

from .helpers import ROOT, RSS


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    """seeds/ as a news site (/feed.xml, /feed2.xml, the article pages), plus /one.xml that
    lists seed 002 alone: one alert for the ICC rule."""
    s = seed_site(ROOT / "seeds").start()
    s.routes["/one.xml"] = (200, RSS, rss_feed(load_seeds(ROOT / "seeds")[2:], s.base_url))
    yield s
    s.stop()


@pytest.fixture
def receiver(whsec: str) -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(whsec).start()
    yield r
    r.stop()
