"""The history store's tables (SQLAlchemy Core): what grows with time, kept out of Redis.

    articles        every processed article (the archive): its text, where it came from, its
                    story; SQLite indexes `words` with FTS5 (articles_fts), PostgreSQL keeps a
                    tsvector of the same words (`tsv`, GIN index)
    alerts          every alert made, once per (rule, story)
    deliveries      one row per delivery (an alert or a notice to one sink): its latest state;
                    a dead letter is a row whose status is "failed"
    delivery_tries  each try of a delivery and its outcome
    seen            entries handed to article work (the feed's own window in Redis answers first)
    copied          what the upgrade from a Redis-only installation has copied (see upgrade.py)
    feedback        readers' word on alerts: relevant or not, who, when (the latest per alert counts)

Times are Unix seconds (float). The migrations (migrations/versions) create exactly these; a test
compares them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

metadata = MetaData()

# Integer on SQLite (its rowid, which FTS5's content_rowid needs), BIGINT elsewhere.
_ID = BigInteger().with_variant(Integer(), "sqlite")

_INCOMPLETE = text("NOT indexed_all")

articles = Table(
    "articles",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("entry_hash", String(48), nullable=False, unique=True),  # one row per entry key
    Column("processed", Float, nullable=False),
    Column("published", String(40)),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("language", String(16)),
    Column("feed_url", Text, nullable=False),
    Column("story_id", String(64), nullable=False),
    Column("record", Text, nullable=False),  # the rest of the Archived record (JSON, text left out)
    # False: its words were more than the index keeps (pipeline.rules.candidates.index_text), so
    # every search reads it whatever the index says.
    Column("indexed_all", Boolean, nullable=False),
    Column("words", Text),  # SQLite: what articles_fts indexes (pipeline.rules.candidates.index_words)
    # PostgreSQL: the same words as a tsvector (array_to_tsvector: exactly our tokens, no parser)
    Column("tsv", TSVECTOR().with_variant(Text(), "sqlite")),
    Index("articles_processed", "processed"),
    Index("articles_story", "story_id"),
    Index(
        "articles_incomplete",
        "id",
        sqlite_where=text("NOT indexed_all"),
        postgresql_where=text("NOT indexed_all"),
    ),
)

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", String(64), primary_key=True),
    Column("rule_id", String(200), nullable=False),
    Column("story_id", String(64)),
    Column("entry_key", Text, nullable=False),  # the entry it was first made for
    Column("created", Float, nullable=False),
    Column("record", Text, nullable=False),  # the Alert (JSON)
    Index("alerts_created", "created"),
    Index("alerts_rule", "rule_id", "created"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", String(200), primary_key=True),
    Column("sink", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("item", String(200), nullable=False),
    Column("rule", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("tries", Integer, nullable=False),
    Column("error", Text, nullable=False),
    Column("first", Float, nullable=False),
    Column("last", Float, nullable=False),
    Index("deliveries_last", "last"),
    Index("deliveries_status", "status", "last"),
)

delivery_tries = Table(
    "delivery_tries",
    metadata,
    Column("delivery_id", String(200), primary_key=True),
    Column("at", Float, primary_key=True),  # a replayed write of the same try is the same row
    Column("status", String(20), nullable=False),
    Column("error", Text, nullable=False),
    Index("delivery_tries_at", "at"),
)

seen = Table(
    "seen",
    metadata,
    Column("entry_hash", String(48), primary_key=True),
    Column("feed_id", String(200), nullable=False),
    Column("first_seen", Float, nullable=False),
    Index("seen_first", "first_seen"),
)

copied = Table(
    "copied",
    metadata,
    Column("what", String(100), primary_key=True),
    Column("position", Text, nullable=False),
    Column("at", Float, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("alert_id", String(64), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("relevant", Boolean, nullable=False),
    Column("who", String(200), nullable=False),  # a token's name, "link" (a message's), "local"
    Column("created", Float, nullable=False),
    Index("feedback_created", "created"),
    Index("feedback_alert", "alert_id", "created"),
    Index("feedback_rule", "rule_id", "created"),
)

TABLES = (articles, alerts, deliveries, delivery_tries, seen, copied, feedback)
