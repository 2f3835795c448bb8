"""`Store` operations on a session's life: its lock (the desktop app's, an admin's break,
Jira's archive, the lease), its name, its workspace and owner, the trash, and its
connection to Jira."""

from __future__ import annotations

from datetime import datetime

from store import lifecycle, locking, ownership
from store.facade.core import StoreCore
from store.views import OpenResult, SessionOut


class LifecycleOperations(StoreCore):
    """Locks, renames, moves, the trash and the Jira connection of a session."""

    def open(self, actor: str, session_id: str) -> OpenResult:
        """Continue in desktop app: take the lock (again, for its holder)."""
        with self._tx() as ctx:
            return locking.open_session(ctx, actor, session_id)

    def close(self, actor: str, session_id: str) -> SessionOut:
        """Release the actor's own lock."""
        with self._tx() as ctx:
            return locking.close(ctx, actor, session_id)

    def rename(self, actor: str, session_id: str, new_name: str, *,
               expected_row_version: int | None = None) -> SessionOut:
        """Rename; a stale `expected_row_version` is a `conflict`."""
        with self._tx() as ctx:
            return lifecycle.rename(ctx, actor, session_id, new_name, expected_row_version)

    def unlock(self, actor: str, session_id: str) -> SessionOut:
        """The holder releases, or an admin breaks, the lock."""
        with self._tx() as ctx:
            return locking.unlock(ctx, actor, session_id)

    def delete(self, actor: str, session_id: str) -> SessionOut:
        """Move to the trash."""
        with self._tx() as ctx:
            return lifecycle.delete_session(ctx, actor, session_id)

    def restore(self, actor: str, session_id: str) -> SessionOut:
        """Take out of the trash."""
        with self._tx() as ctx:
            return lifecycle.restore(ctx, actor, session_id)

    def purge_trash(self, older_than: datetime | None = None) -> list[str]:
        """Remove for good what was trashed before `older_than` (default: the retention)."""
        with self._tx() as ctx:
            purged, digests = lifecycle.purge_trash(ctx, older_than)
        self._release(digests)
        return purged

    def duplicate(self, actor: str, session_id: str, workspace: str,
                  name: str | None = None) -> SessionOut:
        """Duplicate to a workspace the actor is a member of."""
        with self._tx() as ctx:
            return lifecycle.duplicate(ctx, actor, session_id, workspace, name)

    def move(self, actor: str, session_id: str, workspace: str, *,
             keep_original: bool = False, name: str | None = None) -> SessionOut:
        """Move to another workspace (or duplicate there, keeping the original), renamed to
        `name` if given: one transaction, so a refused name moves nothing."""
        with self._tx() as ctx:
            return lifecycle.move(ctx, actor, session_id, workspace, keep_original, name)

    def reassign(self, actor: str, session_id: str, new_owner: str) -> SessionOut:
        """Hand the session to another member of its workspace (admins only)."""
        with self._tx() as ctx:
            return ownership.reassign(ctx, actor, session_id, new_owner)

    def connect(self, actor: str, session_id: str, project: str | None = None) -> SessionOut:
        """Make the session Xray-connected to `project` (by default the settings' project)."""
        key = self._project(project)
        with self._tx() as ctx:
            return lifecycle.connect(ctx, actor, session_id, key)

    def disconnect(self, actor: str, session_id: str) -> SessionOut:
        """Make the session standalone again."""
        with self._tx() as ctx:
            return lifecycle.disconnect(ctx, actor, session_id)

    def expire_leases(self) -> list[str]:
        """Free the locks whose lease ran out (when a lease is configured)."""
        with self._tx() as ctx:
            return locking.expire_leases(ctx)

    def archive(self, actor: str, session_id: str, reason: str) -> SessionOut:
        """Jira's lock (holder `jira`, with a reason)."""
        with self._tx() as ctx:
            return locking.archive(ctx, actor, session_id, reason)

    def unarchive(self, actor: str, session_id: str) -> SessionOut:
        """End Jira's lock."""
        with self._tx() as ctx:
            return locking.unarchive(ctx, actor, session_id)
