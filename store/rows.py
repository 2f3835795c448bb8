"""Reading and writing rows inside one database transaction: lookups that raise `NotFound`,
the compare-and-set update of a session row, views of rows, and the journal (outbox + audit).

Every function here takes the open database session `db`; none commits.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from store.errors import Conflict, NotFound
from store.models import (
    AuditEntry,
    ExploratorySession,
    JiraLink,
    Membership,
    Mode,
    OutboxEntry,
    Role,
    User,
    Workspace,
)
from store.rules import Actor, SessionState
from store.views import LinkOut, LockOut, SessionOut, UserOut, WorkspaceOut

# the key, in a database session's `info`, of the surface its changes come from (audited)
SURFACE = "xray_sync_surface"


def user_named(db: Session, name: str) -> User:
    """The user called `name`; `not_found` (rule `unknown_user`) otherwise."""
    user = db.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound("unknown_user", f"no user is called {name!r} [unknown_user]")
    return user


def workspace_named(db: Session, name: str) -> Workspace:
    """The workspace called `name`; `not_found` (rule `unknown_workspace`) otherwise."""
    workspace = db.exec(select(Workspace).where(Workspace.name == name)).first()
    if workspace is None:
        raise NotFound("unknown_workspace", f"no workspace is called {name!r} [unknown_workspace]")
    return workspace


def session_by_id(db: Session, session_id: str) -> ExploratorySession:
    """The session `session_id`; `not_found` (rule `unknown_session`) otherwise."""
    row = db.get(ExploratorySession, session_id) if isinstance(session_id, str) else None
    if row is None:
        raise NotFound("unknown_session", f"no session has the id {session_id!r} [unknown_session]")
    return row


def admin_check_actor(db: Session, actor: str | None) -> Actor | None:
    """The acting user as the admin-only rule sees them; None (the bootstrap) for no actor."""
    if actor is None:
        return None
    user = user_named(db, actor)
    return Actor(name=user.name, is_admin=user.role == Role.ADMIN)


def is_member(db: Session, user: User, workspace_id: int) -> bool:
    """Whether `user` belongs to the workspace."""
    return db.get(Membership, (workspace_id, user.id)) is not None


def actor_for(db: Session, user: User, row: ExploratorySession) -> Actor:
    """The rules' view of `user` facing the session `row`."""
    return Actor(
        name=user.name,
        is_admin=user.role == "admin",
        is_member=is_member(db, user, row.workspace_id),
    )


def state_of(db: Session, row: ExploratorySession, lease_seconds: int | None) -> SessionState:
    """The rules' view of the session `row`."""
    owner = db.get(User, row.owner_id)
    return SessionState(
        owner=owner.name if owner is not None else "",
        mode=row.mode,
        lock_holder=row.lock_holder,
        lock_since=row.lock_since,
        lock_epoch=row.lock_epoch,
        broken_lock_holder=row.broken_lock_holder,
        broken_lock_epoch=row.broken_lock_epoch,
        trashed=row.trashed_at is not None,
        lease_seconds=lease_seconds,
    )


def compare_and_set(db: Session, row: ExploratorySession, *, seen: int | None = None,
                    **values: Any) -> None:
    """Write `values` to the session row only if its row_version is still `seen`.

    `seen` defaults to the row_version read in this transaction.  A concurrent writer
    that got there first makes this raise `conflict` (rule `stale_row_version`).
    """
    expected = row.row_version if seen is None else seen
    statement = (
        update(ExploratorySession)
        .where(col(ExploratorySession.id) == row.id)
        .where(col(ExploratorySession.row_version) == expected)
        .values(row_version=expected + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if db.exec(statement).rowcount != 1:
        raise Conflict(
            "stale_row_version",
            f"the session changed since version {expected} was read: reload and retry "
            "[stale_row_version]",
        )
    db.expire(row)


def user_out(user: User) -> UserOut:
    """The public view of a user."""
    assert user.id is not None
    return UserOut(id=user.id, name=user.name, role=user.role,
                   jira_account_id=user.jira_account_id, disabled_at=user.disabled_at,
                   token_expires_at=user.token_expires_at)


def workspace_out(db: Session, workspace: Workspace) -> WorkspaceOut:
    """The public view of a workspace, members sorted by name."""
    assert workspace.id is not None
    members = db.exec(
        select(User.name)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.workspace_id == workspace.id)
        .order_by(col(User.name))
    ).all()
    owner = db.get(User, workspace.owner_id) if workspace.owner_id is not None else None
    return WorkspaceOut(id=workspace.id, name=workspace.name, kind=workspace.kind,
                        owner=owner.name if owner else None, members=tuple(members))


def link_out(link: JiraLink | None) -> LinkOut | None:
    """The public view of a Jira link."""
    if link is None:
        return None
    return LinkOut(project=link.project, test_execution=link.test_execution, test=link.test,
                   test_run=link.test_run, state=link.state, last_synced=link.last_synced,
                   error=link.error, conflict_note=link.conflict_note)


def session_out(db: Session, row: ExploratorySession, *, workspace: str | None = None,
                owner: str | None = None, link: JiraLink | bool | None = True) -> SessionOut:
    """The public view of a session; names and link are looked up unless given."""
    if workspace is None:
        ws = db.get(Workspace, row.workspace_id)
        workspace = ws.name if ws is not None else ""
    if owner is None:
        user = db.get(User, row.owner_id)
        owner = user.name if user is not None else ""
    if link is True:
        link = db.get(JiraLink, row.id) if row.mode == Mode.XRAY else None
    lock = None
    if row.lock_holder is not None:
        lock = LockOut(holder=row.lock_holder, since=row.lock_since, epoch=row.lock_epoch,
                       reason=row.lock_reason)
    return SessionOut(
        id=row.id, name=row.name, type=row.type, mode=row.mode, workspace=workspace,
        owner=owner, size=row.size, created=row.created, modified=row.modified,
        digest=row.digest, version=row.version, row_version=row.row_version,
        trashed_at=row.trashed_at, lock=lock,
        link=link_out(link) if isinstance(link, JiraLink) else None,
    )


def journal(db: Session, *, actor: str | None, operation: str, session_id: str | None,
            at: datetime, detail: dict[str, Any] | None = None,
            push: str | None = None, payload: dict[str, Any] | None = None) -> None:
    """Record the audit row of an operation and, when `push` names a change, its outbox entry."""
    surface = db.info.get(SURFACE)
    detail = {**(detail or {}), **({"surface": surface} if surface else {})}
    db.add(AuditEntry(actor=actor, operation=operation, session_id=session_id,
                      detail=json.dumps(detail, sort_keys=True), at=at))
    if push is not None and session_id is not None:
        db.add(OutboxEntry(session_id=session_id, kind=push,
                           payload=json.dumps(payload or {}, sort_keys=True), created=at))
