"""What a kind of sink is made of, and what every sink has in common.

A kind of sink (webhook, email, apprise) is one module of this package that defines its config
model (SinkBase's keys, `type: Literal["<kind>"]` and its own), its sink (the Sink protocol) and
`KIND = SinkKind(...)`: how to make its sink, how `wirewatch sinks` says where it sends, and
what `wirewatch check` warns about. pipeline.sinks.registry lists every kind once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, get_args

from pydantic import Field

from ..fetch import Fetcher
from ..models import Alert, Digest, Notice
from ..values import DigestConfig, Duration, QuietHours, SinkId, Strict, TemplatesConfig
from ..yamlsource import KeyPath
from .templates import SinkTemplates

Deliverable = Alert | Digest | Notice


class Sink(Protocol):
    id: str

    @property
    def targets(self) -> tuple[str, ...]: ...

    def send(self, item: Deliverable, delivery_id: str, targets: Sequence[str]) -> str: ...


class SinkBase(Strict):
    """What every sink has: its id, whether it is used, when its failed deliveries are tried
    again (`retry_schedule`, else defaults.retry_schedule) and how many messages a minute it
    may send at most (`max_per_minute`: excess waits its turn, it is never dropped)."""

    id: SinkId
    enabled: bool = True  # a disabled sink is validated lightly and never delivered to
    retry_schedule: list[Duration] | None = Field(default=None, max_length=50)
    max_per_minute: int | None = Field(default=None, ge=1, le=6000)
    templates: TemplatesConfig | None = None
    digest: DigestConfig | None = None  # group this sink's alerts (a rule's own digest wins)
    # Alerts in this window wait for its end, as one digest; notices and digests wait too.
    quiet_hours: QuietHours | None = None

    if TYPE_CHECKING:
        # Each kind's model declares its own `type: Literal["<kind>"]`, the tag that tells the
        # kinds apart in `sinks:`. Declared here for the type checker only: a field here would
        # come first in every kind's model, before `id`, for pydantic.
        type: str


C = TypeVar("C", bound=SinkBase)


def no_warnings(cfg: SinkBase, allow_private_networks: bool) -> Iterator[tuple[KeyPath, str]]:
    """A kind with nothing to warn about."""
    return iter(())


@dataclass(frozen=True)
class SinkKind(Generic[C]):
    """One kind of sink, as the registry knows it."""

    config: type[C]  # its config model, with `type: Literal["<kind>"]`
    make: Callable[[C, Fetcher, SinkTemplates], Sink]  # its sink for one config entry
    where: Callable[[C], str]  # where the sink sends, on one line (`wirewatch sinks`)
    # What is valid but almost surely not meant (an address the guard will refuse, say), given
    # allow_private_networks: each a key path under the sink's entry and the message.
    warnings: Callable[[C, bool], Iterator[tuple[KeyPath, str]]] = no_warnings

    @property
    def type(self) -> str:
        """The kind's `type:` in the config, as its model's tag says."""
        (tag,) = get_args(self.config.model_fields["type"].annotation)
        return str(tag)
