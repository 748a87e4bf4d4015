"""The web side: the status page, /metrics, /healthz and /readyz (see app.py)."""

from .app import serve
from .gauges import registry_for

__all__ = ["registry_for", "serve"]
