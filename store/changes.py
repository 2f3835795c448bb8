"""A cheap stamp of "something changed": what the console polls to refresh without a reload.

Every management operation, lock expiry and Jira action writes an audit row, so the audit
log's highest id moves with each of them (one primary-key lookup). The sync's results
(a push done, an error, keys recorded) change the Jira links instead, so the stamp adds
one aggregate over `jira_links` (a row per linked session). The stamp is opaque: equal
stamps mean nothing changed; it says nothing of what or where.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from store.models import AuditEntry, JiraLink, LinkState

A = AuditEntry.__table__  # type: ignore[attr-defined]  # SQLModel sets it
L = JiraLink.__table__  # type: ignore[attr-defined]


def stamp(conn: Connection) -> str:
    """An opaque string that differs whenever a session or its sync state changed."""
    last_audit = conn.execute(select(func.max(A.c.id))).scalar()
    links = conn.execute(select(
        func.count(),
        func.max(L.c.last_synced),
        func.sum(case((L.c.state == LinkState.ERROR.value, 1), else_=0)),
        func.sum(case((L.c.test_execution.is_not(None), 1), else_=0)),
        func.sum(func.length(func.coalesce(L.c.error, ""))),
    )).one()
    synced = links[1].isoformat() if links[1] is not None else "-"
    return f"{last_audit or 0}.{links[0]}.{links[2] or 0}.{links[3] or 0}.{links[4] or 0}.{synced}"
