"""listing indexes: ordered by (modified, id) and covering the panel's filters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:58:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OLD = {
    "ix_sessions_workspace_modified": ["workspace_id", "modified"],
    "ix_sessions_owner_modified": ["owner_id", "modified"],
    "ix_sessions_modified": ["modified"],
}
_NEW = {
    "ix_sessions_workspace_modified": ["workspace_id", "modified", "id", "owner_id",
                                       "trashed_at", "name"],
    "ix_sessions_owner_modified": ["owner_id", "modified", "id", "workspace_id",
                                   "trashed_at", "name"],
    "ix_sessions_modified": ["modified", "id", "workspace_id", "trashed_at"],
}


def _replace(indexes: dict[str, list[str]]) -> None:
    for name, columns in indexes.items():
        op.drop_index(name, table_name="sessions")
        op.create_index(name, "sessions", columns, unique=False)


def upgrade() -> None:
    _replace(_NEW)


def downgrade() -> None:
    _replace(_OLD)
