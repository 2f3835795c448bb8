"""Users and their tokens: creation (each with a personal workspace), lookup, bearer tokens.

Adding users and issuing another user's token are for admins (`rules.check_admin_only`);
with no acting user (the bootstrap), or in a store that has no user yet, adding is allowed.

A token is shown once, when issued; only its SHA-256 is stored, so a copy of the
database does not log anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.errors import Conflict, Invalid, NotFound, PermissionDenied
from store.locking import release_locks_of
from store.models import Membership, Role, User, Workspace, WorkspaceKind
from store.rows import admin_check_actor, journal, user_named, user_out
from store.rules import JIRA_HOLDER, AdminOperation, check_admin_only
from store.validation import clean_name
from store.views import UserOut, iso

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(db: Session, name: str, *, admin: bool, jira_account_id: str | None,
             actor: str | None, now: datetime) -> UserOut:
    """Create a user and their personal workspace (named after them)."""
    anyone = db.exec(select(User.id).limit(1)).first() is not None
    check_admin_only(AdminOperation.ADD_USER, admin_check_actor(db, actor) if anyone else None)
    name = clean_name(name, what="user name")
    if name == JIRA_HOLDER:
        raise Invalid("name_reserved", f"the user name {name!r} is reserved [name_reserved]")
    if db.exec(select(User).where(User.name == name)).first() is not None:
        raise Conflict("user_exists", f"a user called {name!r} exists already [user_exists]")
    if db.exec(select(Workspace).where(Workspace.name == name)).first() is not None:
        raise Conflict("workspace_exists",
                       f"a workspace called {name!r} exists already [workspace_exists]")
    account = jira_account_id.strip() if jira_account_id else None
    if account and db.exec(select(User).where(User.jira_account_id == account)).first():
        raise Conflict("jira_account_taken",
                       "another user carries this Jira accountId [jira_account_taken]")
    user = User(name=name, role=(Role.ADMIN if admin else Role.USER).value,
                jira_account_id=account or None, created_at=now)
    db.add(user)
    _flush(db)
    workspace = Workspace(name=name, kind=WorkspaceKind.PERSONAL.value, owner_id=user.id)
    db.add(workspace)
    _flush(db)
    assert user.id is not None and workspace.id is not None
    db.add(Membership(workspace_id=workspace.id, user_id=user.id))
    journal(db, actor=actor, operation="add_user", session_id=None, at=now,
            detail={"user": name, "role": user.role})
    return user_out(user)


def _flush(db: Session) -> None:
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent creation of the same name won the race
        raise Conflict("already_exists", "it was created concurrently [already_exists]") from exc


def list_users(db: Session) -> list[UserOut]:
    """Every user, by name."""
    return [user_out(u) for u in db.exec(select(User).order_by(col(User.name))).all()]


def issue_token(db: Session, name: str, *, actor: str | None, now: datetime,
                expires: timedelta | None = None) -> str:
    """A new random token for `name`, valid for `expires` (None: until replaced); the
    previous one stops working. A disabled user gets none (`user_disabled`)."""
    check_admin_only(AdminOperation.ISSUE_TOKEN, admin_check_actor(db, actor), subject=name)
    user = user_named(db, name)
    if user.disabled_at is not None:
        raise Conflict("user_disabled", f"{name!r} is disabled: enable them first "
                       "[user_disabled]")
    if expires is not None and expires <= timedelta(0):
        raise Invalid("expiry_not_positive", "a token's lifetime must be positive "
                      "[expiry_not_positive]")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    user.token_hash = token_hash(token)
    user.token_expires_at = now + expires if expires is not None else None
    db.add(user)
    journal(db, actor=actor, operation="issue_token", session_id=None, at=now,
            detail={"user": name, "expires": iso(user.token_expires_at)})
    return token


def user_for_token(db: Session, token: str, now: datetime) -> UserOut:
    """The user whose token this is; `permission_denied` (rule `bad_token`) otherwise, also
    for an expired token or a disabled user."""
    if not isinstance(token, str) or not token:
        raise PermissionDenied("bad_token", "no valid token was given [bad_token]")
    user = db.exec(select(User).where(User.token_hash == token_hash(token))).first()
    if user is None or user.disabled_at is not None:
        raise PermissionDenied("bad_token", "the token is not valid [bad_token]")
    if user.token_expires_at is not None and now >= user.token_expires_at:
        raise PermissionDenied("token_expired", "the token has expired: ask for a new one "
                               "[token_expired]")
    return user_out(user)


def set_disabled(db: Session, name: str, disabled: bool, *, actor: str | None,
                 now: datetime) -> UserOut:
    """Disable `name` (their token revoked at once, their locks released and audited, their
    sessions kept) or enable them again (they need a new token)."""
    check_admin_only(AdminOperation.DISABLE_USER, admin_check_actor(db, actor))
    user = user_named(db, name)
    if name == actor and disabled:
        raise Conflict("disable_self", "you cannot disable yourself [disable_self]")
    if disabled and user.disabled_at is None:
        user.disabled_at, user.token_hash, user.token_expires_at = now, None, None
        db.add(user)
        journal(db, actor=actor, operation="disable_user", session_id=None, at=now,
                detail={"user": name})
        release_locks_of(db, name, workspace_id=None, actor=actor, now=now,
                         why="the user was disabled")
    elif not disabled and user.disabled_at is not None:
        user.disabled_at = None
        db.add(user)
        journal(db, actor=actor, operation="enable_user", session_id=None, at=now,
                detail={"user": name})
    db.flush()
    return user_out(user)


def user_by_jira_account(db: Session, account_id: str) -> UserOut:
    """The user carrying this Jira accountId; `not_found` (rule `unknown_jira_account`)."""
    user = db.exec(select(User).where(User.jira_account_id == account_id)).first()
    if user is None:
        raise NotFound("unknown_jira_account",
                       "no user carries this Jira accountId [unknown_jira_account]")
    return user_out(user)


def get_user(db: Session, name: str) -> UserOut:
    """The user called `name`."""
    return user_out(user_named(db, name))
