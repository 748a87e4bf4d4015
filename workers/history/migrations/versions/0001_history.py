"""The history store: articles with a full-text index, alerts, deliveries and their tries, seen
entries, the upgrade's progress.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "articles",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("entry_hash", sa.String(48), nullable=False, unique=True),
        sa.Column("processed", sa.Float, nullable=False),
        sa.Column("published", sa.String(40)),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("feed_url", sa.Text, nullable=False),
        sa.Column("story_id", sa.String(64), nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("indexed_all", sa.Boolean, nullable=False),
        sa.Column("words", sa.Text),
        sa.Column("tsv", TSVECTOR().with_variant(sa.Text(), "sqlite")),
    )
    op.create_index("articles_processed", "articles", ["processed"])
    op.create_index("articles_story", "articles", ["story_id"])
    incomplete = sa.text("NOT indexed_all")  # the few articles the index holds only in part
    op.create_index(
        "articles_incomplete", "articles", ["id"], sqlite_where=incomplete, postgresql_where=incomplete
    )
    if sqlite:
        # FTS5 over `words` with the articles as its content (the index only, no second copy of
        # the words); triggers keep it in step with inserts and deletes.
        op.execute(
            "CREATE VIRTUAL TABLE articles_fts USING fts5(words, content='articles', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
        )
        op.execute(
            "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
            "INSERT INTO articles_fts(rowid, words) VALUES (new.id, new.words); END"
        )
        op.execute(
            "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
            "INSERT INTO articles_fts(articles_fts, rowid, words) VALUES ('delete', old.id, old.words); END"
        )
    else:
        op.create_index("articles_tsv", "articles", ["tsv"], postgresql_using="gin")
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("story_id", sa.String(64)),
        sa.Column("entry_key", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_index("alerts_created", "alerts", ["created"])
    op.create_index("alerts_rule", "alerts", ["rule_id", "created"])
    op.create_table(
        "deliveries",
        sa.Column("delivery_id", sa.String(200), primary_key=True),
        sa.Column("sink", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("tries", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("first", sa.Float, nullable=False),
        sa.Column("last", sa.Float, nullable=False),
    )
    op.create_index("deliveries_last", "deliveries", ["last"])
    op.create_index("deliveries_status", "deliveries", ["status", "last"])
    op.create_table(
        "delivery_tries",
        sa.Column("delivery_id", sa.String(200), primary_key=True),
        sa.Column("at", sa.Float, primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
    )
    op.create_index("delivery_tries_at", "delivery_tries", ["at"])
    op.create_table(
        "seen",
        sa.Column("entry_hash", sa.String(48), primary_key=True),
        sa.Column("feed_id", sa.String(200), nullable=False),
        sa.Column("first_seen", sa.Float, nullable=False),
    )
    op.create_index("seen_first", "seen", ["first_seen"])
    op.create_table(
        "copied",
        sa.Column("what", sa.String(100), primary_key=True),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS articles_fts_delete")
        op.execute("DROP TRIGGER IF EXISTS articles_fts_insert")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    for table in ("copied", "seen", "delivery_tries", "deliveries", "alerts", "articles"):
        op.drop_table(table)
