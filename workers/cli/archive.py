"""Commands over the article archive: `backfill` (what rules would have caught, and sending what
was never sent) and `search` (one query in the rule language)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click

from pipeline.alerts import alerts_for, article_document
from pipeline.config import Config, RuleConfig, load_rules, person_variants
from pipeline.models import Alert, Archived, RuleHit
from pipeline.mutes import Muted, Mutes
from pipeline.plaintext import one_line
from pipeline.rules import Matcher, QuerySyntaxError
from pipeline.rules.parallel import build_processes, parse_in_helpers
from pipeline.values import parse_duration

from .. import searching
from ..delivery import alert_recorded, deliver_backfilled
from ..history import History, history_url_for
from ..history import articles as archive
from ..searching import Found, checked
from ..services import Services, connect
from ..store.stories import also_reported_by
from .helpers import CliState, load_or_exit, or_exit, redis_url_or_exit, shared_options
from .output import hit_lines


def _since(value: str) -> float:
    try:
        return time.time() - parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc


def _color(as_json: bool) -> bool:
    return sys.stdout.isatty() and not as_json and not os.environ.get("NO_COLOR")


@contextmanager
def _progress(items: Iterator[Found], total: int) -> Iterator[Iterator[Found]]:
    """A progress bar on a terminal (on stderr, so that stdout stays the report)."""
    if not sys.stderr.isatty():
        yield items
        return
    with click.progressbar(items, length=total, label="archive", file=sys.stderr) as bar:
        yield bar


def _header(history: History, item: Archived) -> str:
    """The article, and the other outlets of its story (as archived)."""
    a = item.article
    lines = [f"{item.seen} {one_line(a.source)[:40]}: {one_line(a.title)[:100]}", f"  {a.url}"]
    others = also_reported_by(item.story, a.url, archive.story_copies(history, [item.story.id]))
    if others:
        lines.append(f"  also reported by {others}")
    return "\n".join(lines)


def _as_json(item: Archived, hit: RuleHit) -> dict[str, object]:
    """An archived article (without its text) and why a rule matched it."""
    return {
        "article": item.article.model_dump(mode="json", exclude={"text"}),
        "story": item.story.model_dump(),
        "story_url": item.story_url,
        "feed_url": item.feed_url,
        "seen": item.seen,
        "matches": [m.model_dump(mode="json") for m in hit.matches],
    }


def _rules_for(
    cfg: Config, rule_ids: tuple[str, ...], rules_file: str | None
) -> tuple[list[RuleConfig], Matcher]:
    if rules_file is not None:
        loaded = or_exit(lambda: load_rules(rules_file))
        rules, aliases = loaded.rules, {**cfg.aliases, **loaded.aliases}
        people = {**cfg.people, **loaded.people}
    else:
        rules, aliases, people = cfg.rules, cfg.aliases, cfg.people
    if rule_ids:
        known = {r.id for r in rules}
        unknown = [i for i in rule_ids if i not in known]
        if unknown:
            raise click.BadParameter(f"no rule {', '.join(map(repr, unknown))}", param_hint="--rule")
        rules = [r for r in rules if r.id in rule_ids]
    variants = person_variants(people)
    processes = build_processes(len(rules))  # many rules: parsed in helper processes too
    with parse_in_helpers(rules, aliases, people=variants, processes=processes) as parsed:
        return rules, Matcher(rules, aliases, people=variants, parsed=parsed)


@click.command()
@click.option("--since", "since_text", default="7d", show_default=True, help="how far back (e.g. 2d, 12h)")
@click.option("--rule", "rule_ids", multiple=True, help="only this rule (repeatable)")
@click.option("--rules", "rules_file", default=None, help="run this rules file instead of the config's rules")
@click.option("--send", is_flag=True, help="send the alerts that were never sent")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per alert")
@shared_options(top=False)
@click.pass_obj
def backfill(
    state: CliState,
    since_text: str,
    rule_ids: tuple[str, ...],
    rules_file: str | None,
    send: bool,
    as_json: bool,
) -> None:
    """Run rules over the archived articles: what would have alerted (a dry run), or with --send
    the alerts that were never sent, through the workers (the same alert ids: nothing already
    alerted is sent again)."""
    cfg = load_or_exit(state.config_path)
    since = _since(since_text)
    rules, matcher = _rules_for(cfg, rule_ids, rules_file)
    redis = connect(redis_url_or_exit(cfg))
    services = Services(cfg, redis)
    rule_sinks = {r.id: cfg.sinks_for(r) for r in rules}
    color = _color(as_json)
    counts = {"read": 0, "matches": 0, "alerted": 0, "new": 0, "sent": 0, "muted": 0}
    mutes = Mutes.of(cfg)
    history = services.history
    total = archive.count(history, since)
    # The index hands over the articles any of the rules could match; each is checked by the matcher.
    with _progress(checked(history, matcher, since), searching.candidates(history, matcher, since)) as read:
        for item, matched in read:
            counts["read"] += 1
            muted = (
                mutes.muted_by(article_document(item.article), item.feed_url) if mutes and matched else None
            )
            if muted is not None:  # its matches alert no rule, and say why
                counts["muted"] += len(matched)
                _report_muted(history, item, matched, muted, as_json)
                continue
            hits = {h.rule_id: h for h in matched}
            # Made as of the article's processing: what the alerts' times count (spike notices,
            # rules stats) is when stories came, not when a backfill ran.
            found = alerts_for(item.article, item.story, list(hits.values()), rule_sinks, item.seen)
            alerted = alert_recorded(services, [a.alert_id for a in found])
            for alert in found:
                counts["matches"] += 1
                done = alert.alert_id in alerted
                counts["alerted" if done else "new"] += 1
                sent = False
                if send and not done:
                    sent = _send(services, alert, item)
                    counts["sent"] += sent
                _report(history, item, alert, hits[alert.rule_id], done, sent, as_json, color)
    verb = "queued for delivery" if send else "would alert"
    click.echo(
        f"{total} archived articles since {since_text} ({counts['read']} the index found read), "
        f"{counts['matches']} rule matches: "
        f"{counts['alerted']} alerted already, {counts['new']} never alerted"
        + (f", {counts['sent']} {verb}" if send else f" ({verb})")
        + (f"; {counts['muted']} more in muted articles, which alert no rule" if counts["muted"] else ""),
        err=as_json,
    )


def _send(services: Services, alert: Alert, item: Archived) -> bool:
    """Record a backfilled alert and queue its deliveries; False when it was alerted meanwhile."""
    if not alert.sinks:
        click.echo(f"alert {alert.alert_id}: rule {alert.rule_id} has no enabled sink", err=True)
    return deliver_backfilled(services, alert, item.entry_key)


def _report(
    history: History,
    item: Archived,
    alert: Alert,
    hit: RuleHit,
    done: bool,
    sent: bool,
    as_json: bool,
    color: bool,
) -> None:
    if as_json:
        head = {"alert_id": alert.alert_id, "rule": alert.rule_id, "alerted_already": done, "sent": sent}
        click.echo(json.dumps({**head, **_as_json(item, hit)}, ensure_ascii=False))
        return
    state = "sent" if sent else ("alerted already" if done else "never alerted")
    click.echo(f"{_header(history, item)}\n  alert {alert.alert_id} ({state}, story {item.story.id})")
    for line in hit_lines(hit, color):
        click.echo(line)


def _report_muted(history: History, item: Archived, hits: list[RuleHit], muted: Muted, as_json: bool) -> None:
    rules = [h.rule_id for h in hits]
    if as_json:
        click.echo(json.dumps({"rules": rules, "muted_by": muted.to_json(), **_as_json(item, hits[0])},
                              ensure_ascii=False))  # fmt: skip
        return
    click.echo(f"{_header(history, item)}\n  {muted.reason}: rules {', '.join(rules)} match, no alert")


@click.command()
@click.argument("query")
@click.option("--since", "since_text", default="2d", show_default=True, help="how far back (e.g. 7d, 12h)")
@click.option("--limit", default=50, show_default=True, help="at most this many results")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per article")
@shared_options(top=False)
@click.pass_obj
def search(state: CliState, query: str, since_text: str, limit: int, as_json: bool) -> None:
    """Run QUERY (the rule language, with the config's aliases) over the archived articles,
    newest first."""
    cfg = load_or_exit(state.config_path)
    since = _since(since_text)
    history = History(history_url_for(cfg.history_url, cfg.data_dir))  # no Redis needed
    try:
        page = searching.search(history, cfg, query, since, limit=limit)  # the web page's search too
    except QuerySyntaxError as exc:
        click.echo(f"wirewatch: bad query: {exc}", err=True)
        sys.exit(2)
    color = _color(as_json)
    found = 0
    for item, hits in page.found:
        found += 1
        if as_json:
            click.echo(json.dumps(_as_json(item, hits[0]), ensure_ascii=False))
        else:
            click.echo(_header(history, item))
            for line in hit_lines(hits[0], color, header=False):
                click.echo(line)
    if not as_json:
        click.echo(f"{found} articles" + (f" (the newest {limit})" if found >= limit else ""))
