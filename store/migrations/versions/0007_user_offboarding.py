"""offboarding: a user may be disabled, and their token may expire

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.columns

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for every user so far: enabled, with tokens that do not expire
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", store.columns.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column("token_expires_at",
                                   store.columns.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_expires_at")
        batch.drop_column("disabled_at")
