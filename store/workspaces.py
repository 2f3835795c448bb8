"""Team workspaces and their members; personal workspaces come with their user.

Who may: admins create team workspaces (the creating admin becomes a member) and change
their members (`rules.check_admin_only`); with no acting user (the bootstrap: init, the
sample data) it is allowed too. Personal workspaces keep their one owner.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from store.errors import Conflict, Invalid, PermissionDenied
from store.locking import release_locks_of
from store.models import Membership, Role, User, Workspace, WorkspaceKind
from store.rows import (
    admin_check_actor,
    is_member,
    journal,
    user_named,
    workspace_named,
    workspace_out,
)
from store.rules import AdminOperation, check_admin_only
from store.validation import clean_name
from store.views import WorkspaceOut


def add_workspace(db: Session, actor: str | None, name: str, members: tuple[str, ...],
                  now: datetime) -> WorkspaceOut:
    """Create a team workspace; the actor (if any) and `members` are its members."""
    check_admin_only(AdminOperation.ADD_WORKSPACE, admin_check_actor(db, actor))
    name = clean_name(name, what="workspace name")
    creators = [user_named(db, actor)] if actor is not None else []
    users = creators + [user_named(db, m) for m in members]
    if db.exec(select(Workspace).where(Workspace.name == name)).first() is not None:
        raise Conflict("workspace_exists",
                       f"a workspace called {name!r} exists already [workspace_exists]")
    workspace = Workspace(name=name, kind=WorkspaceKind.TEAM.value)
    db.add(workspace)
    db.flush()
    assert workspace.id is not None
    for user_id in sorted({u.id for u in users if u.id is not None}):
        db.add(Membership(workspace_id=workspace.id, user_id=user_id))
    journal(db, actor=actor, operation="add_workspace", session_id=None, at=now,
            detail={"workspace": name, "members": sorted({u.name for u in users})})
    db.flush()
    return workspace_out(db, workspace)


def list_workspaces(db: Session, actor: str) -> list[WorkspaceOut]:
    """The workspaces the actor belongs to; admins see all."""
    user = user_named(db, actor)
    query = select(Workspace).order_by(col(Workspace.name))
    if user.role != Role.ADMIN:
        query = query.join(Membership, col(Membership.workspace_id) == col(Workspace.id)).where(
            Membership.user_id == user.id
        )
    return [workspace_out(db, w) for w in db.exec(query).all()]


def _manageable_team(db: Session, actor: str | None, name: str) -> Workspace:
    check_admin_only(AdminOperation.CHANGE_MEMBERS, admin_check_actor(db, actor))
    workspace = workspace_named(db, name)
    assert workspace.id is not None
    if workspace.kind != WorkspaceKind.TEAM:
        raise Invalid("personal_workspace",
                      "a personal workspace has only its owner as member [personal_workspace]")
    return workspace


def add_member(db: Session, actor: str | None, workspace: str, user: str,
               now: datetime) -> WorkspaceOut:
    """Make `user` a member of the team workspace."""
    team = _manageable_team(db, actor, workspace)
    member = user_named(db, user)
    assert team.id is not None and member.id is not None
    if not is_member(db, member, team.id):
        db.add(Membership(workspace_id=team.id, user_id=member.id))
        journal(db, actor=actor, operation="add_member", session_id=None, at=now,
                detail={"workspace": team.name, "user": member.name})
        db.flush()
    return workspace_out(db, team)


def remove_member(db: Session, actor: str | None, workspace: str, user: str,
                  now: datetime) -> WorkspaceOut:
    """Take `user` out of the team workspace and free the locks they hold there.

    Their sessions stay, owned by them, but an owner who is not a member has no right
    over them: an admin hands them to a member (`reassign`)."""
    team = _manageable_team(db, actor, workspace)
    member = user_named(db, user)
    assert team.id is not None
    row = db.get(Membership, (team.id, member.id))
    if row is not None:
        db.delete(row)
        journal(db, actor=actor, operation="remove_member", session_id=None, at=now,
                detail={"workspace": team.name, "user": member.name})
        release_locks_of(db, member.name, workspace_id=team.id, actor=actor, now=now,
                         why=f"removed from the workspace {team.name}")
        db.flush()
    return workspace_out(db, team)


def member_workspace(db: Session, actor: User, name: str, *, rule: str) -> Workspace:
    """The workspace `name`, if the actor is a member of it; `permission_denied` otherwise."""
    workspace = workspace_named(db, name)
    assert workspace.id is not None
    if not is_member(db, actor, workspace.id):
        raise PermissionDenied(
            rule, f"you are not a member of the workspace {workspace.name!r} [{rule}]"
        )
    return workspace
