"""Every kind of sink, once: the table from a sink's `type:` to its kind (pipeline.sinks.kind).

Making a sink (pipeline.sinks.make_sink), the config's `sinks:` (any kind's model, told apart by
`type:`), `wirewatch sinks` and the config's warnings all look a kind up here. A new kind of
sink is a new module of this package (its config model, its sink, its KIND) and its line below.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import Field

from . import apprise, email, webhook
from .kind import SinkBase, SinkKind

KINDS: Mapping[str, SinkKind[Any]] = {
    kind.type: kind
    for kind in (
        email.KIND,
        webhook.KIND,
        apprise.KIND,
    )
}

if TYPE_CHECKING:
    # The type checker sees what every kind has; `type:` tells the kind (see kind_of).
    AnySinkConfig: TypeAlias = SinkBase
else:
    AnySinkConfig = reduce(operator.or_, (kind.config for kind in KINDS.values()))
# A sink entry of the config: pydantic picks the model by `type:` and says which types exist.
SinkConfig = Annotated[AnySinkConfig, Field(discriminator="type")]


def kind_of(cfg: SinkBase) -> SinkKind[Any]:
    """The kind of a sink's config entry."""
    return KINDS[cfg.type]
