"""A listing page with no feed (a "news" or "press releases" section) -> entries: its new links
to articles on the same site.

Which links: those a CSS selector given with the feed picks (`select: "a.news-item"`, or any
element holding such a link), else found automatically: on the same site, not in the page's
navigation, header, footer or sidebars, and looking like an article by their address as courlan
judges links (not a navigation, tag or login page; a path that reads like a story: a slug of
several words, a number, a date). Each link's anchor text is its entry's title until the article
page is extracted (`Entry.provisional_title`); the date comes from the article itself
(trafilatura's metadata, htmldate).

A page's first good poll only remembers what it lists (`ParsedFeed.baseline`): with no dates,
nothing else tells what was there before from what is new. The digest is the set of its links,
so a page whose links did not change counts as not modified, whatever else changed on it.
A page of many links is read up to MAX_ANCHORS of them.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urljoin, urlsplit

import courlan
import courlan.filters
import lxml.html
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from ..errors import NotAFeedError
from ..feeds import MAX_ENTRIES, Body, FeedRef, FetchMore, ParsedFeed, canonical_url, source_name
from ..models import Entry

MAX_ANCHORS = 5000  # links of one page looked at (a hostile page may hold a hundred thousand)
MAX_TITLE_CHARS = 300
# Where a page keeps its navigation: links inside are never articles found automatically.
_CHROME_TAGS = ("nav", "header", "footer", "aside", "menu", "form")
_CHROME_WORDS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|footer|header|sidebar|breadcrumbs?|pagination|pager|"
    r"social|share|cookie|banner|skip)(?:$|[\s_-])",
    re.I,
)
_DATE_PATH = re.compile(r"/(?:19|20)\d\d[/-](?:0?[1-9]|1[0-2])(?:[/-]|$)")
_WORDS_SLUG = re.compile(r"[a-z\u0400-\u04ff0-9]+(?:[-_][a-z\u0400-\u04ff0-9]+){2,}", re.I)
_NUMBER = re.compile(r"\d{3,}")
_ANCHORS = etree.XPath("//a[@href]")


def read(body: Body, feed: FeedRef, more: FetchMore) -> ParsedFeed:
    """The `page` kind (pipeline.sources): the article links of one listing page."""
    try:
        root = lxml.html.fromstring(body.content, base_url=body.url)
    except (etree.ParserError, ValueError) as exc:  # empty, or undecodable
        raise NotAFeedError(f"{feed.url}: not an HTML page ({exc})") from exc
    base = _base(root, body.url)
    if feed.select:
        anchors = _selected(root, feed.select, feed.url)
    else:
        anchors = [a for a in _ANCHORS(root)[:MAX_ANCHORS] if not _in_chrome(a)]
    found: dict[str, str] = {}  # link -> its longest anchor text
    for anchor in anchors[:MAX_ANCHORS]:
        link = _link(str(anchor.get("href", "")), base)
        if link is None or link == canonical_url(body.url):
            continue
        if not feed.select and not _looks_like_article(link, base):
            continue
        text = _anchor_text(anchor)
        if len(text) > len(found.get(link, "")) or link not in found:
            found[link] = text
    titles = root.xpath("//title")
    page_title = " ".join(titles[0].text_content().split()) if titles else ""
    source = source_name(feed, "")
    entries = [
        Entry(
            feed_id=feed.id,
            feed_url=feed.url,
            source=source,
            key="link:" + link,
            link=link,
            title=text,
            category=feed.category,
            kind="page",
            provisional_title=True,
        )
        for link, text in list(found.items())[:MAX_ENTRIES]
    ]
    digest = hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest()
    warning = None
    if not entries:
        how = f"the selector {feed.select!r} picks" if feed.select else "it has"
        warning = f"no article links: {how} none (give select: to pick them)"
    return ParsedFeed(
        entries=tuple(entries), title=page_title, warning=warning, digest=digest, baseline=more.since is None
    )


def _selected(root: lxml.html.HtmlElement, select: str, url: str) -> list[lxml.html.HtmlElement]:
    """The links a selector picks: the elements themselves when they are links, else the first
    link inside each."""
    try:
        picked = CSSSelector(select)(root)
    except (SelectorError, etree.XPathError) as exc:  # checked in the config too: never here
        raise NotAFeedError(f"{url}: select: {select!r} is not a CSS selector: {exc}") from exc
    out = []
    for element in picked[:MAX_ANCHORS]:
        if element.tag == "a" and element.get("href"):
            out.append(element)
        else:
            inner = element.xpath(".//a[@href]")
            if inner:
                out.append(inner[0])
    return out


def check_selector(select: str) -> str:
    """The selector, if it is one (the config's check of `select:`); ValueError otherwise."""
    try:
        CSSSelector(select)
    except (SelectorError, etree.XPathError) as exc:
        raise ValueError(f"not a CSS selector: {select!r} ({exc})") from exc
    return select


def _base(root: lxml.html.HtmlElement, url: str) -> str:
    found = root.xpath("//base/@href")
    return urljoin(url, str(found[0]).strip()) if found else url


def _link(href: str, base: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    absolute = urljoin(base, href)
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return canonical_url(absolute)


def _in_chrome(anchor: lxml.html.HtmlElement) -> bool:
    """Whether a link sits in the page's navigation, header, footer or sidebars."""
    for element in anchor.iterancestors():
        if element.tag in _CHROME_TAGS or element.get("role") in ("navigation", "banner", "contentinfo"):
            return True
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if marks.strip() and _CHROME_WORDS.search(marks):
            return True
    return False


def _looks_like_article(link: str, base: str) -> bool:
    """A link on the same site whose address reads like a story's, as courlan and trafilatura
    judge links (no navigation, tag, login or file URLs), and a path of its own: a date, a slug
    of several words, or a number."""
    if (
        courlan.is_external(link, base, ignore_suffix=False)
        or courlan.is_navigation_page(link)
        or courlan.is_not_crawlable(link)
    ):
        return False
    path = urlsplit(link).path.rstrip("/")
    # courlan's own filters, not check_url: that one also refuses addresses by IP and port
    if not courlan.filters.type_filter(link, strict=True) or not courlan.filters.extension_filter(path):
        return False
    last = path.rsplit("/", 1)[-1]
    return bool(path) and bool(
        _DATE_PATH.search(path + "/") or _WORDS_SLUG.search(last) or _NUMBER.search(last)
    )


def _anchor_text(anchor: lxml.html.HtmlElement) -> str:
    text = " ".join(anchor.text_content().split()) or str(anchor.get("title", "")).strip()
    if not text:
        alts = anchor.xpath(".//img/@alt")
        text = " ".join(str(alts[0]).split()) if alts else ""
    return text[:MAX_TITLE_CHARS]
