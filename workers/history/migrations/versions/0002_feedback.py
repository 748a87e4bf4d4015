"""Feedback on alerts: relevant or not, who gave it and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("relevant", sa.Boolean, nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("created", sa.Float, nullable=False),
    )
    op.create_index("feedback_created", "feedback", ["created"])
    op.create_index("feedback_alert", "feedback", ["alert_id", "created"])
    op.create_index("feedback_rule", "feedback", ["rule_id", "created"])


def downgrade() -> None:
    op.drop_index("feedback_rule", "feedback")
    op.drop_index("feedback_alert", "feedback")
    op.drop_index("feedback_created", "feedback")
    op.drop_table("feedback")
