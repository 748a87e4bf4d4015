"""What a config may say validly but almost surely does not mean, found as it loads and shown
by `wirewatch check` and at start: a lowercase operator in a query (matched as a word), and feed,
webhook or Apprise hosts on loopback or private addresses, which the address guard refuses while
allow_private_networks is false."""

from __future__ import annotations

from ..errors import ConfigIssue
from ..fetch import is_private_host_name, names_private_host
from ..redact import display_url
from ..rules import operator_lookalikes
from ..yamlsource import Document, format_key
from .schema import AppriseSinkConfig, Config, RuleConfig, WebhookSinkConfig


def config_warnings(
    config: Config, doc: Document, rules: list[tuple[int, RuleConfig]], rules_doc: Document
) -> list[ConfigIssue]:
    """What is valid but almost surely not meant: lowercase operators in a query, and feed or
    webhook URLs on loopback or private addresses that the address guard will refuse."""
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
        urls = [(("feeds", i, "url"), f.url) for i, f in enumerate(config.feeds)]
        urls += [
            (("sinks", i, "url"), s.url)
            for i, s in enumerate(config.sinks)
            if isinstance(s, WebhookSinkConfig)
        ]
        for path, url in urls:
            if names_private_host(url):
                found.append(doc.issue(path, f"{display_url(url)} is a loopback or private address: it is "
                                             "refused while allow_private_networks is false"))  # fmt: skip
        found += _private_apprise_hosts(config, doc)
    return found


def _private_apprise_hosts(config: Config, doc: Document) -> list[ConfigIssue]:
    """A warning for each Apprise URL whose service host is, as written, non-public."""
    sinks = [(i, s) for i, s in enumerate(config.sinks) if isinstance(s, AppriseSinkConfig)]
    if not sinks:
        return []
    from ..sinks.apprise import service_host  # imports Apprise's plugins: only when used

    found = []
    for i, sink in sinks:
        for j, url in enumerate(sink.urls):
            host = service_host(url)
            if host is not None and is_private_host_name(host[0]):
                found.append(doc.issue(("sinks", i, "urls", j), f"the {url.split(':', 1)[0]}:// URL's host "
                                       f"{host[0]} is a loopback or private address: it is refused while "
                                       "allow_private_networks is false"))  # fmt: skip
    return found
