"""Feedback on one alert from a message's link (/feedback/<token>): the signed token in the
address (pipeline.feedback) is the permission, for that alert alone and until it expires, so
no login is needed and nothing else is reachable with it. A GET shows the alert and two buttons;
they POST back to the same address (the token, unguessable and bound to the alert, is also what
keeps another site from posting for a reader: there is no ambient credential to borrow)."""

from __future__ import annotations

import functools
import time
import urllib.parse

from jinja2 import Template
from redis import Redis

from pipeline.config import Config
from pipeline.feedback import BadToken, read_token

from ..history import History
from ..history import alerts as history_alerts
from ..history import feedback as history_feedback
from ..store import feedback as feedback_store
from .status_page import environment


@functools.cache
def _page() -> Template:
    return environment().get_template("feedback.html.j2")


def render(config: Config, redis: Redis, history: History, token: str, form: bytes | None) -> tuple[int, str]:
    """The page for a token (`form`: a POST's body, else None): (HTTP status, HTML)."""
    try:
        granted = read_token(feedback_store.secret(redis, config.feedback_secret), token, time.time())
    except BadToken as exc:
        return 403, _page().render(error=f"{exc}.", alert=None, recorded=None, latest=None)
    recorded = None
    if form is not None:
        answer = urllib.parse.parse_qs(form.decode("utf-8", "replace")).get("relevant", [""])[-1]
        if answer not in ("yes", "no"):
            return 400, _page().render(
                error="say relevant (yes) or not (no).", alert=None, recorded=None, latest=None
            )
        recorded = answer == "yes"
        history_feedback.add(history, granted.alert_id, granted.rule_id, recorded, "link", time.time())
    alert = history_alerts.get(history, granted.alert_id)
    latest = history_feedback.latest(history, [granted.alert_id]).get(granted.alert_id)
    return 200, _page().render(error=None, alert=alert, recorded=recorded, latest=latest)
