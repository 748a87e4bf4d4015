"""pipeline.config: the shipped config loads; every bad config reports every issue at its exact line.

Each bad case is a small YAML file under tests/fixtures/config/ and, in CASES, the issues it must
produce, in order, as (line, key, message substring).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.config import Loaded, RuleConfig, format_issues, load, load_config
from pipeline.config.checked import CHECKED_DIR, CheckedRules
from pipeline.errors import ConfigError, ConfigIssue
from pipeline.sinks.email import EmailSinkConfig
from pipeline.sinks.webhook import WebhookSinkConfig
from pipeline.values import check_http_url, plain_http_host

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config" / "wirewatch.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "config"
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef01234567").decode()

Expected = list[tuple[int, str, str]]

CASES: list[tuple[str, dict[str, str], Expected]] = [
    (
        "unknown_keys.yaml",
        {},
        [
            (2, "colour", "unknown key 'colour'"),
            (6, "feeds[1].intervall", "unknown key 'intervall'"),
            (12, "sinks[0].retries", "unknown key 'retries'"),
        ],
    ),
    (
        "bad_url.yaml",
        {},
        [
            (3, "feeds[1].url", "not an http(s) URL: 'ftp://example.org/b.xml'"),
            (4, "feeds[2].url", "URL has no host"),
        ],
    ),
    ("bad_duration.yaml", {}, [(4, "feeds[1].interval", "not a duration: '5 minutes'")]),
    ("bad_size.yaml", {}, [(3, "defaults.max_feed_bytes", "not a size: '10 megabytes'")]),
    (
        "unknown_sink.yaml",
        {},
        [
            (9, "rules[0].sinks[1]", "rule peskov: unknown sink 'pager' (sinks: hooks)"),
            (14, "rules[1].sinks[1]", "rule icc: unknown sink 'newsdesk'"),
            (15, "notify_sinks[1]", "unknown sink 'pager' (sinks: hooks)"),
        ],
    ),
    ("duplicate_rule_ids.yaml", {}, [(6, "rules[2].id", "duplicate rule id 'peskov' (also rules[0])")]),
    (
        "bad_rule_id.yaml",
        {},
        [
            (2, "rules[0].id", "should match pattern '^[a-z0-9][a-z0-9-]*$' (got 'Kremlin_Spokesman')"),
            (4, "rules[1].id", "missing required key 'id'"),
            (6, "rules[2].id", "put the value in quotes"),  # `id: on` is YAML's True
        ],
    ),
    ("query_syntax.yaml", {}, [(8, "rules[1].query", "rule broken: ")]),
    (
        "bad_people.yaml",
        {},
        [
            (5, "people.nobody", "a person needs names, roles or both"),
            (6, "people.wildcard", "person @wildcard: 'Pe*skov': a wildcard '*' is only allowed at the end"),
            (8, "people.Bad_Id", "should match pattern"),
            (12, "rules[0].query", "rule typo: unknown person '@pesko'; did you mean @peskov?"),
            (14, "rules[1].query", "rule empty: @nobody has no name or role that can be matched"),
            (16, "rules[2].query", "rule bare: '@' must be followed by the id of one of the people"),
        ],
    ),
    (
        "bad_person_context.yaml",
        {},
        [
            (3, "aliases.Peskov", "an alias written as a mapping takes names: and variants:, not spellings"),
            (8, "people.peskov.context", "person @peskov: context: unbalanced parentheses"),
            (10, "people.roles-only", "context: and namesakes: say where the names count: give names too"),
            (14, "people.named.namesakes", "a person's context and namesakes cannot name people"),
            (17, "rules[0].query", "rule fine: @peskov's context: does not parse"),
        ],
    ),
    (
        "missing_var.yaml",
        {},
        [
            (1, "redis_url", "environment variable REDIS_URL is not set"),
            (3, "feeds[0].url", "environment variable FEED_HOST is not set"),  # and no "no host" echo
        ],
    ),
    (
        "bad_webhook_secret.yaml",
        {},
        [
            (10, "sinks[1].secret", "webhook secret is too short"),
            (11, "sinks[2].secret", "webhook secret must look like whsec_<base64>"),  # the sink's line
        ],
    ),
    (
        "yaml_syntax.yaml",
        {},
        [(5, "", "invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence at line 4")],
    ),
    ("yaml_indent.yaml", {}, [(4, "", "is it indented more than the key before it?")]),
    (
        "duplicate_keys.yaml",
        {},
        [
            (5, "feeds[0].name", "duplicate key 'name' (first on line 4)"),
            (6, "data_dir", "duplicate key 'data_dir' (first on line 1)"),
        ],
    ),
    (
        "duplicates.yaml",
        {},
        [
            (4, "feeds[2].url", "duplicate feed URL 'https://example.org/a.xml' (also feeds[0])"),
            (10, "sinks[1].id", "duplicate sink id 'hooks' (also sinks[0])"),
        ],
    ),
    (
        "bad_sink_type.yaml",
        {},
        [
            (3, "sinks[0].type", "unknown type 'pagerduty' (expected 'email', 'webhook', 'apprise')"),
            (4, "sinks[1].type", "missing required key 'type'"),
        ],
    ),
    ("top_level_list.yaml", {}, [(1, "", "the top level must be a mapping")]),
    ("missing_rules_file.yaml", {}, [(2, "rules", "cannot read rules file")]),
    (
        "many_errors.yaml",
        {},
        [
            (3, "poll_interval", "unknown key 'poll_interval'"),
            (5, "defaults.fetch_timeout", "not a duration: 'soon'"),
            (8, "feeds[1].url", "not an http(s) URL"),
            (9, "feeds[1].interval", "not a duration: '5 minutes'"),
            (13, "sinks[0].host", "environment variable SMTP_HOST is not set"),
            (14, "sinks[0].port", "valid integer"),
            (16, "sinks[0].to", "at least 1 item"),
            (20, "rules[0].sinks[1]", "rule peskov: unknown sink 'hooks' (sinks: desk)"),
            (21, "rules[1].id", "should match pattern"),
            (23, "rules[2].id", "duplicate rule id 'peskov'"),
            (24, "rules[2].query", "rule peskov: "),
        ],
    ),
    (
        "with_rules_file/bad.yaml",
        {},
        [
            (2, "aliases.Peskov", "valid list"),
            (6, "rules[0].sinks[1]", "rule peskov: unknown sink 'pager'"),
            (8, "rules[1].query", "rule icc: "),
            (11, "rules[2].extra", "unknown key 'extra'"),
        ],
    ),
    ("with_rules_file/not_a_list.yaml", {}, [(2, "rules", "valid list")]),
]


def issues_of(path: Path, env: dict[str, str] | None = None) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as info:
        load_config(path, env={} if env is None else env)
    return info.value.issues


@pytest.mark.parametrize(("name", "env", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_config_reports_every_issue_at_its_line(
    name: str, env: dict[str, str], expected: Expected
) -> None:
    issues = issues_of(FIXTURES / name, env)
    assert [(i.line, i.key) for i in issues] == [(line, key) for line, key, _ in expected], format_issues(
        ConfigError(issues)
    )
    for issue, (_, _, text) in zip(issues, expected, strict=True):
        assert text in issue.message
        assert issue.column is not None and issue.column >= 1


def test_shipped_config_loads_with_an_empty_environment() -> None:
    config = load_config(SHIPPED, env={})
    assert config.config_path == SHIPPED
    assert config.data_dir == ROOT / "var"
    assert config.redis_url is None
    assert [r.id for r in config.rules] == ["kremlin-spokesman", "icc", "navalny"]
    assert "Peskov" in config.aliases and "Navalny" in config.aliases
    assert [(s.id, s.type, s.enabled) for s in config.sinks] == [
        ("newsdesk", "email", False),
        ("hooks", "webhook", False),
    ]
    assert all(config.sinks_for(rule) == () for rule in config.rules)
    email = config.sink("newsdesk")
    assert isinstance(email, EmailSinkConfig)
    assert (email.host, email.port, email.username, email.password) == ("localhost", 587, None, None)


def test_shipped_config_takes_its_sinks_from_the_environment() -> None:
    env = {
        "WIREWATCH_WEBHOOK_ENABLED": "true",
        "WEBHOOK_SECRET": SECRET,
        "WIREWATCH_EMAIL_ENABLED": "yes",
        "SMTP_PORT": "2525",
        "SMTP_USER": "desk",
    }
    config = load_config(SHIPPED, env=env)
    email, hook = config.sink("newsdesk"), config.sink("hooks")
    assert isinstance(email, EmailSinkConfig) and isinstance(hook, WebhookSinkConfig)
    assert (email.enabled, email.port, email.username) == (True, 2525, "desk")
    assert (hook.enabled, hook.secret) == (True, SECRET)
    assert config.sinks_for(config.rules[0]) == ("newsdesk", "hooks")


def test_an_enabled_webhook_without_a_secret_is_an_error_at_the_secret_line() -> None:
    secret_line = next(
        n for n, text in enumerate(SHIPPED.read_text().splitlines(), 1) if text.strip().startswith("secret:")
    )
    issues = issues_of(SHIPPED, {"WIREWATCH_WEBHOOK_ENABLED": "true"})
    assert [(i.file, i.line, i.key) for i in issues] == [(str(SHIPPED), secret_line, "sinks[1].secret")]
    assert "whsec_" in issues[0].message


def test_interpolation_defaults_escapes_and_types() -> None:
    env = {"FEED_HOST": "news.example.org", "SMTP_PORT": "", "EMAIL_ENABLED": "true", "REDIS_PORT": "6380"}
    config = load_config(FIXTURES / "interpolation.yaml", env=env)
    assert config.redis_url == "redis://localhost:6380/0"
    feed = config.feeds[0]
    assert (feed.url, feed.name, feed.interval) == (
        "https://news.example.org/rss.xml",
        "Costs ${PRICE} and EUR",
        120,
    )
    email = config.sinks[0]
    assert isinstance(email, EmailSinkConfig)
    assert (email.enabled, email.port, email.username) == (True, 2525, None)  # empty SMTP_PORT: default


@pytest.mark.parametrize(
    ("template", "env", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("${A}", {"A": ""}, ""),  # set, even if empty
        ("${A:-d}", {}, "d"),
        ("${A:-d}", {"A": ""}, "d"),  # like the shell: empty takes the default
        ("${A:-d}", {"A": "x"}, "x"),
        ("${A:-}", {}, ""),
        ("${A:-a b: c}", {}, "a b: c"),
        ("<${A}|${B:-b}|${A}>", {"A": "a"}, "<a|b|a>"),
        ("$${A}", {"A": "x"}, "${A}"),
        ("$${A:-x} and ${A}", {"A": "y"}, "${A:-x} and y"),
        ("$$ and $5 and $A", {"A": "x"}, "$$ and $5 and $A"),
    ],
)
def test_interpolation(tmp_path: Path, template: str, env: dict[str, str], expected: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f"feeds:\n  - url: https://example.org/rss\n    name: '{template}'\n")
    assert load_config(path, env=env).feeds[0].name == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("${A}", "environment variable A is not set"),
        ("x ${A:-1} ${B}", "environment variable B is not set"),
        ("${A", "bad ${...}"),
        ("${1A}", "bad ${...}"),
        ("${A-default}", "bad ${...}"),
    ],
)
def test_bad_interpolation(tmp_path: Path, template: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f"data_dir: var\nfeeds:\n  - url: https://example.org/rss\n    name: '{template}'\n")
    [issue] = issues_of(path)
    assert (issue.line, issue.column, issue.key) == (4, 11, "feeds[0].name")
    assert message in issue.message


def test_env_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    assert load_config(SHIPPED).redis_url == "redis://cache.internal:6379/2"


def test_rules_file_issues_name_the_rules_file() -> None:
    issues = issues_of(FIXTURES / "with_rules_file" / "bad.yaml")
    assert {i.file for i in issues} == {str(FIXTURES / "with_rules_file" / "rules" / "bad.yaml")}


def test_missing_rules_file_is_reported_where_the_config_names_it() -> None:
    [issue] = issues_of(FIXTURES / "missing_rules_file.yaml")
    assert (issue.file, issue.line, issue.column) == (str(FIXTURES / "missing_rules_file.yaml"), 2, 8)
    assert f"{FIXTURES / 'nowhere' / 'rules.yaml'}: No such file" in issue.message


def test_missing_config_file() -> None:
    [issue] = issues_of(FIXTURES / "nope.yaml")
    assert (issue.line, issue.key) == (None, "")
    assert "cannot read: No such file" in issue.message


def test_yaml_syntax_error_has_line_column_and_a_snippet() -> None:
    [issue] = issues_of(FIXTURES / "yaml_syntax.yaml")
    assert (issue.line, issue.column) == (5, 8)
    assert issue.context.splitlines() == ["      - url: https://example.org/b.xml", "           ^"]


def test_query_syntax_error_has_the_rule_column_and_a_caret() -> None:
    [issue] = issues_of(FIXTURES / "query_syntax.yaml")
    assert (issue.line, issue.column, issue.key) == (8, 12, "rules[1].query")
    found = re.fullmatch(r"rule broken: .+ \(column (\d+) of the query\)", issue.message)
    assert found, issue.message
    column = int(found.group(1))
    query_line, caret_line = issue.context.splitlines()
    assert query_line == "    (Peskov OR Kremlin AND said"
    assert caret_line.rstrip() == " " * (4 + column - 1) + "^"


@pytest.mark.parametrize(
    ("query_yaml", "where"),
    [
        ('query: "a AND (b"', (3, 19)),  # quoted: the "(" itself
        ("query: a AND (b", (3, 18)),  # plain
        ("query: >-\n      (Peskov OR Kremlin)\n      NEAR/0 said", (5, 7)),  # folded block
        ("query: |\n      Peskov\n        OR x)", (5, 13)),  # literal block, more indented line
    ],
)
def test_query_errors_point_at_the_line_and_column_in_the_file(
    tmp_path: Path, query_yaml: str, where: tuple[int, int]
) -> None:
    rules = "rules:\n  - id: r\n    " + query_yaml.replace("\n      ", "\n      ") + "\n"
    (tmp_path / "rules.yaml").write_text(rules, encoding="utf-8")
    (tmp_path / "wirewatch.yaml").write_text("rules: rules.yaml\n", encoding="utf-8")
    [issue] = issues_of(tmp_path / "wirewatch.yaml")
    assert (issue.line, issue.column) == where, (rules, str(issue))


def test_alias_problems_are_reported_at_their_keys(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(
        'aliases:\n  A: [B]\n  B: [A]\nrules:\n  - id: r\n    query: x\n    aliases:\n      X: ["bad*x"]\n',
        encoding="utf-8",
    )
    (tmp_path / "wirewatch.yaml").write_text("rules: rules.yaml\n", encoding="utf-8")
    issues = issues_of(tmp_path / "wirewatch.yaml")
    assert [(i.line, i.column, i.key) for i in issues] == [(2, 3, "aliases.A"), (8, 7, "rules[0].aliases.X")]
    assert "alias cycle: A -> B -> A" in issues[0].message
    assert "rule r" in issues[1].message and "wildcard" in issues[1].message


def test_several_errors_are_all_reported_at_once_in_file_order() -> None:
    issues = issues_of(FIXTURES / "many_errors.yaml")
    assert len(issues) == 11
    lines = [i.line or 0 for i in issues]
    assert lines == sorted(lines)
    assert {i.file for i in issues} == {str(FIXTURES / "many_errors.yaml")}


def test_paths_resolve_relative_to_the_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may depend on the working directory
    where = FIXTURES / "with_rules_file"
    config = load_config(where / "wirewatch.yaml", env={})
    assert config.config_path == where / "wirewatch.yaml"
    assert config.data_dir == where / "var"  # data/../var, normalised
    assert [(r.id, r.sinks) for r in config.rules] == [("peskov", ["hooks"]), ("navalny", None)]
    assert config.aliases == {"Peskov": ["Peskow"], "Navalny": ["Navalnyi"]}  # config's, then the file's
    assert config.rules[1].aliases == {"Navalnaya": ["Navalnaia"]}


def test_a_relative_config_path_resolves_from_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    config = load_config("with_rules_file/wirewatch.yaml", env={})
    assert config.config_path == FIXTURES / "with_rules_file" / "wirewatch.yaml"
    assert config.data_dir == FIXTURES / "with_rules_file" / "var"
    assert len(config.rules) == 2
    [issue] = issues_of(Path("missing_rules_file.yaml"))
    assert issue.file == "missing_rules_file.yaml"


def test_absolute_data_dir_and_inline_rules(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "data_dir: /srv/wirewatch\naliases: {Peskov: [Peskow]}\nrules:\n  - id: peskov\n    query: Peskov\n"
    )
    config = load_config(path, env={})
    assert config.data_dir == Path("/srv/wirewatch")
    assert [r.id for r in config.rules] == ["peskov"]
    assert config.aliases == {"Peskov": ["Peskow"]}


def test_yaml_anchors_and_merge_keys(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "hook: &hook {type: webhook, enabled: false, url: 'https://hooks.example.org/x'}\n"
        "sinks:\n"
        "  - {<<: *hook, id: one}\n"
        "  - <<: *hook\n"
        "    id: two\n"
        "    timeout: 5s\n"
    )
    [issue] = issues_of(path)  # the anchor's own key is not part of the schema
    assert (issue.line, issue.key) == (1, "hook")
    path.write_text(
        "sinks:\n"
        "  - &hook {id: one, type: webhook, enabled: false, url: 'https://hooks.example.org/x'}\n"
        "  - <<: *hook\n"
        "    id: two\n"
        "    timeout: 5s\n"
    )
    config = load_config(path, env={})
    assert [(s.id, s.timeout) for s in config.sinks] == [("one", 15.0), ("two", 5.0)]


def test_config_path_cannot_be_set_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("data_dir: var\nconfig_path: /etc/elsewhere.yaml\n")
    [issue] = issues_of(path)
    assert (issue.line, issue.column, issue.key) == (2, 1, "config_path")


def test_format_issues() -> None:
    error = ConfigError(
        [
            ConfigIssue("c.yaml", 3, 5, "feeds[0].url", "not an http(s) URL"),
            ConfigIssue("r.yaml", 8, 12, "rules[1].query", "rule x: bad (column 2)", "    a(\n     ^"),
        ]
    )
    assert format_issues(error).splitlines() == [
        "c.yaml:3:5: feeds[0].url: not an http(s) URL",
        "r.yaml:8:12: rules[1].query: rule x: bad (column 2)",
        "    a(",
        "     ^",
        "2 errors in config",
    ]
    assert format_issues(ConfigError(error.issues[:1])).endswith("\n1 error in config")


@pytest.mark.parametrize(
    ("text", "line", "key", "message"),
    [
        ("", 1, "", "the file is empty"),
        ("# only a comment\n", 1, "", "the file is empty"),
        ("data_dir: var\nfeeds: &f\n  - *f\n", 2, "feeds[0]", "recursive YAML alias"),  # the anchor's line
        ("data_dir: var\n? [a, b]\n: c\n", 2, "", "a key must be a plain name"),
        ("data_dir: !custom var\n", 1, "data_dir", "invalid YAML value"),
        ("data_dir: var\nrules: 5\n", 2, "rules", "the path of a rules file or a list of rules"),
        ("data_dir: var\nrules: ' '\n", 2, "rules", "the rules file path is empty"),
        ("defaults:\n  <<: 5\n", 2, "defaults", "a merge (<<) needs a mapping"),
    ],
)
def test_odd_yaml(tmp_path: Path, text: str, line: int, key: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    [issue] = issues_of(path)
    assert (issue.line, issue.key) == (line, key)
    assert message in issue.message


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"data_dir: \xff\n")
    [issue] = issues_of(path)
    assert issue.line is None and "cannot read" in issue.message


def _loaded(tmp_path: Path, text: str) -> Loaded:
    path = tmp_path / "wirewatch.yaml"
    path.write_text(text, "utf-8")
    return load(path, env={})


def test_lowercase_operators_are_warnings_at_their_column(tmp_path: Path) -> None:
    cfg = _loaded(
        tmp_path,
        'rules:\n  - id: r\n    query: Peskov and Kremlin OR "a and b" title:or near/3 said NOT x\n',
    )
    found = [(w.line, w.column, w.message) for w in cfg.warnings]
    assert [(line, col) for line, col, _ in found] == [(3, 19), (3, 53)]
    assert "'and' is matched as a word here; did you mean AND? (operators are uppercase)" in found[0][2]
    assert "did you mean NEAR/3?" in found[1][2]


def test_private_feed_and_webhook_addresses_are_warnings_unless_allowed(tmp_path: Path) -> None:
    text = (
        "feeds:\n  - url: http://127.0.0.1:8080/a.xml\n  - url: https://example.org/b.xml\n"
        "  - url: http://[::1]/c.xml\n  - url: http://news.localhost/d.xml\n"
        "sinks:\n  - {id: h, type: webhook, url: 'http://10.1.2.3/h', secret: whsec_" + "A" * 32 + "}\n"
    )
    cfg = _loaded(tmp_path, text)
    assert [w.key for w in cfg.warnings] == ["feeds[0].url", "feeds[2].url", "feeds[3].url", "sinks[0].url"]
    assert all("allow_private_networks is false" in w.message for w in cfg.warnings)
    assert _loaded(tmp_path, "allow_private_networks: true\n" + text).warnings == []


def test_private_apprise_service_hosts_are_warnings_unless_allowed(tmp_path: Path) -> None:
    slack = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
    text = (
        "sinks:\n  - id: chat\n    type: apprise\n    urls:\n"
        f"      - json://user:s3cret@127.0.0.1:8080/hook\n      - {slack}\n      - ntfy://10.0.0.1/desk\n"
        "      - ntfys://ntfy.example.org/desk\n"
    )
    cfg = _loaded(tmp_path, text)
    assert [(w.key, w.line) for w in cfg.warnings] == [("sinks[0].urls[0]", 5), ("sinks[0].urls[2]", 7)]
    assert "json:// URL's host 127.0.0.1 is a loopback or private address" in cfg.warnings[0].message
    assert all("s3cret" not in w.message for w in cfg.warnings)
    assert _loaded(tmp_path, "allow_private_networks: true\n" + text).warnings == []


@pytest.mark.parametrize(
    ("text", "key", "suggestion"),
    [
        ("defaults:\n  poll_intervall: 5m\n", "defaults.poll_intervall", "did you mean 'poll_interval'?"),
        (
            "feeds:\n  - url: https://e.org/a\n    intervl: 2m\n",
            "feeds[0].intervl",
            "did you mean 'interval'?",
        ),
        ("allow_private_network: true\n", "allow_private_network", "did you mean 'allow_private_networks'?"),
        ("rules:\n  - {id: r, query: x, titel: y}\n", "rules[0].titel", "did you mean 'title'?"),
    ],
)
def test_unknown_keys_suggest_the_key_meant(tmp_path: Path, text: str, key: str, suggestion: str) -> None:
    with pytest.raises(ConfigError) as err:
        _loaded(tmp_path, text)
    [issue] = err.value.issues
    assert issue.key == key and issue.message.endswith(suggestion)


def test_an_unknown_key_far_from_any_gets_no_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        _loaded(tmp_path, "zebra: 1\n")
    assert err.value.issues[0].message == "unknown key 'zebra'"


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("feeds:\n  - url: https://a.example/x\n   name: bad\n", (3, 4), "indented differently"),
        (
            "defaults:\n  poll_interval: 5m\n   min_interval: 2m\n",
            (3, 16),
            "indented more than the key before",
        ),
        ("feeds:\n\t- url: https://a.example/x\n", (2, 1), "a tab: YAML indents with spaces only"),
        ("defaults:\npoll_interval: 5m\n", (1, 10), "must be a mapping of keys: are they indented under it?"),
    ],
)
def test_indentation_mistakes_are_said_in_our_words(
    tmp_path: Path, text: str, where: tuple[int, int], words: str
) -> None:
    with pytest.raises(ConfigError) as err:
        _loaded(tmp_path, text)
    first = err.value.issues[0]
    assert (first.line, first.column) == where and words in first.message
    assert "<block" not in str(err.value) and "instance of" not in str(err.value)


def test_a_key_left_out_of_its_block_is_said_to_belong_under_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        _loaded(tmp_path, "defaults:\npoll_interval: 5m\n")
    assert (
        err.value.issues[1].message
        == "unknown key 'poll_interval'; is it meant to be under 'defaults'? (indent it)"
    )


def _with_rules(tmp_path: Path, query: str) -> Path:
    """A config whose rules file has one rule with this query, and a data_dir that exists."""
    (tmp_path / "var").mkdir(exist_ok=True)
    (tmp_path / "rules.yaml").write_text(
        f"aliases:\n  Kremlin: [Kreml]\nrules:\n  - id: r\n    query: '{query}'\n", "utf-8"
    )
    path = tmp_path / "wirewatch.yaml"
    path.write_text("data_dir: var\nrules: rules.yaml\n", "utf-8")
    return path


def test_parse_rules_false_parses_no_query_a_full_load_checked(tmp_path: Path) -> None:
    path = _with_rules(tmp_path, "Peskov AND Kremlin")
    first = load(path, env={}, parse_rules=False, mark_checked=True)  # nothing checked them yet: parsed
    assert set(first.queries) == {"r"}
    again = load(path, env={}, parse_rules=False)  # the first load left its mark
    assert again.queries == {} and again.config.rules == first.config.rules
    assert set(load(path, env={}).queries) == {"r"}  # a full load parses them whatever marks say


def test_parse_rules_false_checks_rules_no_load_checked(tmp_path: Path) -> None:
    path = _with_rules(tmp_path, "Peskov AND Kremlin")
    load(path, env={}, mark_checked=True)
    (tmp_path / "rules.yaml").write_text("rules:\n  - id: r\n    query: 'Peskov AND (Kremlin'\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path, env={}, parse_rules=False)
    [issue] = caught.value.issues
    assert (issue.line, issue.key) == (3, "rules[0].query") and "column" in issue.message
    # a changed alias is other rules too: checked again, and its problem found
    (tmp_path / "rules.yaml").write_text(
        "aliases:\n  Kremlin: ['bad*x']\nrules:\n  - id: r\n    query: 'Peskov AND Kremlin'\n", "utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load(path, env={}, parse_rules=False)
    assert [i.key for i in caught.value.issues] == ["aliases.Kremlin"]


def test_a_mark_never_weakens_a_full_load(tmp_path: Path) -> None:
    """Even a mark made for rules that do not parse (by hand: no load makes one) leaves `load`'s
    default, which `wirewatch check` and `reload` use, to find their error."""
    path = _with_rules(tmp_path, "Peskov AND (Kremlin")
    with pytest.raises(ConfigError):
        load(path, env={}, parse_rules=False)
    assert not (tmp_path / "var" / CHECKED_DIR).exists()  # a load that fails leaves no mark
    rules = [(0, RuleConfig(id="r", query="Peskov AND (Kremlin"))]
    CheckedRules.of((tmp_path / "var").absolute(), rules, {"Kremlin": ["Kreml"]}, {}).mark()
    assert load(path, env={}, parse_rules=False).queries == {}  # the mark is taken at its word...
    with pytest.raises(ConfigError):
        load(path, env={})  # ...by no full load


def test_a_mark_that_does_not_hold_its_digest_is_no_mark(tmp_path: Path) -> None:
    path = _with_rules(tmp_path, "Peskov")
    load(path, env={}, mark_checked=True)
    [mark] = (tmp_path / "var" / CHECKED_DIR).iterdir()
    mark.write_text("", "ascii")  # a write cut short
    assert set(load(path, env={}, parse_rules=False, mark_checked=True).queries) == {"r"}
    assert mark.read_text("ascii") == mark.name  # made whole again by that load


def test_a_load_not_asked_to_mark_writes_nothing_under_data_dir(tmp_path: Path) -> None:
    """`status`, `check`, `feeds`...: a command that only reads leaves data_dir as it was."""
    path = _with_rules(tmp_path, "Peskov")
    load(path, env={})
    load(path, env={}, parse_rules=False)
    assert not (tmp_path / "var" / CHECKED_DIR).exists()


def test_a_config_checked_elsewhere_leaves_no_mark(tmp_path: Path) -> None:
    path = _with_rules(tmp_path, "Peskov")
    (tmp_path / "var").rmdir()
    load(path, env={}, mark_checked=True)
    assert not (tmp_path / "var").exists()


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.sampled_from([*"hpst:/?#@[]%.-_~aZ09 \t\n", "http://", "https://", ":80", ":99999"])).map(
        "".join
    )
)
@example("http://example.org:65536/a")
@example("http://Example.ORG:8080/a?b#c")
def test_plainly_written_urls_are_read_as_urlsplit_reads_them(url: str) -> None:
    host = plain_http_host(url)
    if host is None:
        return
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.hostname == host
    assert parts.port is None or 0 <= parts.port <= 65535
    assert check_http_url(url) == url
