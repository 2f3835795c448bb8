"""Reassign: an admin hands a session to another member of its workspace (a leaver's work).

One operation: the rules first (`authorize`: admins only, whoever holds the lock), then
the new owner, who must be a member of the session's workspace, and the audit row.
"""

from __future__ import annotations

from store.context import Ctx, authorize
from store.errors import Invalid
from store.rows import compare_and_set, is_member, journal, session_out, user_named
from store.rules import Operation
from store.views import SessionOut


def reassign(ctx: Ctx, actor: str, session_id: str, new_owner: str) -> SessionOut:
    """Make `new_owner` (a member of the session's workspace) the session's owner."""
    ok = authorize(ctx, actor, session_id, Operation.REASSIGN)
    row = ok.row
    heir = user_named(ctx.db, new_owner)
    assert heir.id is not None
    if not is_member(ctx.db, heir, row.workspace_id):
        raise Invalid("owner_not_member",
                      f"reassign: {heir.name!r} is not a member of the session's workspace "
                      "[owner_not_member]")
    previous = ok.state.owner
    if heir.id != row.owner_id:
        compare_and_set(ctx.db, row, owner_id=heir.id)
        journal(ctx.db, actor=actor, operation="reassign", session_id=row.id, at=ctx.now,
                detail={"from": previous, "to": heir.name})
    return session_out(ctx.db, row)
