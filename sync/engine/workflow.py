"""Run the `[workflow]` action a pulled status change or a remote deletion calls for.

Actions (docs/design.md section 4): archive, unarchive, unlock, disconnect, move:WORKSPACE,
sync. They go through the store's operations, so every rule of section 3 applies, as
`[workflow] service_user` when one is set, else as the session's owner. A remote
deletion's `disconnect` needs no user: it only turns the session standalone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from store import sync_state
from store.api import Store
from store.sync_state import SyncRow
from sync.bridge import ActionName, parse_action


class WorkflowRunner:
    """Carries workflow actions out through the store."""

    def __init__(self, db: Engine, store: Store | None, service_user: str = "",
                 request_sync: Callable[[str], None] | None = None) -> None:
        self.db = db
        self.store = store
        self.service_user = service_user.strip()
        self.request_sync = request_sync

    def on_status(self, text: str, row: SyncRow, key: str, status: str) -> None:
        """The Test Execution `key` moved to `status`; `text` is the configured action."""
        action = parse_action(text)
        store = self._store()
        actor = self.service_user or row.owner
        sid = row.session_id
        if action.name is ActionName.ARCHIVE:
            store.archive(actor, sid, f"archived by Jira: {key} moved to {status}")
        elif action.name is ActionName.UNARCHIVE:
            store.unarchive(actor, sid)
        elif action.name is ActionName.UNLOCK:
            store.unlock(actor, sid)
        elif action.name is ActionName.DISCONNECT:
            store.disconnect(actor, sid)
        elif action.name is ActionName.MOVE:
            assert action.workspace is not None
            store.move(actor, sid, action.workspace)
        elif self.request_sync is not None:
            self.request_sync(sid)

    def on_delete(self, text: str, row: SyncRow, key: str, now: datetime) -> bool:
        """The issue `key` is gone from Jira; returns whether the session changed."""
        action = parse_action(text)
        if action.name is ActionName.DISCONNECT:
            return sync_state.disconnect_remotely_deleted(self.db, row.session_id, key, now)
        self.on_status(text, row, key, "deleted")
        return True

    def _store(self) -> Store:
        if self.store is None:
            raise RuntimeError("workflow actions need the store")
        return self.store
