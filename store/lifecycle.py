"""Rename, delete to trash, restore, purge, duplicate to, move, connect and disconnect.

Each function is one operation: the rules first (`authorize`), then the change, its
outbox entry (for `xray` sessions) and its audit row, in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, delete, select

from store.blobs import BlobRef
from store.content import new_session
from store.context import Authorized, Ctx, authorize
from store.errors import Invalid
from store.models import ExploratorySession, JiraLink, Mode, Version, Workspace
from store.rows import compare_and_set, journal, session_out
from store.rules import Operation
from store.validation import clean_name, project_key
from store.views import SessionOut
from store.workspaces import member_workspace


def _push(row_mode: str, kind: str) -> str | None:
    return kind if row_mode == Mode.XRAY else None


def rename(ctx: Ctx, actor: str, session_id: str, new_name: str,
           expected_row_version: int | None) -> SessionOut:
    """Give the session a new name; a stale `expected_row_version` is a `conflict`."""
    name = clean_name(new_name)
    ok = authorize(ctx, actor, session_id, Operation.RENAME)
    row = ok.row
    old, mode = row.name, row.mode
    compare_and_set(ctx.db, row, seen=expected_row_version, name=name, modified=ctx.now)
    journal(ctx.db, actor=actor, operation="rename", session_id=row.id, at=ctx.now,
            detail={"from": old, "to": name}, push=_push(mode, "rename"), payload={"name": name})
    return session_out(ctx.db, row)


def delete_session(ctx: Ctx, actor: str, session_id: str) -> SessionOut:
    """Move the session to the trash (its link is kept there); the actor's own lock ends."""
    ok = authorize(ctx, actor, session_id, Operation.DELETE)
    row = ok.row
    mode = row.mode
    values: dict[str, Any] = {"trashed_at": ctx.now}
    if row.lock_holder is not None:  # the rules allowed it: the lock is the actor's or expired
        values.update(lock_holder=None, lock_since=None, lock_reason=None,
                      lock_epoch=row.lock_epoch + 1)
    compare_and_set(ctx.db, row, **values)
    journal(ctx.db, actor=actor, operation="delete", session_id=row.id, at=ctx.now,
            push=_push(mode, "delete"))
    return session_out(ctx.db, row)


def restore(ctx: Ctx, actor: str, session_id: str) -> SessionOut:
    """Take the session out of the trash."""
    ok = authorize(ctx, actor, session_id, Operation.RESTORE)
    mode = ok.row.mode
    compare_and_set(ctx.db, ok.row, trashed_at=None)
    journal(ctx.db, actor=actor, operation="restore", session_id=ok.row.id, at=ctx.now,
            push=_push(mode, "restore"))
    return session_out(ctx.db, ok.row)


def purge_trash(ctx: Ctx, older_than: datetime | None) -> tuple[list[str], list[str]]:
    """Remove for good the sessions trashed before `older_than` (default: the retention).

    Returns the purged ids and the digests their versions held.  The Jira issue of an
    `xray` session is left in place; the outbox tells the sync, which may act on it.
    """
    cutoff = older_than or ctx.now - timedelta(days=ctx.settings.trash_retention_days)
    rows = ctx.db.exec(
        select(ExploratorySession).where(col(ExploratorySession.trashed_at).is_not(None))
        .where(col(ExploratorySession.trashed_at) <= cutoff).order_by(col(ExploratorySession.id))
    ).all()
    purged: list[str] = []
    digests: list[str] = []
    for row in rows:
        link = ctx.db.get(JiraLink, row.id)
        # the keys the sync acts on, and the name its purge comment gives the session
        payload = {"project": link.project, "test_execution": link.test_execution,
                   "test": link.test, "name": row.name} if link is not None else {}
        digests += ctx.db.exec(select(Version.digest).where(Version.session_id == row.id)).all()
        ctx.db.exec(delete(Version).where(col(Version.session_id) == row.id))
        ctx.db.exec(delete(JiraLink).where(col(JiraLink.session_id) == row.id))
        journal(ctx.db, actor=None, operation="purge", session_id=row.id, at=ctx.now,
                detail={"name": row.name}, push="purge" if link is not None else None,
                payload=payload)
        ctx.db.delete(row)
        purged.append(row.id)
    ctx.db.flush()
    return purged, digests


def _copy(ctx: Ctx, ok: Authorized, target: Workspace, name: str, operation: str) -> SessionOut:
    row = ok.row
    as_xray = row.mode == Mode.XRAY and ctx.settings.duplicate_xray_as == Mode.XRAY
    copy = new_session(ctx, owner=ok.user, workspace=target, name=name, type_=row.type,
                       mode=Mode.XRAY.value if as_xray else Mode.STANDALONE.value,
                       blob=BlobRef(digest=row.digest, size=row.size),
                       extension=row.file_extension)
    project = None
    if as_xray:
        # no Jira keys yet: the copy gets its own entities at its first push
        link = ctx.db.get(JiraLink, row.id)
        project = link.project if link is not None else ""
        ctx.db.add(JiraLink(session_id=copy.id, project=project))
    journal(ctx.db, actor=ok.user.name, operation=operation, session_id=copy.id, at=ctx.now,
            detail={"original": row.id, "workspace": target.name, "version": row.version},
            push="connect" if as_xray else None, payload={"project": project})
    ctx.db.flush()
    return session_out(ctx.db, copy, workspace=target.name, owner=ok.user.name)


def duplicate(ctx: Ctx, actor: str, session_id: str, workspace: str,
              name: str | None) -> SessionOut:
    """Copy the last saved version into a workspace the actor is a member of."""
    clean = clean_name(name) if name is not None else None
    ok = authorize(ctx, actor, session_id, Operation.DUPLICATE)
    target = member_workspace(ctx.db, ok.user, workspace, rule="not_a_member_of_target")
    return _copy(ctx, ok, target, clean or ok.row.name, "duplicate")


def move(ctx: Ctx, actor: str, session_id: str, workspace: str,
         keep_original: bool, name: str | None = None) -> SessionOut:
    """Move to another workspace (the link moves along); with `keep_original`, a duplicate.

    A `name` other than the current one renames it too, in the caller's one transaction:
    a refused name moves nothing."""
    clean = clean_name(name) if name is not None else None
    ok = authorize(ctx, actor, session_id, Operation.MOVE)
    target = member_workspace(ctx.db, ok.user, workspace, rule="not_a_member_of_target")
    row = ok.row
    if target.id == row.workspace_id:
        raise Invalid("same_workspace", "the session is in that workspace already [same_workspace]")
    if keep_original:
        return _copy(ctx, ok, target, clean or row.name, "move_copy")
    origin = ctx.db.get(Workspace, row.workspace_id)
    mode = row.mode
    compare_and_set(ctx.db, row, workspace_id=target.id, modified=ctx.now)
    journal(ctx.db, actor=actor, operation="move", session_id=row.id, at=ctx.now,
            detail={"from": origin.name if origin else None, "to": target.name},
            push=_push(mode, "move"), payload={"workspace": target.name})
    if clean is not None and clean != row.name:
        return rename(ctx, actor, row.id, clean, None)
    return session_out(ctx.db, row, workspace=target.name)


def connect(ctx: Ctx, actor: str, session_id: str, project: str) -> SessionOut:
    """Make a standalone session `xray`: it is pushed to `project` at the next sync."""
    key = project_key(project)
    ok = authorize(ctx, actor, session_id, Operation.CONNECT)
    row = ok.row
    compare_and_set(ctx.db, row, mode=Mode.XRAY.value, modified=ctx.now)
    ctx.db.exec(delete(JiraLink).where(col(JiraLink.session_id) == row.id))
    ctx.db.add(JiraLink(session_id=row.id, project=key))
    journal(ctx.db, actor=actor, operation="connect", session_id=row.id, at=ctx.now,
            detail={"project": key}, push="connect", payload={"project": key})
    ctx.db.flush()
    return session_out(ctx.db, row)


def disconnect(ctx: Ctx, actor: str, session_id: str) -> SessionOut:
    """Make an `xray` session standalone; its Jira issues are left in place."""
    ok = authorize(ctx, actor, session_id, Operation.DISCONNECT)
    row = ok.row
    link = ctx.db.get(JiraLink, row.id)
    keys = {"project": link.project, "test_execution": link.test_execution,
            "test": link.test, "test_run": link.test_run} if link is not None else {}
    compare_and_set(ctx.db, row, mode=Mode.STANDALONE.value, modified=ctx.now)
    ctx.db.exec(delete(JiraLink).where(col(JiraLink.session_id) == row.id))
    journal(ctx.db, actor=actor, operation="disconnect", session_id=row.id, at=ctx.now,
            detail=keys, push="disconnect", payload=keys)
    return session_out(ctx.db, row)
