"""A Sentinel-managed Redis in the config (redis_sentinel:) and in its URL form for $REDIS_URL:
the one is the other, bad forms are errors naming what is wrong, and the password never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import RedisSentinelConfig, load_config
from pipeline.errors import ConfigError
from pipeline.redact import display_redis_url


def _config(tmp_path: Path, redis: str) -> Path:
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    path = tmp_path / "wirewatch.yaml"
    path.write_text(f"{redis}\nrules: rules.yaml\nfeeds: []\nsinks: []\n")
    return path


def test_the_block_and_its_url_are_one_another() -> None:
    block = RedisSentinelConfig(
        sentinels=["r1.internal:26379", "r2.internal:26380"], service="main-1", db=3,
        password="p@ss/word", sentinel_password="s3cret",
    )  # fmt: skip
    url = block.url()
    assert url == ("redis+sentinel://:p%40ss%2Fword@r1.internal:26379,r2.internal:26380/main-1/3"
                   "?sentinel_password=s3cret")  # fmt: skip
    assert RedisSentinelConfig.from_url(url) == block
    assert block.hosts() == [("r1.internal", 26379), ("r2.internal", 26380)]
    assert RedisSentinelConfig.from_url("redis+sentinel://h:26379/mymaster") == RedisSentinelConfig(
        sentinels=["h:26379"]
    )
    shown = display_redis_url(url)
    assert shown == "redis+sentinel://***@r1.internal:26379,r2.internal:26380/main-1/3?sentinel_password=***"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis+sentinel://h:26379", "host:port,host:port/service"),
        ("redis+sentinel://h:26379/svc/x", "host:port,host:port/service"),
        ("redis+sentinel://h/svc", "not host:port: 'h'"),
        ("redis+sentinel://h:99999/svc", "not host:port: 'h:99999'"),
    ],
)
def test_a_bad_url_names_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(ValueError) as raised:
        RedisSentinelConfig.from_url(url)
    assert says in str(raised.value) and "\n" not in str(raised.value)


def test_the_config_takes_one_redis_and_checks_a_sentinel_url(tmp_path: Path) -> None:
    cfg = load_config(_config(tmp_path, "redis_sentinel: {sentinels: ['a:26379', 'b:26379'], service: ww}"))
    assert (
        cfg.redis_sentinel is not None and cfg.redis_sentinel.url() == "redis+sentinel://a:26379,b:26379/ww/0"
    )
    with pytest.raises(ConfigError) as both:
        load_config(
            _config(tmp_path, "redis_url: redis://x:6379/0\nredis_sentinel: {sentinels: ['a:26379']}")
        )
    assert "redis_url and redis_sentinel both name a Redis" in str(both.value.issues)
    with pytest.raises(ConfigError) as bad:
        load_config(_config(tmp_path, "redis_url: redis+sentinel://a:26379"))
    assert "service" in str(bad.value.issues)
    with pytest.raises(ConfigError) as empty:
        load_config(_config(tmp_path, "redis_sentinel: {sentinels: []}"))
    assert "sentinels" in str(empty.value.issues)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("unix:///tmp/ww/redis.sock", "unix:///tmp/ww/redis.sock"),
        ("redis://:pw@h:6379/0", "redis://***@h:6379/0"),
        ("redis://h:6379/0", "redis://h:6379/0"),
        ("unix:///tmp/s.sock?db=2&password=pw", "unix:///tmp/s.sock?db=2&password=***"),
    ],
)
def test_every_redis_url_shows_without_its_passwords(url: str, shown: str) -> None:
    assert display_redis_url(url) == shown
