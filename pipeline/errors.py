"""The one error tree of wirewatch.

    WirewatchError
    +-- ConfigError            bad configuration; carries every ConfigIssue found at once
    +-- RetriableError         worth trying again later (timeouts, 5xx, connection refused)
    |   +-- FetchRetriable
    |   +-- DeliveryRetriable
    +-- PermanentError         trying again gives the same answer (404, blocked address, bad feed)
        +-- FetchPermanent
        |   +-- Gone                  the server answered 410 Gone: a feed is retired
        |   +-- BlockedAddressError   a URL resolves to a loopback/private/link-local address
        |   +-- TooLargeError         a body went over its size cap
        +-- NotAFeedError             the bytes are no RSS/Atom feed
        +-- DeliveryPermanent
            +-- SinkGone              the receiver answered 410 Gone: the sink is disabled

Jobs retry RetriableError (with backoff, jitter and a cap) and record PermanentError as an
outcome, so a bad feed or a dead sink never takes a worker down. A fetch error's text starts with
the URL it is about (`without_url` drops it where a log line names the URL already).
"""

from __future__ import annotations

from dataclasses import dataclass


class WirewatchError(Exception):
    """Base of every error wirewatch raises on purpose."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config or rules file, located as precisely as we can."""

    file: str
    line: int | None
    column: int | None
    key: str
    message: str
    context: str = ""  # optional extra lines, e.g. the query and a caret under the bad column

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        if self.context:
            text += "\n" + self.context
        return text


class ConfigError(WirewatchError):
    """A configuration that must not start; holds every issue found, not just the first."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class RetriableError(WirewatchError):
    """A failure that may pass: try again later (not before `retry_after` seconds, when the
    other side said so, as with a 429's Retry-After)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(WirewatchError):
    """A failure that will not pass by retrying."""


class FetchRetriable(RetriableError):
    """A fetch that may pass later; `http_status`: the server's answer, when it gave one (a 503,
    not a timeout)."""

    def __init__(
        self, message: str, retry_after: float | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(message, retry_after)
        self.http_status = http_status


class FetchPermanent(PermanentError):
    """A fetch that will not pass; `http_status`: the server's answer, when it gave one (a 404,
    not a blocked address)."""

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


class Gone(FetchPermanent):
    """410 Gone: the publisher says the resource is gone for good."""


class BlockedAddressError(FetchPermanent):
    pass


class TooLargeError(FetchPermanent):
    pass


class NotAFeedError(PermanentError):
    pass


class DeliveryRetriable(RetriableError):
    """A delivery that may pass later. `delivered`: the sink's targets (recipients, URLs) that
    took it in this try anyway, which later tries skip; `given_up`: targets that failed for good
    (target -> why), which later tries skip too."""

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        delivered: tuple[str, ...] = (),
        given_up: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, retry_after)
        self.delivered = delivered
        self.given_up = given_up or {}


class DeliveryPermanent(PermanentError):
    """A delivery that will not pass by retrying; `delivered` and `given_up` as for
    DeliveryRetriable."""

    def __init__(
        self, message: str, delivered: tuple[str, ...] = (), given_up: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.delivered = delivered
        self.given_up = given_up or {}


class SinkGone(DeliveryPermanent):
    """The receiver says it is gone for good (HTTP 410): the sink is disabled, not sent to again."""


def without_url(url: str, reason: object) -> str:
    """An error's text without the URL it starts with (the log line names it already)."""
    return str(reason).removeprefix(f"{url}: ")
