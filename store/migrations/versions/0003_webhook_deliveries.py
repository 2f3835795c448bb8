"""webhook deliveries already handled, keyed by X-Atlassian-Webhook-Identifier

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 20:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.columns

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("received_at", store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("identifier"),
    )
    op.create_index("ix_webhook_deliveries_received_at", "webhook_deliveries", ["received_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_received_at", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
