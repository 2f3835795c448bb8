"""The pure sync planner: one session's local state, its last synced base and the remote
state in, a tuple of small actions out. No I/O, no clock.

The shape follows vdirsyncer: the three views are compared field by field against the
base (what both sides agreed on at the last sync). A side differs from the base when it
changed; when both changed the same field to different values, `conflict_policy`
decides and the conflict is recorded. A locked session's pulls are deferred: its name,
content and state do not change under the desktop app; pushes still send the last saved
version. Our own writes come back from Jira's search with a new `updated` timestamp but
the same fields: they are recognised by their fingerprint (echo suppression).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from connector.statuses import StatusRef, find_status

ConflictPolicy = Literal["local", "remote"]


@dataclass(frozen=True)
class LocalView:
    """An `xray` session as the store holds it now."""

    session_id: str
    name: str
    digest: str  # the content digest of the current saved version
    locked: bool
    trashed: bool = False


@dataclass(frozen=True)
class SyncBase:
    """What both sides agreed on at the last successful sync (from the link)."""

    test_execution: str  # the Test Execution key
    summary: str  # the summary = the local name at that sync
    status: str | None  # the Test Execution's Jira status at that sync
    digest: str | None  # the content digest pushed last (None: content never pushed)


@dataclass(frozen=True)
class RemoteView:
    """The Test Execution as Jira reported it this cycle."""

    key: str
    summary: str
    status: str
    updated: datetime
    status_id: str = ""  # stable where the name is renamed or translated
    status_category: str = ""  # new, indeterminate or done


@dataclass(frozen=True)
class RemoteDeleted:
    """The reconcile listing (a non-empty, successful one) no longer has this issue."""

    key: str


# None: Jira said nothing about this issue this cycle (unchanged since the watermark).
Remote = RemoteView | RemoteDeleted | None


# ---- actions --------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateRemote:
    """Never pushed: create the Test, the Test Execution and its run, record the link."""

    session_id: str
    name: str
    digest: str


@dataclass(frozen=True)
class UpdateFields:
    """Renamed locally since the base: the Jira summary follows."""

    session_id: str
    test_execution: str
    summary: str


@dataclass(frozen=True)
class PushContent:
    """Saved locally since the base: the run's status, comment, evidence and defects follow."""

    session_id: str
    test_execution: str
    digest: str


@dataclass(frozen=True)
class PullRename:
    """Renamed in Jira since the base, and not locally: the local name follows."""

    session_id: str
    name: str


@dataclass(frozen=True)
class PullStatus:
    """The Test Execution moved to another status: run the configured workflow action."""

    session_id: str
    status: str
    action: str | None  # from [workflow.on_status]; None: only remember the status


@dataclass(frozen=True)
class DisconnectOnRemoteDeletion:
    """The Test Execution was deleted in Jira: the session becomes standalone, data kept."""

    session_id: str
    action: str  # [workflow] on_delete, "disconnect" by default


@dataclass(frozen=True)
class RecordConflict:
    """Both sides changed the same field differently: the policy's winner is kept, noted."""

    session_id: str
    field: str
    local: str
    remote: str
    kept: ConflictPolicy


@dataclass(frozen=True)
class RecordBase:
    """Both sides agree (same rename on both, a first status): move the base only."""

    session_id: str
    summary: str | None = None  # None: the base's summary stays
    status: str | None = None  # None: the base's status stays


@dataclass(frozen=True)
class Defer:
    """Remote changes wait: the session is locked (or trashed) and must not change now."""

    session_id: str
    reason: str


Action = (
    CreateRemote
    | UpdateFields
    | PushContent
    | PullRename
    | PullStatus
    | DisconnectOnRemoteDeletion
    | RecordConflict
    | RecordBase
    | Defer
)

PULL_ACTIONS = (PullRename, PullStatus, DisconnectOnRemoteDeletion)
PUSH_ACTIONS = (CreateRemote, UpdateFields, PushContent)


@dataclass(frozen=True)
class Policy:
    """The configured choices the planner needs."""

    conflict: ConflictPolicy = "local"
    on_status: Mapping[str, str] | None = None
    on_delete: str = "disconnect"


def fingerprint(summary: str, status: str | None) -> str:
    """The content hash of the fields we sync from the Test Execution (echo suppression)."""
    blob = json.dumps({"summary": summary, "status": status}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def plan_session(
    local: LocalView, base: SyncBase | None, remote: Remote, policy: Policy = Policy()
) -> tuple[Action, ...]:
    """Decide what to do for one session; an empty tuple means both sides agree."""
    if base is None:
        # first push (or one whose create never got recorded: the pusher checks the marker)
        return (CreateRemote(local.session_id, local.name, local.digest),)
    if isinstance(remote, RemoteDeleted):
        return _remote_deleted(local, policy)
    actions: list[Action] = []
    actions.extend(_plan_summary(local, base, remote, policy))
    actions.extend(_plan_status(local, base, remote, policy))
    if local.digest != base.digest:
        # content saved since the last push (the last saved version is sent, lock or not)
        actions.append(PushContent(local.session_id, base.test_execution, local.digest))
    return tuple(actions)


def _frozen(local: LocalView) -> bool:
    # a locked session's content is in flux; a trashed one waits for restore or purge
    return local.locked or local.trashed


def _remote_deleted(local: LocalView, policy: Policy) -> tuple[Action, ...]:
    if _frozen(local):
        return (Defer(local.session_id, "remote deletion waits for the lock to end"),)
    return (DisconnectOnRemoteDeletion(local.session_id, policy.on_delete),)


def _plan_summary(
    local: LocalView, base: SyncBase, remote: RemoteView | None, policy: Policy
) -> list[Action]:
    remote_summary = base.summary if remote is None else remote.summary
    local_changed = local.name != base.summary
    remote_changed = remote_summary != base.summary
    sid = local.session_id
    if not remote_changed:
        return [UpdateFields(sid, base.test_execution, local.name)] if local_changed else []
    if not local_changed:
        if _frozen(local):
            return [Defer(sid, "remote rename waits for the lock to end")]
        return [PullRename(sid, remote_summary)]
    if local.name == remote_summary:
        # the same rename on both sides
        return [RecordBase(sid, summary=local.name)]
    note = RecordConflict(sid, "summary", local.name, remote_summary, policy.conflict)
    if policy.conflict == "local":
        return [note, UpdateFields(sid, base.test_execution, local.name)]
    if _frozen(local):
        return [Defer(sid, "conflicting remote rename waits for the lock to end")]
    return [note, PullRename(sid, remote_summary)]


def _plan_status(
    local: LocalView, base: SyncBase, remote: RemoteView | None, policy: Policy
) -> list[Action]:
    if remote is None or remote.status == base.status:
        return []
    if base.status is None:
        # the first status we learn (right after a create) is adopted, not acted upon
        return [RecordBase(local.session_id, status=remote.status)]
    if _frozen(local):
        return [Defer(local.session_id, f"status {remote.status!r} waits for the lock to end")]
    moved_to = StatusRef(remote.status, remote.status_id, remote.status_category)
    action = find_status(policy.on_status or {}, moved_to)
    return [PullStatus(local.session_id, remote.status, action)]


def settles_conflict(plan: tuple[Action, ...]) -> bool:
    """True when the plan carries a later change of the summary to the other side with no new
    conflict: both sides agree again on a name someone chose, and an old conflict note is over."""
    if any(isinstance(action, RecordConflict) for action in plan):
        return False
    return any(isinstance(action, UpdateFields | PullRename)
               or (isinstance(action, RecordBase) and action.summary is not None)
               for action in plan)


def is_echo(base: SyncBase, remote: RemoteView) -> bool:
    """True when the remote fields are exactly those we last agreed on (our own write)."""
    return fingerprint(remote.summary, remote.status) == fingerprint(base.summary, base.status)
