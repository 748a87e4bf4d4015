"""wirewatch's configuration: config/wirewatch.yaml and its rules file, loaded into validated
models, or refused with every problem at its file:line:column.

    loaded = load("config/wirewatch.yaml")         # Loaded: the config, its parsed queries, warnings
    config = load_config("config/wirewatch.yaml")  # the config alone
    # either raises ConfigError(issues), every problem listed

Its modules, each importing only those above it:

    schema      the pydantic models (Config, FeedConfig, RuleConfig, ...; each sink kind's own is
                in its module of pipeline.sinks, the value types in pipeline.values)
    validation  pydantic's errors located in the YAML, and the checks across the whole config
    warnings    what is valid but almost surely not meant (lowercase operators, private hosts)
    templates   the sinks' and rules' own message templates: checked, and put together to send
    loading     reading the files (${VAR}, a rules file, a feeds file or OPML) through all that
"""

from .loading import Loaded, feeds_file, load, load_config, load_rules, named_files
from .schema import (
    ApiToken,
    Config,
    Defaults,
    FeedConfig,
    HostConfig,
    PersonConfig,
    RedisSentinelConfig,
    RuleConfig,
    RulesFile,
    StoriesConfig,
    WebSubConfig,
    person_variants,
)
from .templates import sink_templates
from .validation import format_issues

__all__ = [
    "ApiToken",
    "Config",
    "Defaults",
    "FeedConfig",
    "HostConfig",
    "Loaded",
    "PersonConfig",
    "RedisSentinelConfig",
    "RuleConfig",
    "RulesFile",
    "StoriesConfig",
    "WebSubConfig",
    "feeds_file",
    "format_issues",
    "load",
    "load_config",
    "load_rules",
    "named_files",
    "person_variants",
    "sink_templates",
]
