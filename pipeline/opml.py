"""OPML subscription lists: read with listparser (nested outlines become a feed's category,
"News / World"), written as OPML 2.0 that Miniflux and FreshRSS import."""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import listparser

from .feeds import FeedRef

CATEGORY_SEPARATOR = " / "


class OpmlError(ValueError):
    """Bytes that hold no usable subscription list."""


def read_opml(content: bytes, where: str) -> list[dict[str, Any]]:
    """The feeds of an OPML file as config entries ({url, name, category}), in file order.
    An outline without an xmlUrl is a folder; listparser reads every encoding the XML declares."""
    parsed = listparser.parse(_decoded(content))
    if not parsed.get("version") or (parsed.bozo and not parsed.feeds):
        reason = f" ({parsed.bozo_exception})" if parsed.bozo else " (no <opml> root element)"
        raise OpmlError(f"{where}: not an OPML subscription list{reason}")
    feeds: list[dict[str, Any]] = []
    for found in parsed.feeds:
        entry: dict[str, Any] = {"url": str(found.url).strip()}
        if found.title and found.title.strip() != entry["url"]:
            entry["name"] = " ".join(str(found.title).split())
        paths = [CATEGORY_SEPARATOR.join(p for p in path if p) for path in found.categories]
        if paths and paths[0]:
            entry["category"] = paths[0]
        feeds.append(entry)
    return feeds


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding=["']([A-Za-z0-9._-]{1,40})["']""")


def _decoded(content: bytes) -> str:
    """The file as text, in the encoding its XML declaration names (listparser reads bytes as
    UTF-8 whatever the declaration says), else UTF-8 (or UTF-16 by its BOM)."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16", "replace")
    found = _DECLARED.match(content)
    encoding = found.group(1).decode("ascii") if found else "utf-8"
    try:
        return content.decode(encoding, "replace")
    except LookupError:  # an encoding Python does not know: the bytes as UTF-8 it is
        return content.decode("utf-8", "replace")


def write_opml(feeds: Sequence[FeedRef], title: str = "wirewatch feeds") -> bytes:
    """OPML 2.0: one outline per feed, inside nested folders for its category."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = ET.SubElement(root, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}
    for feed in feeds:
        path = tuple(p.strip() for p in (feed.category or "").split(CATEGORY_SEPARATOR.strip()) if p.strip())
        for depth in range(1, len(path) + 1):
            if path[:depth] not in folders:
                folders[path[:depth]] = ET.SubElement(
                    folders[path[: depth - 1]], "outline", text=path[depth - 1]
                )
        name = feed.name or feed.url
        ET.SubElement(folders[path], "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    ET.indent(root)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"
