"""Public Telegram channels -> entries, read from the channel's public web preview
(`https://t.me/s/<name>`: no account, no API key), as RSSHub's telegram route and RSS-Bridge's
TelegramBridge read it (tests/fixtures/telegram/README.md has the markup and its sources).

Each post is an entry keyed by its id (`tg:<name>/<number>`), with its date, its text (the text
is the article: no page is fetched), the links in it, the channel or person it was forwarded
from and its own address `https://t.me/<name>/<number>`. With `follow_links: true` a post that
is mostly a link to an article reads that article instead (its text stays the fallback).
An edited post (the preview marks it "edited" by its time) keeps its id, so it is not news again;
a deleted one drops out of the page.
Service messages ("Channel photo updated") and posts without text (a photo, a poll) are left out.

Bad input is an outcome: a post without a usable id is skipped and counted in the warning; a
page with no posts at all and no sign of an empty channel (t.me's join page, for a channel
without a public preview) raises NotAFeedError naming the feed.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from ..errors import FetchPermanent, FetchRetriable, NotAFeedError
from ..feeds import MAX_ENTRIES, Body, FeedRef, FetchMore, ParsedFeed, canonical_url, source_name, utc_time
from ..models import Entry, unix_time

TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "www.t.me", "www.telegram.me"})
MAX_POST_CHARS = 20_000  # a post holds at most 4,096 characters (a caption 1,024): room, and a cap
MAX_TITLE_CHARS = 140  # the first line of a post stands for its title, cut at a word
# A post "mostly a link" (follow_links): its text without the link is at most this long.
MOSTLY_A_LINK_CHARS = 200
MAX_PAGES = 3  # preview pages read in one poll of a channel that posted more than a page since the last
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,63}$")  # a public username
_POST = re.compile(r"^(?P<name>[A-Za-z0-9_]{1,64})/(?P<number>[0-9]{1,12})$")


def _has_class(name: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


_POSTS = etree.XPath(f"//div[{_has_class('tgme_widget_message')}]")
_TEXT = etree.XPath(
    f".//div[{_has_class('js-message_text')}][not(ancestor::a[{_has_class('tgme_widget_message_reply')}])]"
)
_TIME = etree.XPath(f".//a[{_has_class('tgme_widget_message_date')}]/time/@datetime")
_FORWARDED = etree.XPath(f".//*[{_has_class('tgme_widget_message_forwarded_from_name')}]")
_PREVIEW = etree.XPath(f".//a[{_has_class('tgme_widget_message_link_preview')}]/@href")
_TITLE = etree.XPath(f"//*[{_has_class('tgme_channel_info_header_title')}]")
_EMPTY = etree.XPath(f"//*[{_has_class('tme_no_messages_found')}]")
_MORE = etree.XPath(f"//a[{_has_class('tme_messages_more')}]/@data-before")


def preview_url(url: str) -> str:
    """The preview page of a channel given as `https://t.me/<name>`, `t.me/s/<name>` or
    `@name`-less `t.me/<name>`: `https://t.me/s/<name>`. Any other URL is read as it is (a page
    with the preview's markup: a mirror, a test server)."""
    text = url.strip()
    if "://" not in text and text.split("/", 1)[0].lower() in TELEGRAM_HOSTS:
        text = "https://" + text
    parts = urlsplit(text)
    if (parts.hostname or "").lower() not in TELEGRAM_HOSTS:
        return text
    path = [p for p in parts.path.split("/") if p]
    if path[:1] == ["s"]:
        path = path[1:]
    if len(path) != 1 or not _NAME.match(path[0]):
        raise ValueError(f"not a public Telegram channel's address: {url!r} (give https://t.me/<name>)")
    return f"https://t.me/s/{path[0]}"


def read(body: Body, feed: FeedRef, more: FetchMore) -> ParsedFeed:
    """The `telegram` kind (pipeline.sources): the posts of the preview page and, when every post
    on it is newer than the feed's last good poll (a busy channel), of up to MAX_PAGES - 1 earlier
    pages (`?before=<id>`, as the page's own "load more" link asks), so that none is skipped."""
    root = _root(body.content, feed)
    posts = _POSTS(root)
    if not posts and not _EMPTY(root):
        raise NotAFeedError(
            f"{feed.url}: no posts, and no sign of an empty channel: the channel has no public preview"
            " (t.me shows only its join page) or the address is not a channel's; wirewatch reads public"
            " previews only"
        )
    titles = _TITLE(root)
    channel_title = " ".join(titles[0].text_content().split()) if titles else ""
    source = source_name(feed, channel_title)
    digest = hashlib.sha256()
    entries, skipped = _entries(posts, feed, source, digest)
    notes: list[str] = []
    page, pages = root, 1
    while pages < MAX_PAGES and _all_after(entries, more.since) and (before := _before(page)) is not None:
        earlier = urljoin(body.url, f"?before={before}")
        try:
            page = _root(more(earlier).content, feed)
        except (FetchRetriable, FetchPermanent, NotAFeedError) as exc:
            notes.append(f"earlier posts not read: {exc}")
            break
        older, missed = _entries(_POSTS(page), feed, source, None)
        known = {e.key for e in entries}
        entries += [e for e in older if e.key not in known]
        skipped += missed
        pages += 1
    entries.sort(key=lambda e: int(e.key.rsplit("/", 1)[1]), reverse=True)  # newest first, as feeds list
    if skipped:
        notes.insert(0, f"{skipped} post(s) skipped: no data-post id of the form <channel>/<number>")
    return ParsedFeed(
        entries=tuple(entries[:MAX_ENTRIES]), title=channel_title, warning="; ".join(notes) or None,
        digest=digest.hexdigest(),
    )  # fmt: skip


def _root(content: bytes, feed: FeedRef) -> lxml.html.HtmlElement:
    try:
        return lxml.html.fromstring(content)
    except (etree.ParserError, ValueError) as exc:  # empty or undecodable
        raise NotAFeedError(f"{feed.url}: not a Telegram channel's preview page ({exc})") from exc


def _entries(
    posts: list[lxml.html.HtmlElement], feed: FeedRef, source: str, digest: Any
) -> tuple[list[Entry], int]:
    """The entries of a page's posts and how many were skipped; `digest` (of the newest page
    only: what the channel shows now) takes each post's id and text."""
    entries: list[Entry] = []
    skipped = 0
    for post in posts:
        found = _POST.match(str(post.get("data-post", "")).strip())
        if found is None:
            skipped += 1
            continue
        if "service_message" in str(post.get("class", "")).split():
            continue
        name, number = found["name"], int(found["number"])
        text = _text(post)
        links = _links(post)
        if digest is not None:
            digest.update(f"{name}/{number}\x1f{text}\x1e".encode())
        if not text:
            continue  # a photo, a poll, a sticker: nothing to read
        article = _article_link(text, links) if feed.follow_links else None
        entries.append(
            Entry(
                feed_id=feed.id,
                feed_url=feed.url,
                source=source,
                key=f"tg:{name}/{number}",
                link=f"https://t.me/{name}/{number}",
                title=_title(text),
                published=_published(post),
                content=text,
                category=feed.category,
                kind="telegram",
                own_text=article is None,
                article_url=article,
                links=tuple(links),
                forwarded_from=_forwarded_from(post),
            )
        )
    return entries, skipped


def _all_after(entries: list[Entry], since: float | None) -> bool:
    """Whether every post read so far is newer than the last good poll (never on a first poll:
    what came before it is not news)."""
    if since is None or not entries:
        return False
    return all(e.published is not None and unix_time(e.published) > since for e in entries)


def _before(page: lxml.html.HtmlElement) -> int | None:
    """The id the page's "load more" link reads back from."""
    for value in _MORE(page):
        text = str(value).strip()
        if text.isdigit():
            return int(text)
    return None


def _text(post: lxml.html.HtmlElement) -> str:
    """The post's own text (not the quoted post it replies to), line breaks kept, capped."""
    found = _TEXT(post)
    if not found:
        return ""
    element = found[0]
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    text = element.text_content()[:MAX_POST_CHARS]
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _links(post: lxml.html.HtmlElement) -> list[str]:
    """The web links of the post's text and its link preview, in order, once each (not hashtag
    searches, not t.me's own)."""
    found = _TEXT(post)
    hrefs = [str(a.get("href", "")) for a in found[0].iter("a")] if found else []
    hrefs += [str(h) for h in _PREVIEW(post)]
    out: dict[str, None] = {}
    for href in hrefs:
        parts = urlsplit(href.strip())
        if parts.scheme in ("http", "https") and (parts.hostname or "") not in TELEGRAM_HOSTS:
            out[canonical_url(href)] = None
    return list(out)[:50]


def _article_link(text: str, links: list[str]) -> str | None:
    """The article a post is mostly a link to: one web link, and little text besides."""
    if len(links) != 1:
        return None
    rest = re.sub(r"https?://\S+", "", text)
    return links[0] if len(rest.strip()) <= MOSTLY_A_LINK_CHARS else None


def _title(text: str) -> str:
    first = text.split("\n", 1)[0]
    if len(first) <= MAX_TITLE_CHARS:
        return first
    cut = first[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


def _published(post: lxml.html.HtmlElement) -> str | None:
    for value in _TIME(post):
        when = utc_time(str(value))
        return when.isoformat() if when is not None else None
    return None


def _forwarded_from(post: lxml.html.HtmlElement) -> str | None:
    """Where a forwarded post came from: the original post's address, or the name shown when
    the sender is hidden."""
    for element in _FORWARDED(post):
        href = str(element.get("href", "")).strip()
        if urlsplit(href).scheme in ("http", "https"):
            return href
        name = " ".join(element.text_content().split())
        return name or None
    return None
