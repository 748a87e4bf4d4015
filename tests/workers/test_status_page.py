"""The status page (/) in headless Chromium (Debian's, driven by Playwright): a real pipeline
pass on loopback (the seed site, a feed with a hostile story, a feed that fails) fills Redis,
the page is served by the metrics listener and looked at as a person would: its DOM is asserted,
its screenshot saved (the path is printed), and the hostile title shows as text, never runs."""

from __future__ import annotations

import base64
import html
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from pipeline.sinks.render import statement_line
from workers.demo.site import LoopbackSite, Seed, WebhookReceiver, rss_feed
from workers.metrics import Metrics
from workers.reload import LiveConfig
from workers.scheduler import FeedScheduler
from workers.services import connect
from workers.store import alerts as alerts_store
from workers.web import registry_for, serve

from .helpers import ROOT, RSS, free_port, run_pass, runtime, webhook_sink, write_config

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / ".test-output"
HOSTILE = (
    "<script>window.__pwned = 1; document.title = 'pwned'</script><img src=x onerror=\"window.__pwned = 2\">"
)
HOSTILE_TITLE = f"{HOSTILE} International Criminal Court judges & prosecutors"
HOSTILE_TEXT = (
    "The International Criminal Court said on Monday that its judges would hear the case. "
    f"A reader wrote {HOSTILE} in the comments. " * 8
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless (skipped when it is not installed, unless CI requires it)."""
    if not CHROMIUM.exists():
        if os.environ.get("WIREWATCH_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield b
        b.close()


def _hostile_site(site: LoopbackSite) -> None:
    """A story whose title reads as markup (escaped twice in the feed, since feed titles are HTML:
    a title about a script tag) and whose text holds it too; a feed that fails."""
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(HOSTILE_TITLE)}</title></head>"
        f"<body><article><h1>{html.escape(HOSTILE_TITLE)}</h1>"
        + "".join(f"<p>{html.escape(HOSTILE_TEXT)}</p>" for _ in range(3))
        + "</article></body></html>"
    )
    site.routes["/articles/hostile.html"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())
    site.routes["/hostile.xml"] = (
        200,
        RSS,
        rss_feed([Seed("hostile", html.escape(HOSTILE_TITLE), HOSTILE_TEXT)], site.base_url),
    )
    site.routes["/broken.xml"] = (500, {"Content-Type": "text/plain"}, b"upstream exploded")


def _serving(cfg_path: Path, redis: Redis, token: str | None = None) -> Iterator[str]:
    rt = runtime(cfg_path, redis)
    run_pass(rt)
    live = LiveConfig(rt.config, redis)
    port = free_port()
    server = serve(f"127.0.0.1:{port}", registry_for(Metrics.create(), live, redis), redis, live,
                   token=token, need_scheduler=True, need_workers=True)  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page_url(tmp_path: Path, redis: Redis, site: LoopbackSite, whsec: str) -> Iterator[str]:
    receiver = WebhookReceiver(whsec).start()
    _hostile_site(site)
    feeds = [f"{site.base_url}/feed.xml", f"{site.base_url}/hostile.xml", f"{site.base_url}/broken.xml"]
    cfg = write_config(tmp_path, feeds, [webhook_sink(receiver.url, whsec)], unhealthy_after=1)
    try:
        yield from _serving(cfg, redis)
    finally:
        receiver.stop()


def test_the_status_page_shows_alerts_feeds_queues_and_rules_and_never_runs_feed_text(
    browser: Any, page_url: str, redis: Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
    response = page.goto(page_url)
    assert response is not None and response.status == 200
    assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none': no script
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "status-page.png"
    page.screenshot(path=str(shot), full_page=True)
    with capsys.disabled():
        print(f"\nstatus page screenshot: {shot}")

    # The hostile story: its title is text on the page, its markup never ran or became elements.
    assert page.evaluate("window.__pwned") is None and errors == []
    assert page.locator("script").count() == 0
    assert page.locator("#alerts img").count() == 0
    assert page.title().startswith("wirewatch:")
    hostile = page.locator(".alert", has_text="judges & prosecutors")
    assert hostile.count() == 1
    assert hostile.locator(".title a").inner_text() == " ".join(HOSTILE_TITLE.split())
    assert hostile.locator(".rule").inner_text() == "International Criminal Court"
    marks = hostile.locator(".snippet mark").all_inner_texts()
    assert marks and all(m.lower() == "international criminal court" for m in marks)
    assert "<script>" in hostile.locator(".snippet").inner_text()  # the reader's comment, as text

    # Every alert recorded is listed, newest first, with its rule and source.
    recorded = alerts_store.recent_alerts(redis, 50)
    assert page.locator(".alert").count() == len(recorded)
    assert page.locator(".alert").first.get_attribute("data-alert") == recorded[0].alert_id

    # An alert of the seeded statement rule shows the statement it found, once.
    firsts = {a.alert_id: next((m.statement for m in a.matches if m.statement), None) for a in recorded}
    stated = {alert_id: statement for alert_id, statement in firsts.items() if statement is not None}
    assert stated and page.locator(".alert .statement").count() == len(stated)
    for alert_id, statement in stated.items():
        shown = page.locator(f'.alert[data-alert="{alert_id}"] .statement').all_inner_texts()
        assert shown == [f"Statement: {statement_line(statement)}"]

    # Feeds and their health, the worst first: the broken one unhealthy, the seed feed and the
    # hostile one ok.
    assert page.locator("#feeds tr[data-feed] .state").all_inner_texts() == ["unhealthy", "ok", "ok"]
    assert page.locator("#feed-counts").inner_text() == "2 ok, 1 unhealthy"
    broken = page.locator("#feeds tr[data-feed]").nth(0)
    assert "broken.xml" in broken.inner_text() and "500" in broken.inner_text()
    problems = page.locator("#problems li").all_inner_texts()
    assert "1 feed unhealthy or retired" in problems and "no worker is running" in problems

    # Queues, workers and the rules with how often each matched today.
    assert page.locator("#queues tr[data-queue]").count() == 3
    assert page.locator("#workers").inner_text() == "0"
    matched = {
        row.get_attribute("data-rule"): int(row.locator(".matched").inner_text())
        for row in page.locator("#rules tr[data-rule]").all()
    }
    by_rule: dict[str, int] = {}
    for a in recorded:
        by_rule[a.rule_id] = by_rule.get(a.rule_id, 0) + 1
    assert matched == {**dict.fromkeys(matched, 0), **by_rule} and set(matched) == {
        "kremlin-spokesman", "icc", "navalny"
    }  # fmt: skip

    # It refreshes itself.
    refresh = page.locator('meta[http-equiv="refresh"]').get_attribute("content")
    assert refresh is not None and int(refresh) > 0
    page.close()


def _get(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_with_a_token_the_page_asks_for_it_and_takes_it_as_the_basic_auth_password(
    browser: Any, tmp_path: Path, redis: Redis
) -> None:
    cfg = write_config(tmp_path, [], [])
    for url in _serving(cfg, redis, token="s3cret"):
        assert _get(url, {}) == 401
        basic = "Basic " + base64.b64encode(b"anyone:s3cret").decode()
        wrong = "Basic " + base64.b64encode(b"anyone:wrong").decode()
        assert _get(url, {"Authorization": wrong}) == 401
        assert _get(url, {"Authorization": "Basic !!not base64"}) == 401
        assert _get(url, {"Authorization": basic}) == 200
        assert _get(url, {"Authorization": "Bearer s3cret"}) == 200

        from playwright.sync_api import Error

        for credentials in (None, {"username": "me", "password": "wrong"}):  # asked, and refused
            refused = browser.new_context(http_credentials=credentials)
            try:  # Chromium gives up on the prompt it cannot show, or shows the 401 page
                status = refused.new_page().goto(url).status
            except Error as exc:
                status = 401 if "ERR_INVALID_AUTH_CREDENTIALS" in str(exc) else 0
            refused.close()
            assert status == 401, credentials
        context = browser.new_context(http_credentials={"username": "me", "password": "s3cret"})
        page = context.new_page()
        response = page.goto(url)
        assert response.status == 200 and page.locator("#rules").count() == 1
        context.close()


def test_without_redis_the_page_says_so(browser: Any, tmp_path: Path) -> None:
    from pipeline.config import load_config

    cfg = load_config(write_config(tmp_path, [], []))
    # nothing listens; connected as the workers connect (a bare Redis() retries for seconds first)
    redis = connect(f"redis://127.0.0.1:{free_port()}/0")
    port = free_port()
    server = serve(f"127.0.0.1:{port}", registry_for(Metrics.create(), lambda: cfg, redis), redis,
                   lambda: cfg, token=None, need_scheduler=True, need_workers=True)  # fmt: skip
    try:
        page = browser.new_page()
        assert page.goto(f"http://127.0.0.1:{port}/").status == 503
        assert page.locator("#problems li").inner_text().startswith("Redis does not answer:")
        page.close()
    finally:
        server.shutdown()
        server.server_close()


def test_feeds_and_rules_come_a_page_at_a_time_the_worst_and_the_busiest_first(
    browser: Any, tmp_path: Path, redis: Redis, site: LoopbackSite
) -> None:
    """68 feeds and 60 rules, 50 of each a page: the worst feeds first (unhealthy, retired,
    backing off, not polled, then ok), the rules that matched most today first, with counts for
    the rest and links to the next page."""
    empty = rss_feed([], site.base_url)
    failing = (500, {"Content-Type": "text/plain"}, b"down")
    for name in [*(f"ok{n}" for n in range(60)), "flaky0", "flaky1"]:
        site.routes[f"/{name}.xml"] = (200, RSS, empty)
    for n in range(3):
        site.routes[f"/down{n}.xml"] = failing
    site.routes["/gone.xml"] = (410, {"Content-Type": "text/plain"}, b"gone")
    names = [*(f"ok{n}" for n in range(30)), "down0", "down1", "down2", *(f"ok{n}" for n in range(30, 60)),
             "flaky0", "flaky1", "gone", "new0", "new1"]  # fmt: skip
    rules = [{"id": f"r-{n:02d}", "query": f"word{n}"} for n in range(60)]
    cfg = write_config(
        tmp_path, [f"{site.base_url}/{n}.xml" for n in names], [], rules=rules, unhealthy_after=2
    )
    rt = runtime(cfg, redis)
    ids = {name: feed.id for name, feed in zip(names, rt.config.feeds, strict=True)}
    by_name = dict(zip(names, rt.config.feeds, strict=True))
    FeedScheduler(rt.services).sync()  # as the scheduler does when it takes the lead
    run_pass(rt, feeds=[f for name, f in by_name.items() if not name.startswith("new")])
    site.routes["/flaky0.xml"] = site.routes["/flaky1.xml"] = failing
    run_pass(rt, feeds=[by_name[n] for n in ("down0", "down1", "down2", "flaky0", "flaky1")])
    for n in range(52):  # rule r-n matched n + 1 times today
        alerts_store.count_matches(redis, [f"r-{n:02d}"] * (n + 1), time.time())

    live = LiveConfig(rt.config, redis)
    port = free_port()
    server = serve(f"127.0.0.1:{port}", registry_for(Metrics.create(), live, redis), redis, live,
                   token=None, need_scheduler=True, need_workers=True)  # fmt: skip
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        assert page.goto(f"http://127.0.0.1:{port}/").status == 200
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "status-page-paged.png"), full_page=True)
        rows = page.locator("#feeds tr[data-feed]")
        # Ties: most failures first in Redis's order (feed ids from the last), the others by id.
        worst = [
            *sorted((ids["down0"], ids["down1"], ids["down2"]), reverse=True), ids["gone"],
            *sorted((ids["flaky0"], ids["flaky1"]), reverse=True), *sorted((ids["new0"], ids["new1"])),
        ]  # fmt: skip
        ok = sorted(ids[f"ok{n}"] for n in range(60))
        assert [rows.nth(i).get_attribute("data-feed") for i in range(rows.count())] == [*worst, *ok[:42]]
        assert page.locator("#feeds tr[data-feed] .state").all_inner_texts() == [
            *["unhealthy"] * 3, "retired", *["backing off"] * 2, *["not polled"] * 2, *["ok"] * 42
        ]  # fmt: skip
        counts = "60 ok, 2 backing off, 3 unhealthy, 1 retired, 2 not polled"
        assert page.locator("#feed-counts").inner_text() == counts
        assert page.locator("#feeds-more").inner_text() == "and 18 more feeds: 18 ok"
        assert "4 feeds unhealthy or retired" in page.locator("#problems li").all_inner_texts()
        rules = page.locator("#rules tr[data-rule]")
        assert [rules.nth(i).get_attribute("data-rule") for i in range(rules.count())] == [
            f"r-{n:02d}" for n in range(51, 1, -1)
        ]
        assert page.locator("#rules tr[data-rule] .matched").first.inner_text() == "52"
        assert page.locator("#rules-more").inner_text() == "and 10 more rules, matched 3 times today"

        page.locator("#feed-pages a[rel=next]").click()  # the rest of the feeds, the rules' page kept
        assert page.url.endswith("/?feeds=2&rules=1")
        assert [rows.nth(i).get_attribute("data-feed") for i in range(rows.count())] == ok[42:]
        assert (
            page.locator("#feeds-more").count() == 0 and page.locator("#feed-counts").inner_text() == counts
        )
        assert page.locator("#feed-pages a[rel=prev]").count() == 1
        assert page.locator("#feed-pages a[rel=next]").count() == 0

        page.locator("#rule-pages a[rel=next]").click()
        assert page.url.endswith("/?feeds=2&rules=2")
        assert [rules.nth(i).get_attribute("data-rule") for i in range(rules.count())] == [
            "r-01", "r-00", *(f"r-{n}" for n in range(52, 60))
        ]  # fmt: skip
        assert page.locator("#rules tr[data-rule] .matched").all_inner_texts()[:3] == ["2", "1", "0"]
        assert page.locator("#rules-more").count() == 0 and rows.count() == 18

        assert page.goto(f"http://127.0.0.1:{port}/?feeds=99&rules=x").status == 200  # the last; the first
        assert rows.count() == 18 and rules.first.get_attribute("data-rule") == "r-51"
    finally:
        page.close()
        server.shutdown()
        server.server_close()


def test_the_search_page_finds_archived_stories_shows_a_bad_query_with_its_caret_and_never_runs_titles(
    browser: Any, page_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    page, errors = _opened(browser, page_url)
    page.click("text=search the archive")
    page.fill("input[name=q]", '"criminal court" AND judges')
    page.click("button[type=submit]")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search-page.png"), full_page=True)
    with capsys.disabled():
        print(f"\nsearch page screenshot: {SCREENSHOTS / 'search-page.png'}")
    results = page.locator(".result")
    assert results.count() == 1 and page.locator("#count").inner_text().startswith("1 article")
    assert results.first.locator(".title a").inner_text() == " ".join(HOSTILE_TITLE.split())
    assert [m.lower() for m in results.first.locator(".snippet mark").all_inner_texts()][:1] == [
        "criminal court"
    ]
    assert page.evaluate("window.__pwned") is None and errors == [] and page.locator("script").count() == 0

    # A query that does not parse: the parser's message and caret, in the page, nothing searched.
    page.fill("input[name=q]", "judges AND (court")
    with page.expect_response(lambda r: "/search" in r.url) as answered:
        page.click("button[type=submit]")
    assert answered.value.status == 400
    error = page.locator("#error").inner_text()
    assert "judges AND (court" in error and "^" in error and page.locator(".result").count() == 0


def test_trying_a_rule_shows_a_bad_query_with_its_caret_then_what_the_fixed_one_would_match(
    browser: Any, page_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    page, errors = _opened(browser, page_url)
    page.click("text=try a rule")
    page.select_option("select[name=rule]", "icc")
    page.fill("textarea[name=q]", '"criminal court" AND (judges')
    page.click("button[type=submit]")
    error = page.locator("#error").inner_text()
    assert '"criminal court" AND (judges' in error and "^" in error

    page.fill("textarea[name=q]", '"criminal court" AND judges')
    page.click("button[type=submit]")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "rule-preview.png"), full_page=True)
    with capsys.disabled():
        print(f"\nrule preview screenshot: {SCREENSHOTS / 'rule-preview.png'}")
    assert page.locator("#total strong").inner_text() == "1"  # the hostile story alone has "judges"
    assert page.locator("#per-day td.n").all_inner_texts() == ["1"]
    assert page.locator("#matched .result").count() == 1
    assert page.locator("#only-edited .result").count() == 0
    assert page.locator("#only-current .result").count() >= 1  # the rule as it is finds the seed stories too
    assert page.locator("#only-current-total").inner_text() == str(
        page.locator("#only-current .result").count()
    )
    assert page.locator("#estimated").count() == 0  # a small archive is read whole: exact counts
    assert page.locator("#matched .snippet mark").count() >= 1
    yaml_text = page.locator("#yaml").input_value()
    assert yaml_text.startswith("- id: icc\n") and "query: '\"criminal court\" AND judges'" in yaml_text
    assert page.evaluate("window.__pwned") is None and errors == [] and page.locator("script").count() == 0


def test_feedback_clicked_on_an_alert_shows_in_the_rules_table(browser: Any, page_url: str) -> None:
    page, errors = _opened(browser, page_url)
    row = page.locator('#rules tr[data-rule="icc"]')
    alerts_7d = row.locator(".feedback-7").inner_text().split(" · ")[0]
    assert int(alerts_7d) >= 1 and " · 0 / 0 · -" in row.locator(".feedback-7").inner_text()
    hostile = page.locator(".alert", has_text="judges & prosecutors")
    hostile.locator("button[value=no]").click()
    assert "marked not relevant" in page.locator("#done").inner_text()
    page.goto(page_url)
    row = page.locator('#rules tr[data-rule="icc"]')
    assert row.locator(".feedback-7").inner_text() == f"{alerts_7d} · 0 / 1 · 0%"
    assert row.locator(".feedback-30").inner_text() == f"{alerts_7d} · 0 / 1 · 0%"
    assert errors == [] and page.locator("script").count() == 0


def _opened(browser: Any, url: str) -> tuple[Any, list[str]]:
    """A page of the browser at `url`, and the script errors it will report (none, for ours)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, errors
