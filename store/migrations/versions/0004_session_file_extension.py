"""the extension of the file a session was imported from (a download keeps it)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for sessions imported before: their download keeps the old guess from the bytes
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("file_extension", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("file_extension")
