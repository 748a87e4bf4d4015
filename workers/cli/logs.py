"""Log set-up for every wirewatch process: one line per event, entity first (`feed <id> <url>:
...`, `article <key> <url>: ...`, `delivery <id>: ...`), as text or as one JSON object a line.

Levels: WARNING by default, -v INFO (every alert and delivery, every feed with new entries),
-vv DEBUG (every poll, and RQ's own per-job lines, which stay quiet otherwise).
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]
LOG_FORMAT_ENV = "WIREWATCH_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def level_for(verbose: int) -> int:
    return logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING


def configure(verbose: int, fmt: LogFormat = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    level = level_for(verbose)
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # RQ logs three lines per job at INFO; ours say what happened to the job instead.
    logging.getLogger("rq").setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    # httpx and httpcore log every request with its full URL, a webhook's token included: never
    # below WARNING, whatever -v says (our own lines name URLs in their display form).
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def rq_level(verbose: int) -> str:
    """The level to hand RQ's `Worker.work`, which sets its logger's level itself."""
    return "DEBUG" if verbose > 1 else "WARNING"
