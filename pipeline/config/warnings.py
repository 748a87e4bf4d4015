"""What a config may say validly but almost surely does not mean, found as it loads and shown
by `wirewatch check` and at start: a lowercase operator in a query (matched as a word), feed hosts
on loopback or private addresses, which the address guard refuses while allow_private_networks is
false, and what each sink kind warns about (its own private hosts)."""

from __future__ import annotations

from ..errors import ConfigIssue
from ..fetch import PRIVATE_REFUSED, names_private_host
from ..redact import display_url
from ..rules import operator_lookalikes
from ..sinks.registry import KINDS
from ..yamlsource import Document, format_key
from .schema import Config, RuleConfig


def config_warnings(
    config: Config, doc: Document, rules: list[tuple[int, RuleConfig]], rules_doc: Document
) -> list[ConfigIssue]:
    """What is valid but almost surely not meant: lowercase operators in a query, feed URLs on
    loopback or private addresses that the address guard will refuse, and what each sink's kind
    warns about (pipeline.sinks.kind: a webhook's or an Apprise service's private address)."""
    found = []
    for i, rule in rules:
        for word, column in operator_lookalikes(rule.query):
            at = rules_doc.locate(("rules", i, "query"), column - 1)
            line, col = at if at else (None, None)
            upper = word.upper()
            found.append(ConfigIssue(
                rules_doc.file, line, col, format_key(("rules", i, "query")),
                f"rule {rule.id}: {word!r} is matched as a word here; did you mean {upper}? "
                "(operators are uppercase)",
            ))  # fmt: skip
    if not config.allow_private_networks:
        for i, feed in enumerate(config.feeds):
            if names_private_host(feed.url):
                found.append(doc.issue(("feeds", i, "url"), f"{display_url(feed.url)} {PRIVATE_REFUSED}"))
    if config.websub is not None and not config.websub.callback_url.startswith("https://"):
        plain = (
            "not https: hubs send the content (and your feeds' names) in the clear, and some refuse"
            " plain-http callbacks; put a TLS reverse proxy in front"
        )
        found.append(doc.issue(("websub", "callback_url"), plain))
    # Each sink kind's own (a webhook's URL, an Apprise URL's service host): kind by kind, in the
    # registry's order, each kind's sinks in the config's.
    for kind in KINDS.values():
        for i, sink in enumerate(config.sinks):
            if isinstance(sink, kind.config):
                for path, message in kind.warnings(sink, config.allow_private_networks):
                    found.append(doc.issue(("sinks", i, *path), message))
    return found
