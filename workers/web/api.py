"""The API under /api/v1 (FastAPI, mounted in the web app): JSON, described by the OpenAPI 3
document at /api/v1/openapi.json. Errors are JSON too: {"error": "<message>"}.

Who may ask: a bearer token of `api_tokens` (each `read` or `write`: a read token reads, a
write token also retries deliveries); with no token configured, the API answers on a loopback
listener only (as the status page does, the machine's own users), with full access, and says so
in /api/v1/whoami (where it listens decides, not what the config says: `--metrics-listen`).
A missing or unknown token is 401, a read token on a write route 403.

(No `from __future__ import annotations` here: FastAPI reads the routes' annotations at run
time, and the dependencies they name are made inside `build_api`.)
"""

import hmac
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis import Redis
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.alerts import article_document
from pipeline.config import Config
from pipeline.errors import WirewatchError
from pipeline.extract import extract_text
from pipeline.feedback import BadToken, read_token
from pipeline.fetch import Fetcher
from pipeline.models import Alert, Article, ArticleRef, Match, RuleHit, StoryRef, followed
from pipeline.rules import Matcher, QuerySyntaxError
from pipeline.sources import PAGE_ACCEPT
from pipeline.values import parse_duration

from .. import delivery, searching
from ..compiled_rules import compiled_matcher
from ..history import alerts as history_alerts
from ..history import deliveries as history_deliveries
from ..history import feedback as history_feedback
from ..history.database import History
from ..overview import FeedRow, feed_rows, story_timeline
from ..services import Services
from ..store import feedback as feedback_store
from ..store import ratelimit
from ..store.stories import also_reported_by

Scope = Literal["read", "write"]
MAX_LIMIT = 200  # items a list answers at most
SEARCH_SECONDS = 5.0  # a search reads the archive this long at most


class Caller(BaseModel):
    """Who is asking: a token's name and scope, or the machine's own user on loopback."""

    name: str
    scope: Scope


class DeliveryState(BaseModel):
    delivery_id: str
    sink: str
    kind: str
    item: str
    rule: str
    title: str
    url: str
    status: str
    tries: int
    error: str
    first: float
    last: float


class SearchHit(BaseModel):
    article: ArticleRef
    story: StoryRef
    seen: str
    matches: tuple[Match, ...]
    also_reported_by: str


class TimelineCopy(BaseModel):
    source: str
    url: str
    title: str
    published: str | None  # when the outlet published it, as its page or feed says
    seen: str  # when wirewatch read it
    first: bool  # the first outlet's


class StoryTimeline(BaseModel):
    """A story's copies in the order its outlets had them (by published time, never later than
    wirewatch read it; else by when it read it), the first outlet's first."""

    story_id: str
    first_outlet: TimelineCopy
    followed: int  # outlets besides the first
    copies: list[TimelineCopy]


class SearchResults(BaseModel):
    results: list[SearchHit]
    next_cursor: str | None  # give it as `cursor` for the next page (None: there is none)
    stopped: bool  # the search stopped at its time bound: narrow the query or the period


class FeedbackIn(BaseModel):
    """Feedback on one alert: by `alert_id` with a write token, or with the alert's own feedback
    `token` (a message's link carries it), which needs no other."""

    relevant: bool
    alert_id: str | None = Field(default=None, max_length=64)
    token: str | None = Field(default=None, max_length=500)


class RulesTestIn(BaseModel):
    """A document to run the configured rules over: plain `text` (with a `title`), an `html`
    page, or a `url` to fetch (through the guarded fetcher, as a page of a feed is)."""

    title: str = Field(default="", max_length=2000)
    text: str | None = Field(default=None, max_length=1_000_000)
    html: str | None = Field(default=None, max_length=5_000_000)
    url: str | None = Field(default=None, max_length=2000)


class RulesTestOut(BaseModel):
    url: str
    title: str
    matches: list[RuleHit]


class Done(BaseModel):
    message: str


class Error(BaseModel):
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Error, "description": why}
    for code, why in (
        (401, "no token, or not one of api_tokens"),
        (403, "the token's scope does not allow it"),
        (422, "a parameter or a body that is not valid"),
    )
}


def build_api(
    redis: Redis,
    config: Callable[[], Config],
    history: Callable[[], History],
    version: str,
    *,
    on_loopback: bool,
) -> FastAPI:
    """The API; `history`: the process's history store; `on_loopback`: the listener is reachable
    from this machine only."""
    api = FastAPI(
        title="wirewatch", version=version, openapi_url="/openapi.json", docs_url=None, redoc_url=None,
        description="The alerts, feeds and deliveries of a wirewatch system. Bearer tokens: `api_tokens`.",
    )  # fmt: skip

    @api.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, exc.status_code, headers=exc.headers)

    @api.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid')}"}, 422)

    def caller(request: Request) -> Caller:
        cfg = config()
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if not cfg.api_tokens:
            if on_loopback:
                return Caller(name="local", scope="write")
            raise HTTPException(401, "the API needs api_tokens when it is reachable from other machines")
        if scheme.lower() == "bearer":
            for token in cfg.api_tokens:
                if hmac.compare_digest(given.strip().encode(), token.token.encode()):
                    return Caller(name=token.name, scope=token.scope)
        raise HTTPException(401, "a bearer token of api_tokens is required", {"WWW-Authenticate": "Bearer"})

    def costly(who: Annotated[Caller, Depends(caller)]) -> Caller:
        """A caller of a costly route (search, rules test), within its rate for the minute."""
        wait = ratelimit.take(redis, f"api:{who.name}", config().web_rate_limit, time.time())
        if wait is not None:
            raise HTTPException(429, f"token {who.name!r}: too many searches and rules tests this minute",
                                {"Retry-After": str(max(1, round(wait)))})  # fmt: skip
        return who

    def writer(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if who.scope != "write":
            raise HTTPException(403, f"token {who.name!r} is read-only")
        return who

    @api.get("/whoami", responses=ERRORS)
    def whoami(who: Annotated[Caller, Depends(caller)]) -> Caller:
        """The caller as the API sees it."""
        return who

    @api.get("/alerts", responses=ERRORS)
    def alerts(
        who: Annotated[Caller, Depends(caller)],
        rule: Annotated[str | None, Query(max_length=64, description="only this rule's alerts")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    ) -> list[Alert]:
        """The newest alerts, newest first (the history store keeps them for archive_retention)."""
        return history_alerts.recent(history(), limit, rule)

    @api.get("/feeds", responses=ERRORS)
    def feeds(who: Annotated[Caller, Depends(caller)]) -> list[FeedRow]:
        """Every configured feed's state and health, as `wirewatch feeds --json` gives it."""
        return feed_rows(config(), redis, time.time())

    @api.get("/deliveries", responses=ERRORS)
    def deliveries(
        who: Annotated[Caller, Depends(caller)],
        failed: Annotated[bool, Query(description="dead letters only")] = False,
        sink: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[DeliveryState]:
        """The newest deliveries (or dead letters), newest first."""
        found = history_deliveries.recent(history(), failed=failed, sink=sink, limit=limit, offset=offset)
        return [DeliveryState.model_validate(d.to_dict()) for d in found]

    @api.get("/search", responses={**ERRORS, 400: {"model": Error}, 429: {"model": Error}})
    def search_archive(
        who: Annotated[Caller, Depends(costly)],
        q: Annotated[str, Query(min_length=1, max_length=2000, description="a query in the rule language")],
        since: Annotated[str, Query(pattern=r"^\d{1,4}[smhd]$", description="how far back: 7d, 12h")] = "7d",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 25,
        cursor: Annotated[
            str | None, Query(max_length=40, description="next_cursor of the page before")
        ] = None,
    ) -> SearchResults:
        """The archived articles a query matches, newest first, with why (the history store's
        full-text index narrows, the workers' matcher decides; at most 5 s of reading)."""
        until = float(cursor) if cursor and cursor.replace(".", "", 1).isdigit() else None
        try:
            page = searching.search(history(), config(), q, time.time() - parse_duration(since), limit=limit,
                                    until=until, max_seconds=SEARCH_SECONDS)  # fmt: skip
        except QuerySyntaxError as exc:
            raise HTTPException(400, f"{exc.message} (column {exc.column})\n{exc.caret()}") from exc
        hits = [
            SearchHit(article=ArticleRef(**f.item.article.model_dump(include=set(ArticleRef.model_fields))),
                      story=f.item.story, seen=f.item.seen, matches=f.hits[0].matches,
                      also_reported_by=also_reported_by(f.item.story, f.item.article.url, page.copies))
            for f in page.found
        ]  # fmt: skip
        cursor_next = f"{page.next_until:.6f}" if page.next_until is not None else None
        return SearchResults(results=hits, next_cursor=cursor_next, stopped=page.stopped)

    @api.get("/alerts/{alert_id}", responses={**ERRORS, 404: {"model": Error}})
    def one_alert(alert_id: str, who: Annotated[Caller, Depends(caller)]) -> Alert:
        """One alert as it was made: its matches, statement and story."""
        found = history_alerts.get(history(), alert_id)
        if found is None:
            raise HTTPException(404, f"no alert {alert_id} (unknown, or past seen_ttl)")
        return found

    @api.get("/stories/{story_id}", responses={**ERRORS, 404: {"model": Error}})
    def one_story(story_id: str, who: Annotated[Caller, Depends(caller)]) -> StoryTimeline:
        """A story's timeline: every copy (outlet, URL, title, when published, when read), the
        first outlet's first, from Redis within the story window, else from the archive."""
        copies = story_timeline(redis, history(), story_id)
        if not copies:
            raise HTTPException(404, f"no story {story_id} (unknown, or past its window and the archive)")
        rows = [TimelineCopy(**c.model_dump(), first=i == 0) for i, c in enumerate(copies)]
        return StoryTimeline(story_id=story_id, first_outlet=rows[0], followed=followed(copies), copies=rows)

    matchers: dict[int, Matcher] = {}  # by config: the compiled rules, loaded once per generation

    @api.post("/rules/test", responses={**ERRORS, 400: {"model": Error}, 429: {"model": Error}})
    def rules_test(document: RulesTestIn, who: Annotated[Caller, Depends(costly)]) -> RulesTestOut:
        """The configured rules over one document, with why each matched (as `wirewatch rules test`)."""
        cfg = config()
        if sum(x is not None for x in (document.text, document.html, document.url)) != 1:
            raise HTTPException(400, "give one of text, html or url")
        url, title, text, language = document.url or "", document.title, document.text or "", None
        if document.url is not None:
            fetcher = Fetcher(cfg.defaults.user_agent, cfg.defaults.fetch_timeout, cfg.allow_private_networks)
            try:
                page = fetcher.get(document.url, max_bytes=cfg.defaults.max_page_bytes, accept=PAGE_ACCEPT)
            except WirewatchError as exc:
                raise HTTPException(400, str(exc)) from exc
            finally:
                fetcher.close()
            found = extract_text(page.content, page.url)
            url, title, text, language = page.url, found.title, found.text, found.language
        elif document.html is not None:
            found = extract_text(document.html.encode(), "about:blank")
            title, text, language = document.title or found.title, found.text, found.language
        if id(cfg) not in matchers:
            matchers.clear()
            matchers[id(cfg)] = compiled_matcher(cfg)
        article = Article(url=url, title=title, text=text, source="api", language=language)
        return RulesTestOut(url=url, title=title, matches=matchers[id(cfg)].match(article_document(article)))

    @api.post("/feedback", responses={**ERRORS, 404: {"model": Error}})
    def give_feedback(given: FeedbackIn, request: Request) -> Done:
        """Say whether an alert was relevant (the latest word on an alert counts)."""
        cfg = config()
        if given.token is not None:
            try:
                granted = read_token(
                    feedback_store.secret(redis, cfg.feedback_secret), given.token, time.time()
                )
            except BadToken as exc:
                raise HTTPException(403, str(exc)) from exc
            if given.alert_id is not None and given.alert_id != granted.alert_id:
                raise HTTPException(403, "this feedback token is for another alert")
            alert_id, rule_id, who = granted.alert_id, granted.rule_id, "link"
        else:
            caller_is = writer(caller(request))
            if given.alert_id is None:
                raise HTTPException(422, "give alert_id (with a write token) or the alert's feedback token")
            made = history_alerts.get(history(), given.alert_id)
            if made is None:
                raise HTTPException(404, f"no alert {given.alert_id}")
            alert_id, rule_id, who = made.alert_id, made.rule_id, caller_is.name
        history_feedback.add(history(), alert_id, rule_id, given.relevant, who, time.time())
        return Done(message=f"alert {alert_id}: marked {'relevant' if given.relevant else 'not relevant'}")

    @api.post("/deliveries/{delivery_id}/retry", responses={**ERRORS, 409: {"model": Error}})
    def retry(delivery_id: str, who: Annotated[Caller, Depends(writer)]) -> Done:
        """Queue a dead letter again (the same delivery id, a fresh retry schedule)."""
        try:
            return Done(message=delivery.retry(Services(config(), redis, history()), delivery_id))
        except delivery.NotRetried as exc:
            raise HTTPException(409, str(exc)) from exc

    return api
