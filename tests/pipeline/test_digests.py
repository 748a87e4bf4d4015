"""When a digest group goes out: Alertmanager's group_wait and group_interval, or once a day."""

from __future__ import annotations

from datetime import datetime

from pipeline.config import DigestConfig
from pipeline.digests import digest_id, flush_time, next_daily


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_a_new_group_waits_group_wait_then_at_most_one_message_per_interval() -> None:
    cfg = DigestConfig(group_wait="30s", group_interval="5m")
    assert flush_time(cfg, 1000.0, None) == 1030.0  # first message: a burst gathers for 30 s
    assert flush_time(cfg, 1100.0, 1030.0) == 1330.0  # next: 5 m after the last one
    assert flush_time(cfg, 9000.0, 1030.0) == 9030.0  # quiet for long: group_wait again


def test_a_daily_digest_goes_at_its_local_time_across_daylight_saving() -> None:
    cfg = DigestConfig(at="08:00", timezone="Europe/Berlin")
    assert flush_time(cfg, _ts("2026-03-27T05:00:00+00:00"), None) == _ts("2026-03-27T07:00:00+00:00")  # CET
    assert flush_time(cfg, _ts("2026-03-28T07:30:00+00:00"), None) == _ts("2026-03-29T06:00:00+00:00")  # CEST
    assert next_daily("08:00", "UTC", _ts("2026-12-01T08:00:00+00:00")) == _ts("2026-12-02T08:00:00+00:00")


def test_digest_ids_are_stable_per_group_and_window() -> None:
    assert digest_id("hooks/icc", 1030.0) == digest_id("hooks/icc", 1030.0)
    assert digest_id("hooks/icc", 1030.0) != digest_id("hooks/icc", 1330.0)
    assert digest_id("hooks/icc", 1030.0) != digest_id("hooks/*", 1030.0)


def test_bad_daily_times_and_zones_are_config_errors() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not a time of day"):
        DigestConfig(at="25:00")
    with pytest.raises(ValidationError, match="unknown time zone"):
        DigestConfig(timezone="Mars/Olympus")
    assert DigestConfig(at="8:05").at == "08:05"
