"""short-lived, single-use download links (the console's downloads go straight to disk)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.columns

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "download_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=255), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("expires_at", store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_download_links_expires_at", "download_links", ["expires_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_download_links_expires_at", table_name="download_links")
    op.drop_table("download_links")
