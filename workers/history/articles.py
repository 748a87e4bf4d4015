"""The archive: every processed article, with a full-text index of its words, for `wirewatch
search` and `backfill` (and the web app). One row per entry key: an article job run again after a
crash archives nothing twice.

The index holds `pipeline.rules.candidates.index_words` of title and text: the matcher's own
words, so a candidate query (`pipeline.rules.candidates`) asks the index for a superset of what
the matcher will accept, and the matcher decides.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, cast, func, or_, select, text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.sql import Select

from pipeline.models import Archived, StoryCopy, iso_time, short_hash, unix_time
from pipeline.rules.candidates import index_text

from ._sql import delete_older, insert_new
from .database import History
from .schema import articles


def entry_hash(entry_key: str) -> str:
    return short_hash(entry_key, size=24)


def _row(item: Archived, sqlite: bool) -> dict[str, Any]:
    a = item.article
    indexed = index_text(a.title, a.text)  # the matcher's words: see pipeline.rules.candidates
    record = item.model_dump(mode="json")
    record["article"]["text"] = ""  # kept in its own column
    return {
        "entry_hash": entry_hash(item.entry_key),
        "processed": unix_time(item.seen),
        "published": a.published,
        "url": a.url,
        "title": a.title,
        "text": a.text,
        "source": a.source,
        "language": a.language,
        "feed_url": item.feed_url,
        "story_id": item.story.id,
        "record": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
        "words_in": indexed.words,
        "indexed_all": indexed.complete,
    }


def add(conn: Connection, items: Sequence[Archived]) -> None:
    """Archive these articles (those already archived are kept as they were)."""
    if not items:
        return
    sqlite = conn.dialect.name == "sqlite"
    stmt = insert_new(conn, articles, ["entry_hash"]).values(
        words=bindparam("words_in") if sqlite else None,
        # Our tokens as they are: PostgreSQL's text parser would split some of them
        tsv=None if sqlite else func.array_to_tsvector(func.string_to_array(bindparam("words_in"), " ")),
    )
    conn.execute(stmt, [_row(i, sqlite) for i in items])


def _archived(record: str, article_text: str) -> Archived:
    data = json.loads(record)
    data["article"]["text"] = article_text
    return Archived.model_validate(data)


def _select(conn: Connection, match: str | None, since: float, until: float | None) -> Select[Any]:
    q = select(articles.c.record, articles.c.text).where(articles.c.processed >= since)
    if until is not None:
        q = q.where(articles.c.processed < until)
    if match is not None:  # what the index finds, and the articles it holds only in part
        if conn.dialect.name == "sqlite":
            ids = text(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match "
                "UNION ALL SELECT id FROM articles WHERE NOT indexed_all"
            ).columns(articles.c.id)
            q = q.where(articles.c.id.in_(ids.bindparams(match=match)))
        else:
            found = articles.c.tsv.op("@@")(cast(match, TSQUERY))
            q = q.where(or_(found, ~articles.c.indexed_all))
    return q


def read(
    history: History,
    since: float,
    *,
    until: float | None = None,
    newest_first: bool = False,
    match: str | None = None,
) -> Iterator[Archived]:
    """The articles processed in [since, until), oldest or newest first; with `match` (the
    backend's full-text query: pipeline.rules.candidates.fts5_match or tsquery) only those the
    index finds. Streamed: one query, rows read as they are used."""
    with history.begin() as conn:
        q = _select(conn, match, since, until)
        order = (articles.c.processed.desc(), articles.c.id.desc()) if newest_first else (
            articles.c.processed, articles.c.id)  # fmt: skip
        result = conn.execution_options(stream_results=True, yield_per=500).execute(q.order_by(*order))
        for record, article_text in result:
            yield _archived(record, article_text)


def candidate_times(
    history: History, since: float, *, until: float | None = None, match: str | None = None
) -> list[tuple[int, float]]:
    """The row id and processed time of each article in [since, until) the index hands over
    (all of them without `match`), newest first: what a rule preview counts by day and samples
    from without reading the articles themselves."""
    with history.begin() as conn:
        q = _select(conn, match, since, until).with_only_columns(articles.c.id, articles.c.processed)
        q = q.order_by(articles.c.processed.desc(), articles.c.id.desc())
        return [(int(row_id), float(processed)) for row_id, processed in conn.execute(q)]


def read_ids(history: History, ids: Sequence[int]) -> dict[int, Archived]:
    """The archived articles of these row ids (those still there), by id."""
    if not ids:
        return {}
    with history.begin() as conn:
        q = select(articles.c.id, articles.c.record, articles.c.text).where(articles.c.id.in_(list(ids)))
        return {int(row_id): _archived(record, body) for row_id, record, body in conn.execute(q)}


def count(history: History, since: float, *, match: str | None = None) -> int:
    with history.begin() as conn:
        q = _select(conn, match, since, None).with_only_columns(func.count())
        return int(conn.execute(q).scalar_one())


def forget_before(history: History, cutoff: float) -> int:
    """Delete what is older than `cutoff` (retention), in batches; how many."""
    return delete_older(history, articles.c.processed, cutoff)


def story_copies(
    history: History, story_ids: Sequence[str], per_story: int = 50
) -> dict[str, list[StoryCopy]]:
    """The archived copies of each story (outlet, URL, title, when read and published), oldest
    first: what "also reported by" lists for an article found in the archive, and a story's
    timeline once Redis has forgotten it."""
    if not story_ids:
        return {}
    with history.begin() as conn:
        q = (
            select(
                articles.c.story_id,
                articles.c.source,
                articles.c.url,
                articles.c.title,
                articles.c.processed,
                articles.c.published,
            )
            .where(articles.c.story_id.in_(list(story_ids)))
            .order_by(articles.c.processed, articles.c.id)
        )
        out: dict[str, list[StoryCopy]] = {sid: [] for sid in story_ids}
        for sid, source, url, title, processed, published in conn.execute(q):
            if len(out[sid]) < per_story:
                seen = iso_time(processed)
                copy = StoryCopy(source=source, url=url, title=title, seen=seen, published=published)
                out[sid].append(copy)
        return out
