"""What a user should be told about their own work: a save of theirs kept as a conflicted
copy (their lock had been broken), and a lock of theirs that someone else ended.

Read from the audit trail: `conflicted_copy` rows the user made, and `unlock` rows made
by someone else with the user as the `holder`; newest last, after a given audit id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import col, select

from store.context import Ctx
from store.models import AuditEntry, ExploratorySession
from store.views import iso

MAX_NOTICES = 50


@dataclass(frozen=True)
class NoticeOut:
    """One notice: which audit row, when, what kind, on which session, by whom."""

    id: int
    at: datetime
    kind: str  # "conflicted_copy" or "lock_ended"
    session_id: str | None
    session_name: str | None
    by: str | None

    def to_json(self) -> dict[str, object]:
        """`{"id", "at", "kind", "session", "session_name", "by"}`."""
        return {"id": self.id, "at": iso(self.at), "kind": self.kind, "session": self.session_id,
                "session_name": self.session_name, "by": self.by}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def read(ctx: Ctx, user: str, after: int) -> list[NoticeOut]:
    """The user's notices after audit id `after`, oldest first (at most MAX_NOTICES)."""
    holder = _like(f'"holder": {json.dumps(user)}')
    statement = (
        select(AuditEntry, ExploratorySession.name)
        .join(ExploratorySession, col(ExploratorySession.id) == AuditEntry.session_id,
              isouter=True)
        .where(col(AuditEntry.id) > after)
        .where(or_(
            and_(col(AuditEntry.operation) == "conflicted_copy", col(AuditEntry.actor) == user),
            and_(col(AuditEntry.operation) == "unlock", col(AuditEntry.actor) != user,
                 col(AuditEntry.detail).like(f"%{holder}%", escape="\\")),
        ))
        .order_by(col(AuditEntry.id)).limit(MAX_NOTICES)
    )
    notices = []
    for entry, name in ctx.db.exec(statement).all():
        if entry.operation == "unlock" and json.loads(entry.detail).get("holder") != user:
            continue  # the LIKE matched another field's text
        kind = "conflicted_copy" if entry.operation == "conflicted_copy" else "lock_ended"
        notices.append(NoticeOut(id=int(entry.id or 0), at=entry.at, kind=kind,
                                 session_id=entry.session_id, session_name=name,
                                 by=entry.actor))
    return notices
