"""config/sources.example.yaml: shipped with every entry commented out, and a valid feeds file once
they are all uncommented.

The file's convention makes uncommenting mechanical: a line of an entry starts with "# " (hash,
one space), an explanation with "## ", and the one line of YAML as shipped is the empty list "[]",
which goes when an entry is uncommented.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.config import FeedConfig, load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "sources.example.yaml"
KINDS = {"rss", "sitemap", "page", "telegram"}
TOPICS = {"Kremlin", "ICC", "Navalny", "Russia / Wires", "Ukraine", "Germany"}
PROVENANCE = re.compile(r"  # (seen in \S.*|unchecked)$")


def _lines() -> list[str]:
    return EXAMPLE.read_text(encoding="utf-8").splitlines()


def _is_empty_list(line: str) -> bool:
    return line.split("##", 1)[0].strip() == "[]"


def _uncommented() -> str:
    """The file with every entry uncommented and the empty list gone."""
    out = []
    for line in _lines():
        if _is_empty_list(line):
            continue
        out.append(line[2:] if line.startswith("# ") else line)
    return "\n".join(out) + "\n"


def _load(tmp_path: Path, feeds_text: str) -> list[FeedConfig]:
    (tmp_path / "sources.yaml").write_text(feeds_text, encoding="utf-8")
    config_file = tmp_path / "wirewatch.yaml"
    config_file.write_text("feeds: sources.yaml\nrules: []\nsinks: []\n", encoding="utf-8")
    return load_config(config_file, env={}).feeds


def test_every_line_is_an_explanation_a_commented_entry_or_the_empty_list() -> None:
    odd = [
        (n, line)
        for n, line in enumerate(_lines(), 1)
        if line.strip() and not line.startswith(("## ", "# ")) and line != "##" and not _is_empty_list(line)
    ]
    assert odd == []
    assert sum(_is_empty_list(line) for line in _lines()) == 1


def test_as_shipped_it_is_an_empty_list_of_feeds(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == []
    assert _load(tmp_path, text) == []


def test_uncommented_it_loads_as_a_feeds_file_with_every_kind(tmp_path: Path) -> None:
    raw = yaml.safe_load(_uncommented())
    feeds = _load(tmp_path, _uncommented())
    assert len(feeds) == len(raw) >= 30
    assert {feed.type for feed in feeds} == KINDS
    assert {feed.category for feed in feeds} >= TOPICS
    assert all(feed.name and feed.category for feed in feeds)
    assert any(feed.type == "page" and feed.select for feed in feeds)


def test_telegram_channels_are_polled_at_their_public_preview(tmp_path: Path) -> None:
    raw = yaml.safe_load(_uncommented())
    feeds = _load(tmp_path, _uncommented())
    channels = [
        (entry["url"], feed.url) for entry, feed in zip(raw, feeds, strict=True) if feed.type == "telegram"
    ]
    assert len(channels) >= 8
    for given, polled in channels:
        name = given.removeprefix("https://t.me/")
        assert re.fullmatch(r"[A-Za-z0-9_]+", name), given
        assert polled == f"https://t.me/s/{name}"


def test_every_address_says_where_it_was_seen_or_that_it_is_unchecked() -> None:
    urls = [line for line in _lines() if line.startswith("# - url: ")]
    assert urls and all(PROVENANCE.search(line) for line in urls), [
        line for line in urls if not PROVENANCE.search(line)
    ]
    assert "NOTHING HERE WAS" in EXAMPLE.read_text(encoding="utf-8")
