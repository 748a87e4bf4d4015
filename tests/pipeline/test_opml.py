"""Feeds from files: OPML from other readers (nested folders, a Latin-1 export), a YAML list,
errors located in the feeds file, OPML written back, and rules scoped by `category:`."""

from __future__ import annotations

from pathlib import Path

import listparser
import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.opml import OpmlError, read_opml, write_opml
from pipeline.rules import Document, Matcher

from .test_rules_reference import Spec

ROOT = Path(__file__).resolve().parents[2]
OPML = ROOT / "tests" / "fixtures" / "opml"


def test_nested_outlines_become_categories_and_any_declared_encoding_is_read() -> None:
    miniflux = read_opml((OPML / "miniflux.opml").read_bytes(), "miniflux.opml")
    assert [(f["url"], f.get("category")) for f in miniflux] == [
        ("https://meduza.io/rss/en/all", "Russia"),
        ("https://www.themoscowtimes.com/rss/news", "Russia"),
        ("https://www.icc-cpi.int/rss/news/all?utm_source=reader", "Justice / International"),
        ("HTTPS://NEWS.EXAMPLE.ORG/world/rss.xml", None),
    ]
    assert miniflux[0]["name"] == "Meduza in English"
    latin = read_opml((OPML / "latin1-reader.opml").read_bytes(), "latin1-reader.opml")
    assert latin[0] == {
        "url": "https://www.lemonde.fr/economie/rss_full.xml?a=1&b=2",
        "name": "Le Monde économie",
        "category": "Économie & marchés",
    }


def test_bytes_that_are_no_opml_are_an_error_naming_the_file() -> None:
    with pytest.raises(OpmlError, match=r"page\.html: not an OPML"):
        read_opml(b"<html><body><p>not a list</p>", "page.html")


def test_feeds_from_an_opml_file_or_a_yaml_list(tmp_path: Path) -> None:
    (tmp_path / "subs.opml").write_bytes((OPML / "miniflux.opml").read_bytes())
    (tmp_path / "a.yaml").write_text("feeds: subs.opml\nrules: []\nsinks: []\n")
    cfg = load_config(tmp_path / "a.yaml")
    assert len(cfg.feeds) == 4 and cfg.feeds[2].category == "Justice / International"
    (tmp_path / "feeds.yaml").write_text("# ours\n- url: https://news.example.org/a.xml\n  category: World\n")
    (tmp_path / "b.yaml").write_text("feeds: feeds.yaml\nrules: []\nsinks: []\n")
    assert [f.category for f in load_config(tmp_path / "b.yaml").feeds] == ["World"]


def test_a_bad_feed_in_a_feeds_file_is_reported_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "- url: https://news.example.org/a.xml\n- url: ftp://news.example.org/b.xml\n"
        "- url: https://news.example.org/a.xml\n- {url: https://news.example.org/c.xml, colour: red}\n"
    )
    (tmp_path / "c.yaml").write_text("feeds: feeds.yaml\nrules: []\nsinks: []\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "c.yaml")
    where = [(i.file.rsplit("/", 1)[1], i.line, i.key) for i in caught.value.issues]
    assert ("feeds.yaml", 2, "[1].url") in where
    assert ("feeds.yaml", 3, "[2].url") in where  # the duplicate
    assert ("feeds.yaml", 4, "[3].colour") in where
    (tmp_path / "d.yaml").write_text("feeds: missing.opml\nrules: []\nsinks: []\n")
    with pytest.raises(ConfigError, match="cannot read feeds file"):
        load_config(tmp_path / "d.yaml")


def test_written_opml_is_read_back_the_same(tmp_path: Path) -> None:
    (tmp_path / "subs.opml").write_bytes((OPML / "latin1-reader.opml").read_bytes())
    (tmp_path / "a.yaml").write_text("feeds: subs.opml\nrules: []\nsinks: []\n")
    feeds = load_config(tmp_path / "a.yaml").feeds
    written = write_opml(feeds)
    again = read_opml(written, "written.opml")
    assert [(f["url"], f["name"], f.get("category")) for f in again] == [
        (f.url, f.name, f.category) for f in feeds
    ]
    parsed = listparser.parse(written.decode("utf-8"))  # what other readers see
    assert not parsed.bozo and parsed.version == "opml2"


def test_rules_scope_the_feeds_category() -> None:
    matcher = Matcher([Spec("world", "category:world peskov"), Spec("any", "peskov")])
    world = Document(title="Peskov says", text="", category="News / World")
    other = Document(title="Peskov says", text="", category="Sport")
    assert matcher.match_ids(world) == ["world", "any"]
    assert matcher.match_ids(other) == ["any"]
