"""`Store` operations that watch rather than change: the audit trail, a user's notices,
the change stamp, health and gauges, the session behind a Jira issue; and the record of
Jira webhook deliveries that keeps a replay from acting twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from store import audit, changes, deliveries, locking, notices, sync_claims, sync_state
from store.context import authorize
from store.errors import Invalid
from store.facade.core import StoreCore
from store.rows import session_out, user_named
from store.rules import Operation
from store.sync_state import SyncRow
from store.views import SessionOut, StoreGauges


class MonitoringOperations(StoreCore):
    """The audit trail, notices, `/healthz` and `/metrics`, and webhook deliveries."""

    def audit(self, actor: str, query: audit.AuditQuery | None = None) -> audit.AuditPage:
        """A page of the audit trail, newest first (admins only)."""
        with self._tx(read=True) as ctx:
            return audit.read(ctx, actor, query or audit.AuditQuery())

    def may_sync(self, actor: str, session_id: str) -> SessionOut:
        """The session, when `actor` may ask for a sync of it now (Retry sync); else the
        rule's error. Nothing is written: the caller asks the sync engine."""
        with self._tx(read=True) as ctx:
            return session_out(ctx.db, authorize(ctx, actor, session_id, Operation.SYNC).row)

    def notices(self, actor: str, after: int = 0) -> list[notices.NoticeOut]:
        """What `actor` should be told: their saves kept as conflicted copies, their locks
        ended by someone else, after audit id `after`, oldest first."""
        with self._tx(read=True) as ctx:
            user_named(ctx.db, actor)
            return notices.read(ctx, actor, after)

    def change_stamp(self) -> str:
        """An opaque stamp that differs whenever a session or its sync state changed."""
        with self._tx(read=True) as ctx:
            return changes.stamp(ctx.db.connection())

    def ping(self) -> None:
        """Raise `Unavailable` unless the database answers (`/healthz`)."""
        with self._tx(read=True) as ctx:
            ctx.db.connection().execute(text("SELECT 1"))

    def gauges(self) -> StoreGauges:
        """The outbox depth and the locks held, read now (`/metrics`)."""
        with self._tx(read=True) as ctx:
            locks = locking.locks_held(ctx)
        return StoreGauges(outbox_depth=sync_claims.outbox_depth(self.engine), locks_held=locks)

    def session_of_issue(self, issue_key: str) -> SyncRow | None:
        """The `xray` session compared with `issue_key` (its Test Execution; a charter's Test)."""
        return sync_state.rows_by_key(self.engine, [issue_key]).get(issue_key)

    # -- Jira webhook deliveries ----------------------------------------------------------

    def remember_delivery(self, identifier: str | None, now: datetime | None = None, *,
                          digest: str | None = None) -> bool:
        """Record a webhook delivery by its id and/or its body's SHA-256 (hex): True the first
        time (handle it), False when either was seen before (a replay).

        Atomic on both databases: of racing daemons, exactly one gets True."""
        keys = _delivery_keys(identifier, digest)
        with self._tx() as ctx:
            return deliveries.remember_all(ctx.db.connection(), keys, now or ctx.now)

    def forget_delivery(self, identifier: str | None, *, digest: str | None = None) -> None:
        """Drop a delivery whose handling failed, so that Jira's retry is handled."""
        with self._tx() as ctx:
            for key in _delivery_keys(identifier, digest):
                deliveries.forget(ctx.db.connection(), key)

    def purge_deliveries(self, older_than: datetime | None = None) -> int:
        """Drop the delivery ids received before `older_than` (default: 7 days ago)."""
        with self._tx() as ctx:
            horizon = older_than or ctx.now - deliveries.RETENTION
            return deliveries.purge(ctx.db.connection(), horizon)


def _delivery_keys(identifier: str | None, digest: str | None) -> list[str]:
    keys = [identifier] if identifier is not None else []
    if digest is not None:
        keys.append(deliveries.body_key(digest))
    if not keys:
        raise Invalid("delivery_id_empty", "a webhook delivery needs an id or a body digest "
                      "[delivery_id_empty]")
    return keys
