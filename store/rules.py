"""The rules table of docs/design.md section 3 as pure functions.

`decide(operation, actor, state, now)` checks, in this order, permission (who may),
trash, mode (standalone or xray), then the lock (free, the actor's, someone else's),
and either returns a `Verdict` or raises the `StoreError` that names the refusing rule.
`check_admin_only(operation, actor, subject)` is the rule for managing people and
teams (users, tokens, team workspaces and their members).
They see only plain values and the time; the operations in `store` do the I/O around them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, StrEnum

from store.errors import Conflict, Locked, PermissionDenied

JIRA_HOLDER = "jira"


class Operation(StrEnum):
    """The operations of the session panel, plus the Jira workflow bridge's."""

    LIST = "list"
    SHOW = "show"
    IMPORT = "import"
    OPEN = "open"
    CLOSE = "close"
    SAVE = "save"
    DUPLICATE = "duplicate"
    DOWNLOAD = "download"
    RENAME = "rename"
    UNLOCK = "unlock"
    DELETE = "delete"
    MOVE = "move"
    HISTORY = "history"
    REVERT = "revert"
    RESTORE = "restore"
    CONNECT = "connect"
    DISCONNECT = "disconnect"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    REASSIGN = "reassign"
    SYNC = "sync"  # ask the sync engine for this session now (Retry sync)


class Verdict(Enum):
    """What the operation should do once it is allowed."""

    PROCEED = "proceed"
    NOTHING_TO_DO = "nothing_to_do"  # e.g. unlock of a free session, close without a lock
    CONFLICTED_COPY = "conflicted_copy"  # a save under a lock an admin broke


@dataclass(frozen=True)
class Actor:
    """Who asks, seen from one session: their name, role and membership of its workspace."""

    name: str
    is_admin: bool = False
    is_member: bool = False
    # for a save: the epoch of the lock the saver's desktop app took, when it says so
    lock_epoch: int | None = None


@dataclass(frozen=True)
class SessionState:
    """What the rules need to know about one session."""

    owner: str
    mode: str = "standalone"
    lock_holder: str | None = None
    lock_since: datetime | None = None
    lock_epoch: int = 0
    broken_lock_holder: str | None = None
    broken_lock_epoch: int | None = None
    trashed: bool = False
    lease_seconds: int | None = None


def effective_holder(state: SessionState, now: datetime) -> str | None:
    """The lock holder, or None when the lock's lease (if any) has run out.

    Jira's archive lock has no lease: only unarchive or an admin ends it.
    """
    if state.lock_holder is None:
        return None
    if state.lock_holder == JIRA_HOLDER or state.lease_seconds is None:
        return state.lock_holder
    if state.lock_since is not None and now >= state.lock_since + timedelta(
        seconds=state.lease_seconds
    ):
        return None
    return state.lock_holder


# -- permission: who may ----------------------------------------------------------------


def _members(actor: Actor, state: SessionState) -> bool:
    return actor.is_member


def _members_or_admins(actor: Actor, state: SessionState) -> bool:
    return actor.is_member or actor.is_admin


def _owner(actor: Actor, state: SessionState) -> bool:
    # the owner while still a member: a user removed from the workspace keeps no right there
    return actor.name == state.owner and actor.is_member


def _owner_or_admin(actor: Actor, state: SessionState) -> bool:
    return _owner(actor, state) or actor.is_admin


def _admins(actor: Actor, state: SessionState) -> bool:
    return actor.is_admin


_WHO: dict[Operation, tuple[Callable[[Actor, SessionState], bool], str, str]] = {
    Operation.LIST: (_members_or_admins, "members_only", "only members of the workspace"),
    Operation.SHOW: (_members_or_admins, "members_only", "only members of the workspace"),
    Operation.HISTORY: (_members_or_admins, "members_only", "only members of the workspace"),
    Operation.IMPORT: (_members, "members_only", "only members of the workspace"),
    Operation.OPEN: (_members, "members_only", "only members of the workspace"),
    Operation.CLOSE: (_members, "members_only", "only members of the workspace"),
    Operation.DUPLICATE: (_owner, "owner_only", "only the session's owner"),
    Operation.DOWNLOAD: (_owner, "owner_only", "only the session's owner"),
    Operation.RENAME: (_owner, "owner_only", "only the session's owner"),
    Operation.MOVE: (_owner, "owner_only", "only the session's owner"),
    Operation.REVERT: (_owner, "owner_only", "only the session's owner"),
    Operation.CONNECT: (_owner, "owner_only", "only the session's owner"),
    Operation.DISCONNECT: (_owner, "owner_only", "only the session's owner"),
    Operation.DELETE: (_owner_or_admin, "owner_or_admin", "only the owner or an admin"),
    Operation.RESTORE: (_owner_or_admin, "owner_or_admin", "only the owner or an admin"),
    Operation.ARCHIVE: (_members_or_admins, "members_only", "only members of the workspace"),
    Operation.UNARCHIVE: (_members_or_admins, "members_only", "only members of the workspace"),
    Operation.REASSIGN: (_admins, "admin_only", "only admins"),
    Operation.SYNC: (_owner_or_admin, "owner_or_admin", "only the owner or an admin"),
}


def _members_only(op: Operation) -> PermissionDenied:
    return PermissionDenied(
        "members_only", f"{op.value}: only members of the workspace may do this [members_only]"
    )


def check_permission(op: Operation, actor: Actor, state: SessionState, now: datetime) -> None:
    """Raise PermissionDenied when the rules table does not let `actor` do `op` at all.

    A lock gives its holder rights only while they are a member of the workspace."""
    if op is Operation.SAVE:
        if not actor.is_member:
            raise _members_only(op)
        holder = effective_holder(state, now)
        if actor.name not in (holder, state.broken_lock_holder):
            if holder is not None and holder != actor.name:
                raise _locked(state, "you do not hold the lock of this session")
            raise PermissionDenied("lock_holder_only", "only the lock holder may save: open it")
        return
    if op is Operation.UNLOCK:
        if actor.is_admin:
            return
        if not actor.is_member:
            raise _members_only(op)
        if effective_holder(state, now) != actor.name:
            raise PermissionDenied(
                "holder_or_admin", "only the lock holder or an admin may unlock a session"
            )
        return
    allowed, rule, who = _WHO[op]
    if not allowed(actor, state):
        raise PermissionDenied(rule, f"{op.value}: {who} may do this [{rule}]")


# -- trash and mode ---------------------------------------------------------------------

_IN_TRASH_OK = {Operation.LIST, Operation.SHOW, Operation.HISTORY, Operation.RESTORE,
                Operation.REASSIGN}


def check_trash(op: Operation, state: SessionState) -> None:
    """A trashed session can only be seen and restored; a live one cannot be restored."""
    if op is Operation.RESTORE and not state.trashed:
        raise Conflict("not_in_trash", "restore: the session is not in the trash [not_in_trash]")
    if state.trashed and op not in _IN_TRASH_OK:
        raise Conflict("in_trash", f"{op.value}: the session is in the trash, restore it first")


def check_mode(op: Operation, state: SessionState) -> None:
    """Connect needs a standalone session, disconnect an xray one."""
    if op is Operation.CONNECT and state.mode == "xray":
        raise Conflict("already_connected", "connect: the session is already Xray-connected")
    if op is Operation.DISCONNECT and state.mode != "xray":
        raise Conflict("not_connected", "disconnect: the session is standalone [not_connected]")


# -- lock -------------------------------------------------------------------------------

# operations that a lock held by someone else does not stop (the table's "allowed")
_LOCK_FREE = {
    Operation.LIST,
    Operation.SHOW,
    Operation.HISTORY,
    Operation.DUPLICATE,
    Operation.DOWNLOAD,
    Operation.RESTORE,
    Operation.IMPORT,
    Operation.REASSIGN,  # the lock stays with its holder
    Operation.SYNC,  # the sync defers what a user's lock holds back, by its own rules
}


def _locked(state: SessionState, why: str) -> Locked:
    holder = state.lock_holder
    return Locked(
        "locked_by_other",
        f"{why}: locked by {holder} [locked_by_other]",
        holder=holder,
        since=state.lock_since,
    )


def check_lock(op: Operation, actor: Actor, state: SessionState, now: datetime) -> Verdict:
    """Refuse with `locked` where the table says so; say what is left to do otherwise."""
    holder = effective_holder(state, now)
    held_by_other = holder is not None and holder != actor.name
    if op is Operation.SAVE:
        if holder == actor.name and actor.lock_epoch in (None, state.lock_epoch):
            return Verdict.PROCEED
        return Verdict.CONFLICTED_COPY  # permission let only the broken lock's holder through
    if op is Operation.UNLOCK:
        return Verdict.PROCEED if holder is not None else Verdict.NOTHING_TO_DO
    if op is Operation.CLOSE:
        if held_by_other:
            raise _locked(state, "close")
        return Verdict.PROCEED if holder is not None else Verdict.NOTHING_TO_DO
    if op is Operation.ARCHIVE:
        # Jira's lock replaces no one's: a session open in the desktop app stays open
        if holder not in (None, JIRA_HOLDER):
            raise _locked(state, "archive")
        return Verdict.PROCEED
    if op is Operation.UNARCHIVE:
        if holder != JIRA_HOLDER:
            raise Conflict("not_archived", "unarchive: the session is not archived [not_archived]")
        return Verdict.PROCEED
    if held_by_other and op not in _LOCK_FREE:
        raise _locked(state, op.value)
    return Verdict.PROCEED


def decide(op: Operation, actor: Actor, state: SessionState, now: datetime) -> Verdict:
    """The whole rules table for one request: permission, trash, mode, then lock."""
    check_permission(op, actor, state, now)
    check_trash(op, state)
    check_mode(op, state)
    return check_lock(op, actor, state, now)


# -- people and teams -------------------------------------------------------------------


class AdminOperation(StrEnum):
    """Managing people and teams (docs/design.md section 6): admins only."""

    ADD_USER = "add_user"
    ISSUE_TOKEN = "issue_token"  # noqa: S105  (an operation's name, not a secret)
    ADD_WORKSPACE = "add_workspace"
    CHANGE_MEMBERS = "change_members"
    READ_AUDIT = "read_audit"
    DISABLE_USER = "disable_user"  # and enable them again
    LIST_USERS = "list_users"  # over the API: who is disabled, when tokens expire


def check_admin_only(op: AdminOperation, actor: Actor | None, subject: str | None = None) -> None:
    """Raise PermissionDenied (`admin_only`) unless an admin asks.

    `actor` None is the bootstrap: `xray-sync init`, the sample data, the first user of an
    empty store; it is allowed. A user may issue a token for themselves (`subject`).
    """
    if actor is None or actor.is_admin:
        return
    if op is AdminOperation.ISSUE_TOKEN and subject == actor.name:
        return
    raise PermissionDenied("admin_only", f"{op.value}: only admins may do this [admin_only]")
