"""The shape of config/wirewatch.yaml and config/rules.yaml, as pydantic models.

pipeline.config.loading loads the YAML, interpolates ${VAR}, and validates it against these
models; pipeline.config.validation reports every error with file, line and key. A sink's keys
are its kind's (each kind's model is in its module, and `sinks:` takes any of them: see
pipeline.sinks.registry); the value types that every model uses are in pipeline.values.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator

from ..models import short_hash
from ..rules.inflection import case_forms
from ..rules.people import Person
from ..sinks.registry import AnySinkConfig, SinkConfig
from ..sources import DEFAULT_KIND, SOURCE_KINDS, page
from ..values import (
    DigestConfig,
    Duration,
    HttpUrl,
    SinkId,
    Size,
    SpikeConfig,
    Strict,
    TemplatesConfig,
    empty_to_none,
)


def loopback_listen(listen: str) -> bool:
    """Whether a host:port to listen on is reachable from this machine only."""
    host = listen.rpartition(":")[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]


def _alias_variants(value: object) -> object:
    """An alias written as a mapping, `{names: [Песков, Пєсков], variants: [Peskow, Peskoff]}`:
    its names in every case form (pipeline.rules.inflection), then its variants as written; the
    flat list a matcher takes. A list is a list of variants, as it always was."""
    if not isinstance(value, dict):
        return value
    unknown = sorted(str(k) for k in value if k not in ("names", "variants"))
    if unknown:
        raise ValueError(
            f"an alias written as a mapping takes names: and variants:, not {', '.join(unknown)}"
        )
    out: list[str] = []
    for key in ("names", "variants"):
        listed = value.get(key) or []
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            raise ValueError(f"{key}: must be a list of words or phrases")
        for variant in case_forms_of(listed) if key == "names" else listed:
            if variant not in out:
                out.append(variant)
    return out


def case_forms_of(names: list[str]) -> list[str]:
    """Each name and its case forms, in order, once each."""
    out: dict[str, None] = {}
    for name in names:
        out.update(dict.fromkeys(case_forms(name)))
    return list(out)


# An alias's variants: a list, or a mapping of names (declined) and variants (as written).
AliasVariants = Annotated[list[str], BeforeValidator(_alias_variants)]

# Standard Webhooks' retry schedule after the first try: 5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 10 h.
STANDARD_WEBHOOKS_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)


class Defaults(Strict):
    poll_interval: Duration = 300.0  # a feed's interval until its entries tell how often it publishes
    min_interval: Duration = 120.0  # adaptive intervals stay within [min_interval, max_interval]
    max_interval: Duration = 6 * 3600.0
    max_backoff: Duration = 6 * 3600.0  # a failing feed is still tried at least this often
    unhealthy_after: int = Field(default=5, ge=1, le=1000)  # failures in a row that make a feed unhealthy
    poll_jitter: Duration = 15.0
    fetch_timeout: Duration = 20.0
    max_feed_bytes: Size = 10_000_000
    max_page_bytes: Size = 5_000_000
    seen_ttl: Duration = 90 * 86400.0  # how long an entry, alert or delivery is remembered
    max_entry_age: Duration = 2 * 86400.0  # entries published longer ago are remembered, not alerted
    story_window: Duration = Field(default=3 * 86400.0, ge=60)  # copies later than this are a new story
    # How long Redis remembers a story's copies, an alert and a delivery beyond the window that
    # bounds them (an article job run late, machines' clocks that differ); the history store
    # answers beyond it, so a shorter margin costs a lookup there, not a repeat.
    redis_margin: Duration = Field(default=86400.0, ge=60)
    archive_retention: Duration = 7 * 86400.0  # processed articles kept for backfill and search (0: off)
    max_requests_per_host: int = Field(default=2, ge=1, le=64)  # feed polls and pages at once, per worker
    host_delay: Duration = 1.0  # at least this long between two feed polls of one host, all workers
    min_text_chars: int = Field(default=200, ge=0)  # less extracted text than this: use the feed's
    max_extract_time: Duration = 10.0  # a page taking longer to extract: use the feed's text
    # The waits between the tries of a delivery (each +-20% jitter): Standard Webhooks' schedule.
    retry_schedule: list[Duration] = Field(
        default_factory=lambda: list(STANDARD_WEBHOOKS_SCHEDULE), max_length=50
    )
    retry_backoff: Duration = 10.0  # page fetches and lost jobs: first retry delay, doubling, with jitter
    retry_backoff_cap: Duration = 3600.0
    user_agent: str = "wirewatch/0.1 (+https://github.com/wirewatch/wirewatch)"
    spike: SpikeConfig | None = None  # spike notices for every rule (a rule's `spike: false`: not it)

    @model_validator(mode="after")
    def _intervals_in_order(self) -> Defaults:
        if self.min_interval > self.max_interval:
            raise ValueError("min_interval must not be more than max_interval")
        return self


class HostConfig(Strict):
    """Politeness towards one host, instead of the defaults (`hosts:` in the config)."""

    max_requests: int | None = Field(default=None, ge=1, le=256)
    delay: Duration | None = None


class StoriesConfig(Strict):
    """When two articles are one story (`stories:`; see pipeline.stories and bench/stories.py)."""

    jaccard: float = Field(default=0.4, gt=0, le=1)  # estimated shingle Jaccard similarity to a member
    containment: float = Field(default=0.8, gt=0, le=1)  # or: this share of the shorter one inside the other
    min_words: int = Field(default=50, ge=5)  # shorter texts join only by story URL or identical title
    # Sites whose canonical links are trusted on other sites' pages (a wire service's stories
    # republished by its clients); a page's canonical link to its own site is always trusted.
    syndication: list[str] = Field(default_factory=list)

    @field_validator("syndication")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        for site in value:
            if "/" in site or ":" in site or "." not in site:
                raise ValueError(f"not a site's domain: {site!r} (give e.g. apnews.com)")
        return [site.lower().removeprefix("www.") for site in value]


class FeedConfig(Strict):
    url: HttpUrl
    type: str = DEFAULT_KIND  # what kind of source it is: how its body becomes entries (pipeline.sources)
    name: str | None = None
    category: str | None = Field(default=None, max_length=200)  # rules can scope it: category:world
    interval: Duration | None = None
    max_entry_age: Duration | None = None  # overrides defaults.max_entry_age
    # Options of one kind each (pipeline.sources): given with another kind, an error.
    select: str | None = Field(default=None, min_length=1, max_length=500)  # page: "a.news-item"
    follow_links: bool = False  # telegram: a post that is mostly a link takes the linked article's text
    # A query in the rule language: this feed's articles it matches alert no rule (pipeline.mutes).
    mute: str | None = Field(default=None, min_length=1, max_length=10_000)

    @field_validator("select")
    @classmethod
    def _css_selector(cls, value: str | None) -> str | None:
        return None if value is None else page.check_selector(value)

    @field_validator("type")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in SOURCE_KINDS:
            kinds = ", ".join(sorted(SOURCE_KINDS))
            raise ValueError(f"unknown kind of source {value!r} (the kinds are: {kinds})")
        return value

    @model_validator(mode="before")
    @classmethod
    def _address_of_its_kind(cls, data: object) -> object:
        """A kind may take its feeds' addresses in forms of its own (t.me/<name>): made the one
        it polls before the URL is checked."""
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            kind = SOURCE_KINDS.get(str(data.get("type", DEFAULT_KIND)))
            if kind is not None and kind.address is not None:
                data = {**data, "url": kind.address(data["url"])}
        return data

    @model_validator(mode="after")
    def _options_of_its_kind(self) -> FeedConfig:
        for option, kind, given in (("select", "page", self.select is not None),
                                    ("follow_links", "telegram", self.follow_links)):  # fmt: skip
            if given and self.type != kind:
                raise ValueError(f"{option}: is for feeds of type: {kind} (this one is type: {self.type})")
        return self

    @property
    def id(self) -> str:
        return short_hash(self.url, size=16)


class RuleConfig(Strict):
    id: RuleId
    title: str = ""
    query: str
    aliases: dict[str, AliasVariants] = Field(default_factory=dict)
    sinks: list[SinkId] | None = None  # None: every sink
    templates: TemplatesConfig | None = None  # over each sink's own
    digest: DigestConfig | None = None  # group this rule's alerts, per sink
    urgent: bool = False  # its alerts go at once, through a sink's quiet hours too
    # Spike notices for this rule (pipeline.spikes): true (defaults.spike's settings, or the
    # shipped ones), its own settings, or false (none, whatever defaults.spike says).
    spike: SpikeConfig | bool | None = None

    @property
    def display_title(self) -> str:
        return self.title or self.id


PersonId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


class MuteConfig(Strict):
    """A query whose articles alert no rule (`mute:`; see pipeline.mutes)."""

    id: RuleId
    query: str = Field(min_length=1, max_length=10_000)


def _mutes(value: object) -> object:
    """`mute:` as written: one query, a list of queries (named mute-1, mute-2, ...), or a list of
    {id, query}; a list of mappings either way."""
    if isinstance(value, str):
        return [{"id": "mute", "query": value}]
    if isinstance(value, list):
        return [{"id": f"mute-{n}", "query": v} if isinstance(v, str) else v for n, v in enumerate(value, 1)]
    return value


class PersonConfig(Strict):
    """A person (or an office) that queries name as `@id`: their names and variants in every
    script, and their roles. `@id` stands for any of them, each expanded by the aliases; a
    Cyrillic name also in every case form (pipeline.rules.inflection).

    `context` and `namesakes` are queries over the article: the names count only in an article
    that `context` matches and `namesakes` does not (the surname alone, in an article about
    Russian politics, is the Kremlin spokesman; in one about football it is a footballer). The
    roles count in any article."""

    names: list[str] = Field(default_factory=list)  # "Dmitry Peskov", Peskov, "Дмитрий Песков"
    roles: list[str] = Field(default_factory=list)  # "Kremlin spokesman", "пресс-секретарь Кремля"
    context: str | None = None  # where the names are this person: "Russia OR Kremlin OR ..."
    namesakes: str | None = None  # where the names are someone else: "footballer OR ..."

    @model_validator(mode="after")
    def _something(self) -> PersonConfig:
        if not self.names and not self.roles:
            raise ValueError("a person needs names, roles or both")
        if (self.context is not None or self.namesakes is not None) and not self.names:
            raise ValueError("context: and namesakes: say where the names count: give names too")
        return self

    def spec(self) -> Person:
        """What a matcher needs of this person: the names in every case form, the roles, and
        where the names count."""
        names = tuple(case_forms_of(self.names))
        roles = tuple(r for r in self.roles if r not in names)
        return Person(names=names, roles=roles, context=self.context, namesakes=self.namesakes)


def person_variants(people: Mapping[str, PersonConfig]) -> dict[str, Person]:
    """What a matcher needs of `people:`, by id (PersonConfig.spec)."""
    return {person_id: person.spec() for person_id, person in people.items()}


class RulesFile(Strict):
    aliases: dict[str, AliasVariants] = Field(default_factory=dict)
    people: dict[PersonId, PersonConfig] = Field(default_factory=dict)
    rules: list[RuleConfig]


class WebSubConfig(Strict):
    """WebSub push (pipeline.websub): off unless set, since the hub must reach `callback_url`.
    The web listener (metrics_listen) serves its path; behind a reverse proxy, the proxy forwards
    that path to it."""

    callback_url: HttpUrl  # https://wirewatch.example.org/websub: each feed's callback is <this>/<feed id>
    lease: Duration = Field(default=10 * 86400.0, ge=3600)  # asked of the hub; it may grant another
    renew_before: Duration = Field(default=86400.0, ge=60)  # a lease is renewed this long before it ends
    max_push_bytes: Size = 2_000_000  # a pushed body over this is refused (413)


class ApiToken(Strict):
    """A bearer token of the API (`/api/v1`, workers.web.api): `read` reads, `write` also changes
    (retries deliveries, gives feedback)."""

    name: str = Field(min_length=1, max_length=100)  # who holds it: in the logs, never the token
    token: str = Field(min_length=16, max_length=500)  # ${ENV} in the config: not in the file
    scope: Literal["read", "write"] = "read"


SENTINEL_SCHEME = "redis+sentinel"


class RedisSentinelConfig(Strict):
    """A Redis managed by Sentinel: the sentinels to ask, the service (master) name they watch,
    and the master's db and password. Every process follows a failover (workers.services.connect).
    Its URL form (`url()`, for $REDIS_URL): redis+sentinel://[:password@]host:26379,host:26379/
    service[/db][?sentinel_password=...]."""

    sentinels: list[str] = Field(min_length=1)  # "host:26379", as many as there are
    service: str = Field(default="mymaster", min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    db: int = Field(default=0, ge=0, le=15)
    password: str | None = None  # the master's (and replicas'): ${ENV} in the config
    sentinel_password: str | None = None  # the sentinels' own, when they ask for one

    @field_validator("sentinels")
    @classmethod
    def _host_ports(cls, value: list[str]) -> list[str]:
        for hp in value:
            host, sep, port = hp.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) <= 65535:
                raise ValueError(f"not host:port: {hp!r} (e.g. redis-1.internal:26379)")
        return value

    def hosts(self) -> list[tuple[str, int]]:
        return [(hp.rpartition(":")[0].strip("[]"), int(hp.rpartition(":")[2])) for hp in self.sentinels]

    def url(self) -> str:
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        query = ""
        if self.sentinel_password:
            query = f"?sentinel_password={quote(self.sentinel_password, safe='')}"
        return f"{SENTINEL_SCHEME}://{auth}{','.join(self.sentinels)}/{self.service}/{self.db}{query}"

    @classmethod
    def from_url(cls, url: str) -> RedisSentinelConfig:
        """The URL form back (ValueError, naming what is wrong, for one that is not)."""
        parts = urlsplit(url)
        if parts.scheme != SENTINEL_SCHEME:
            raise ValueError(f"not a {SENTINEL_SCHEME}:// URL")
        where = parts.netloc.rpartition("@")
        path = [p for p in parts.path.split("/") if p]
        if not where[2] or not 1 <= len(path) <= 2 or (len(path) == 2 and not path[1].isdigit()):
            raise ValueError(f"expected {SENTINEL_SCHEME}://[:password@]host:port,host:port/service[/db]")
        password = unquote(where[0].partition(":")[2]) if where[1] else None
        extra = parse_qs(parts.query).get("sentinel_password")
        try:
            return cls(
                sentinels=where[2].split(","),
                service=path[0],
                db=int(path[1]) if len(path) == 2 else 0,
                password=password or None,
                sentinel_password=extra[-1] if extra else None,
            )
        except ValidationError as exc:  # one line, naming the part that is wrong
            raise ValueError(
                "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            ) from None


HISTORY_SCHEMES = ("sqlite:///", "sqlite+pysqlite:///", "postgresql://", "postgresql+psycopg://")


class Config(Strict):
    """A whole, validated configuration: config/wirewatch.yaml with its rules file resolved."""

    redis_url: Annotated[str | None, BeforeValidator(empty_to_none)] = None
    redis_sentinel: RedisSentinelConfig | None = None  # instead of redis_url: a Sentinel-managed Redis
    data_dir: Path = Path("var")
    # The history store (archive, alerts, deliveries): empty means a SQLite file under data_dir;
    # postgresql+psycopg://user:password@host/db for many machines ($WIREWATCH_HISTORY_URL wins).
    history_url: Annotated[str | None, BeforeValidator(empty_to_none)] = None
    # A SQLite history store stops writing while its disk has less free than this: its writes
    # wait in Redis (the outbox) until space is freed, and the rest (Redis's AOF under data_dir
    # above all, so alerts go on) keeps the room that is left.
    history_min_free: Size = 64_000_000
    allow_private_networks: bool = False
    defaults: Defaults = Field(default_factory=Defaults)
    feeds: list[FeedConfig] = Field(default_factory=list)
    rules: list[RuleConfig] = Field(default_factory=list)
    aliases: dict[str, AliasVariants] = Field(default_factory=dict)  # shared by every rule
    people: dict[PersonId, PersonConfig] = Field(default_factory=dict)  # @id in every rule
    sinks: list[SinkConfig] = Field(default_factory=list)
    notify_sinks: list[SinkId] | None = None  # where feed notices go; None: every enabled sink
    hosts: dict[str, HostConfig] = Field(default_factory=dict)  # by host name, lowercase
    stories: StoriesConfig = Field(default_factory=StoriesConfig)
    # Queries in the rule language whose articles alert no rule: live blogs, sports, sponsored.
    mute: Annotated[list[MuteConfig], BeforeValidator(_mutes)] = Field(default_factory=list)
    websub: WebSubConfig | None = None  # WebSub push for rss feeds that name a hub; off when unset
    # The web app's address as readers reach it (behind a reverse proxy: its public URL), for
    # the feedback links in messages; unset: no links (feedback on the status page still works).
    public_url: HttpUrl | None = None
    feedback_ttl: Duration = Field(default=30 * 86400.0, ge=3600)  # how long a feedback link works
    # What feedback links are signed with (${ENV}); unset: one made once and kept in Redis.
    feedback_secret: str | None = Field(default=None, min_length=16, max_length=500)
    # Searches, rule previews and rules tests a caller (an API token, or a browser's address) may
    # ask for a minute: each reads the archive or runs every rule.
    web_rate_limit: int = Field(default=30, ge=1, le=100_000)
    # The API's bearer tokens (workers.web.api). None given: the API answers on a loopback
    # metrics_listen only, as the status page does, with full access.
    api_tokens: list[ApiToken] = Field(default_factory=list)
    # /metrics, /healthz and /readyz (see workers.web); empty: off. Anything but loopback
    # needs metrics_token, sent as "Authorization: Bearer <token>".
    metrics_listen: Annotated[str | None, BeforeValidator(empty_to_none)] = "127.0.0.1:9108"
    metrics_token: Annotated[str | None, BeforeValidator(empty_to_none)] = None
    config_path: Path | None = None  # where it was loaded from (set by the loader)

    @field_validator("history_url")
    @classmethod
    def _history_backend(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(HISTORY_SCHEMES):
            raise ValueError(
                "not a history store URL: use sqlite:///path/to/history.sqlite3 or "
                "postgresql+psycopg://user:password@host/database"
            )
        return value

    @field_validator("metrics_listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _, sep, port = value.rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"not host:port: {value!r} (e.g. 127.0.0.1:9108, or empty for off)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _sentinel_url(cls, value: str | None) -> str | None:
        if value is not None and value.startswith(f"{SENTINEL_SCHEME}:"):
            RedisSentinelConfig.from_url(value)  # its error names what is wrong
        return value

    @model_validator(mode="after")
    def _one_redis(self) -> Config:
        if self.redis_url is not None and self.redis_sentinel is not None:
            raise ValueError("redis_url and redis_sentinel both name a Redis: keep one")
        return self

    @model_validator(mode="after")
    def _websub_needs_the_listener(self) -> Config:
        if self.websub is not None and not self.metrics_listen:
            raise ValueError(
                "websub: needs the web listener, which serves its callback: set metrics_listen"
                " (e.g. 127.0.0.1:9108, behind a reverse proxy)"
            )
        return self

    @model_validator(mode="after")
    def _token_off_loopback(self) -> Config:
        if self.metrics_listen and not self.metrics_token and not loopback_listen(self.metrics_listen):
            raise ValueError(
                f"metrics_listen {self.metrics_listen} is reachable from other machines: set "
                "metrics_token (or listen on 127.0.0.1)"
            )
        return self

    @functools.cached_property
    def rule_digests(self) -> dict[str, DigestConfig]:
        """The rules that have a digest of their own. Asked of every alert, so made once, when
        first asked: a Config is frozen, and the loader's model_copy that sets its rules comes
        before (a model_copy carries what was cached along)."""
        return {r.id: r.digest for r in self.rules if r.digest is not None}

    @functools.cached_property
    def urgent_rules(self) -> frozenset[str]:
        """The rules whose alerts go through quiet hours (`urgent: true`); made once, as
        rule_digests."""
        return frozenset(r.id for r in self.rules if r.urgent)

    @functools.cached_property
    def spike_rules(self) -> dict[str, SpikeConfig]:
        """The rules watched for spikes, with their settings; made once, as rule_digests."""
        out = {}
        for rule in self.rules:
            own = rule.spike
            if isinstance(own, SpikeConfig):
                out[rule.id] = own
            elif own is True or (own is None and self.defaults.spike is not None):
                out[rule.id] = self.defaults.spike or SpikeConfig()
        return out

    def sink(self, sink_id: str) -> AnySinkConfig:
        for s in self.sinks:
            if s.id == sink_id:
                return s
        raise KeyError(sink_id)

    def retry_schedule_for(self, sink_id: str) -> list[float]:
        """The waits between the tries of a delivery to this sink."""
        own = self.sink(sink_id).retry_schedule
        return list(own if own is not None else self.defaults.retry_schedule)

    def digest_for(self, rule_id: str, sink_id: str) -> tuple[DigestConfig, str] | None:
        """How the rule's alerts to this sink are grouped, and the group's key; None: each alone."""
        rule_digest = self.rule_digests.get(rule_id)
        if rule_digest is not None:
            return rule_digest, f"{sink_id}/{rule_id}"
        own = self.sink(sink_id).digest
        if own is None:
            return None
        return own, f"{sink_id}/{rule_id}" if own.group_by == "rule" else f"{sink_id}/*"

    def notice_sinks(self) -> tuple[str, ...]:
        """The enabled sinks feed notices go to (`notify_sinks`, else every enabled sink)."""
        enabled = [s.id for s in self.sinks if s.enabled]
        return tuple(enabled if self.notify_sinks is None else [i for i in self.notify_sinks if i in enabled])

    def sinks_for(self, rule: RuleConfig) -> tuple[str, ...]:
        """The enabled sinks a rule's alerts go to (every enabled sink when the rule names none)."""
        enabled = {s.id for s in self.sinks if s.enabled}
        wanted = [s.id for s in self.sinks] if rule.sinks is None else rule.sinks
        return tuple(i for i in wanted if i in enabled)

    def feed(self, feed_id: str) -> FeedConfig:
        for f in self.feeds:
            if f.id == feed_id:
                return f
        raise KeyError(feed_id)

    def host_delay(self, host: str) -> float:
        """Seconds between two feed polls of this host."""
        own = self.hosts.get(host.lower())
        return own.delay if own is not None and own.delay is not None else self.defaults.host_delay

    def host_requests(self, host: str) -> int:
        """Requests at once to this host, per worker."""
        own = self.hosts.get(host.lower())
        return (
            own.max_requests if own is not None and own.max_requests else self.defaults.max_requests_per_host
        )

    def interval_for(self, feed: FeedConfig) -> float:
        return feed.interval if feed.interval is not None else self.defaults.poll_interval

    def max_entry_age_for(self, feed: FeedConfig) -> float:
        return feed.max_entry_age if feed.max_entry_age is not None else self.defaults.max_entry_age
