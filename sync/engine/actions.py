"""Carry the planner's actions out: the one place each action of `sync.engine.plan` is handled.

Both phases come here with one session's plan: the push (a claimed session, planned with
no remote state) and the pull (planned against what Jira reported). Each action is one
case of an exhaustive `match`, so an action added to the planner is a type error until it
is handled here. An action that belongs to the other phase is left to it: the pull never
creates nor sends content (the push does, under its claim on the outbox).

Counts are kept per session (`Tally`) and added to the cycle's summary by the caller, so
that the push's threads never share one: a conflict counts where it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Literal, assert_never

from store import sync_state
from store.sync_state import LinkBase, SyncRow
from sync.bridge import parse_action
from sync.engine import purge
from sync.engine.context import EngineContext, plan_base
from sync.engine.plan import (
    Action,
    CreateRemote,
    Defer,
    DisconnectOnRemoteDeletion,
    LocalView,
    PullRename,
    PullStatus,
    PushContent,
    RecordBase,
    RecordConflict,
    Remote,
    RemoteDeleted,
    RemoteView,
    UpdateFields,
    fingerprint,
    plan_session,
    settles_conflict,
)
from sync.engine.push import first_push, push_content, push_summary
from sync.engine.summary import CycleSummary
from sync.workflow import Source, Trigger, Workflow

Phase = Literal["push", "pull"]
Entry = tuple[int, str, str]


@dataclass
class Tally:
    """What carrying one session's plan out did, in the cycle summary's terms."""

    pushed: int = 0
    created: int = 0
    pulled: int = 0
    conflicts: int = 0
    deferred: int = 0
    deferred_messages: list[str] = field(default_factory=list)  # "ID: why it waits"

    def add_to(self, summary: CycleSummary) -> None:
        """Add these counts to the cycle's summary (the caller holds any lock it needs)."""
        for item in fields(self):
            name = item.name
            setattr(summary, name, getattr(summary, name) + getattr(self, name))


class SessionRun:
    """One session's plan, carried out in one phase."""

    def __init__(self, ctx: EngineContext, workflow: Workflow, row: SyncRow, remote: Remote,
                 phase: Phase) -> None:
        self.ctx = ctx
        self.workflow = workflow
        self.row = row
        self.remote = remote
        self.phase = phase
        self.tally = Tally()
        self.left_sync = False  # a deletion made the session standalone: nothing to record
        self._content_planned = False

    def plan(self) -> tuple[Action, ...]:
        """The planner's decision for this session now."""
        row = self.row
        locked = row.user_locked(self.ctx.clock(), self.ctx.lock_lease_seconds)
        local = LocalView(row.session_id, row.name, row.digest, locked, row.trashed)
        return plan_session(local, plan_base(row), self.remote, self.ctx.policy)

    def carry_out(self, plan: tuple[Action, ...], base: LinkBase) -> LinkBase:
        """Each action in turn; the base both sides agree on afterwards."""
        self._content_planned = any(isinstance(action, PushContent) for action in plan)
        for action in plan:
            base = self._one(action, base)
            if self.left_sync:
                break
        return base

    def _one(self, action: Action, base: LinkBase) -> LinkBase:
        pushing = self.phase == "push"
        match action:
            case CreateRemote():
                return self._wrote(first_push(self.ctx, self.row), created=True) if pushing \
                    else base  # the push phase creates, under its claim
            case PushContent():
                return self._wrote(push_content(self.ctx, self.row)) if pushing else base
            case UpdateFields(summary=name):
                if not (pushing and self._content_planned):  # else the content carries it
                    push_summary(self.ctx, self.row, name)
                    self.tally.pushed = 1  # sent from the pull too: a rename counts as pushed
                return replace(base, summary=name)
            case PullRename(name=name):
                return self._pull_rename(base, name)
            case PullStatus(status=status, action=configured):
                if configured:
                    moved = Trigger(Source.PULL, self._key(), status)
                    self.workflow.apply(parse_action(configured), self.row, moved)
                    self.tally.pulled += 1
                return replace(base, status=status)
            case DisconnectOnRemoteDeletion(action=configured):
                deleted = Trigger(Source.PULL, self._key(), deleted=True)
                if self.workflow.apply(parse_action(configured), self.row, deleted).changed:
                    self.tally.pulled += 1
                self.left_sync = True
                return base
            case RecordBase(summary=summary, status=status):
                return replace(base, summary=summary or base.summary, status=status or base.status)
            case RecordConflict():
                self._conflict(action)
                return base
            case Defer(reason=reason):
                self.tally.deferred += 1
                self.tally.deferred_messages.append(f"{self.row.session_id}: {reason}")
                return replace(base, deferred=deferred_json(self.remote))
            case _:
                assert_never(action)

    def _wrote(self, base: LinkBase, *, created: bool = False) -> LinkBase:
        self.tally.pushed = 1
        self.tally.created = int(created)
        return base

    def _key(self) -> str:
        assert self.remote is not None  # a pull action comes from what Jira reported
        return self.remote.key

    def _pull_rename(self, base: LinkBase, name: str) -> LinkBase:
        renamed = sync_state.apply_remote_rename(
            self.ctx.engine, self.row.session_id, expected_name=self.row.name, new_name=name,
            now=self.ctx.clock(), lease_seconds=self.ctx.lock_lease_seconds)
        if not renamed:
            return base  # a local change or a lock got there first: the next cycle decides
        self.tally.pulled += 1
        return replace(base, summary=name)

    def _conflict(self, action: RecordConflict) -> None:
        note = (f"{action.field}: local {action.local!r}, Jira {action.remote!r}; "
                f"kept {action.kept}")
        sync_state.record_conflict(self.ctx.engine, self.row.session_id, note, self.ctx.clock())
        self.tally.conflicts += 1

    def settle(self, plan: tuple[Action, ...]) -> None:
        """Drop an old conflict note once the summary synced again with no new conflict."""
        if settles_conflict(plan):
            sync_state.clear_conflict(self.ctx.engine, self.row.session_id)


def push_session(ctx: EngineContext, workflow: Workflow, session_id: str, entries: list[Entry],
                 row: SyncRow | None = None) -> Tally:
    """Push one claimed session (`row`: its state, read after the claim, if the caller has
    it); raises the connector's error when Jira refused or failed."""
    entry_ids = [entry_id for entry_id, _, _ in entries]
    if row is None:
        row = sync_state.load_rows(ctx.engine, [session_id]).get(session_id)
    if row is None or row.mode != "xray":
        # purged: `[sync] on_purge` (raises to keep the entry when Jira fails); disconnected
        # or never linked: Jira's issues stay as they are (docs/design.md 3)
        purged = purge.purged_issue(session_id, entries) if row is None else None
        changed = purged is not None and purge.carry_out(ctx.backend, ctx.purge, purged)
        sync_state.complete(ctx.engine, entry_ids)
        return Tally(pushed=int(changed))
    run = SessionRun(ctx, workflow, row, None, "push")
    plan = run.plan()
    base = replace(run.carry_out(plan, row.base), create_started=False, import_started=False)
    sync_state.record_synced(
        ctx.engine, row.session_id, base=base, digest=row.digest,
        remote_hash=fingerprint(base.summary or "", base.status), now=ctx.clock(),
        done_entries=entry_ids,
    )
    run.settle(plan)
    return run.tally


def deferred_json(remote: Remote) -> dict[str, str] | None:
    """A remote change kept in the link's base until the lock (or the trash) ends."""
    if isinstance(remote, RemoteDeleted):
        return {"deleted": remote.key}
    if isinstance(remote, RemoteView):
        return {"key": remote.key, "summary": remote.summary, "status": remote.status,
                "updated": remote.updated.isoformat(), "status_id": remote.status_id,
                "status_category": remote.status_category}
    return None
