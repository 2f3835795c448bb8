"""state the daemons of one store share: rate budgets, pull watermarks, the pull lease

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.columns

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("not_before", store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "rate_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=200), nullable=False),
        sa.Column("sent_at", store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rate_sends_window_sent_at", "rate_sends", ["window", "sent_at"],
                    unique=False)
    op.create_table(
        "sync_watermarks",
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("mark", store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project"),
    )
    op.create_table(
        "sync_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=True),
        sa.Column("held_until", store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_started", store.columns.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("sync_leases")
    op.drop_table("sync_watermarks")
    op.drop_index("ix_rate_sends_window_sent_at", table_name="rate_sends")
    op.drop_table("rate_sends")
    op.drop_table("rate_budgets")
