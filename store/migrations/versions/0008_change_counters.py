"""the change feed's counter of link writes (its stamp no longer reads every link)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # empty: the first link write after the upgrade inserts its row (`store.changes`)
    op.create_table("change_counters",
                    sa.Column("name", sa.String(length=32), nullable=False),
                    sa.Column("value", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("name"))


def downgrade() -> None:
    op.drop_table("change_counters")
