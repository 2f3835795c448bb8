"""The audit trail, read: who did what to which session, and when (admins only).

Every management operation, the sync's own changes and the Jira bridge's actions write
one `audit_log` row (`rows.journal`, `sync_state`); this reads them back newest first,
filtered by actor, session, operation and time, a page at a time (`before` is the
smallest id of the previous page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from store.context import Ctx
from store.errors import Invalid
from store.models import AuditEntry
from store.rows import admin_check_actor
from store.rules import AdminOperation, check_admin_only
from store.sync_state import SYNC_ACTOR
from store.views import iso

MAX_LIMIT = 500


@dataclass(frozen=True)
class AuditQuery:
    """Filters and page of an audit listing (all optional)."""

    actor: str | None = None
    session_id: str | None = None
    operation: str | None = None
    since: datetime | None = None
    before: int | None = None  # the smallest id of the previous page
    limit: int = 50


@dataclass(frozen=True)
class AuditOut:
    """One audit row."""

    id: int
    at: datetime
    actor: str | None
    operation: str
    session_id: str | None
    detail: dict[str, Any]

    def to_json(self) -> dict[str, object]:
        """`{"id", "at", "actor", "operation", "session", "surface", "detail"}`; `surface`
        is where the change came from (api, cli, webhook, automation, pull, sync), None
        for rows written before it was recorded."""
        return {"id": self.id, "at": iso(self.at), "actor": self.actor,
                "operation": self.operation, "session": self.session_id,
                "surface": self.surface, "detail": self.detail}

    @property
    def surface(self) -> str | None:
        """Where the change came from: recorded by the surface's store, or the Jira event
        that reported it (`via`), or the sync itself."""
        named = self.detail.get("surface") or self.detail.get("via")
        if named is None and self.actor == SYNC_ACTOR:
            return "sync"
        return None if named is None else str(named)


@dataclass(frozen=True)
class AuditPage:
    """One page, newest first; `next_before` is None on the last page."""

    items: list[AuditOut]
    next_before: int | None


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def read(ctx: Ctx, actor: str, query: AuditQuery) -> AuditPage:
    """A page of the audit trail, for an admin."""
    check_admin_only(AdminOperation.READ_AUDIT, admin_check_actor(ctx.db, actor))
    if not 1 <= query.limit <= MAX_LIMIT:
        raise Invalid("limit_out_of_range",
                      f"limit is a whole number from 1 to {MAX_LIMIT} [limit_out_of_range]")
    statement = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(query.limit + 1)
    if query.actor is not None:
        statement = statement.where(AuditEntry.actor == query.actor)
    if query.session_id is not None:
        statement = statement.where(AuditEntry.session_id == query.session_id)
    if query.operation is not None:
        statement = statement.where(AuditEntry.operation == query.operation)
    if query.since is not None:
        statement = statement.where(col(AuditEntry.at) >= query.since)
    if query.before is not None:
        statement = statement.where(col(AuditEntry.id) < query.before)
    rows = list(ctx.db.exec(statement).all())
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    items = [AuditOut(id=int(r.id or 0), at=r.at, actor=r.actor, operation=r.operation,
                      session_id=r.session_id, detail=_detail(r.detail)) for r in rows]
    return AuditPage(items=items, next_before=items[-1].id if more and items else None)
