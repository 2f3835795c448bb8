"""A dry run: what the next cycle would create, update, pull and defer, and the requests it
would cost, found without a write anywhere.

The pull phase runs as usual but through a `ReadOnlyBackend` (a write raises
`DryRunWrite`: none can slip out) with its decisions recorded instead of applied, and no
watermark moved; the push phase reads the outbox without claiming it. Each planned step
carries the writes it would send, counted as `connector.push` and `sync.engine.push`
send them (docs/connector.md, "Request budget"); the reads the planning itself sent are
the reads the cycle would send again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from connector.base import Backend
from connector.cloud import CloudBackend
from connector.fake import FakeBackend
from connector.jira_side import JiraSide
from store import sync_state
from store.sync_state import SyncRow
from sync.engine import purge
from sync.engine.actions import SessionRun
from sync.engine.content import read_content
from sync.engine.context import EngineContext, remote_key
from sync.engine.plan import (
    Action,
    CreateRemote,
    Defer,
    DisconnectOnRemoteDeletion,
    PullRename,
    PullStatus,
    PushContent,
    RecordConflict,
    Remote,
    UpdateFields,
)
from sync.workflow import Workflow

PUSHING = ("create", "update", "rename", "purge")
PULLING = ("pull", "status", "delete")


@dataclass(frozen=True)
class Step:
    """One thing the cycle would do to one session, and the writes it would send."""

    phase: str  # "pull", "reconcile" or "push"
    kind: str  # create, update, rename, purge, pull, status, delete, defer, conflict
    session_id: str
    name: str
    detail: str
    requests: int = 0
    xray: bool = False  # it calls Xray (Cloud: needs a token)
    fields: bool = False  # it needs Xray's field ids (Data Center: discovered once)

    def to_json(self) -> dict[str, Any]:
        return {"phase": self.phase, "kind": self.kind, "session": self.session_id,
                "name": self.name, "detail": self.detail, "requests": self.requests}


@dataclass
class SyncPlan:
    """The steps of the next cycle; `reads` the requests spent finding them."""

    deployment: str
    steps: list[Step] = field(default_factory=list)
    reads: int = 0
    # Cloud with batched run updates: a session's first push lists Jira's fields once, for
    # the ids of the execution's Begin and End Date
    cloud_fields: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return sum(step.requests for step in self.steps)

    @property
    def setup(self) -> int:
        """Once per process: Xray's token on Cloud, Xray's field ids on Data Center."""
        if self.deployment == "cloud":
            dates = self.cloud_fields and any(s.kind == "create" and s.fields
                                              for s in self.steps)
            return int(any(step.xray for step in self.steps)) + int(dates)
        return int(any(step.fields for step in self.steps))

    def counts(self) -> dict[str, int]:
        """The cycle summary's counts this plan would make."""
        return {
            "created": sum(s.kind == "create" for s in self.steps),
            "pushed": sum(s.kind in PUSHING and (s.kind != "purge" or s.requests > 0)
                          for s in self.steps),  # a rename sent by the pull counts too
            "pulled": sum(s.kind in PULLING for s in self.steps),
            "conflicts": sum(s.kind == "conflict" for s in self.steps),
            "deferred": sum(s.kind == "defer" for s in self.steps),
        }

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": True, "steps": [s.to_json() for s in self.steps],
                "counts": self.counts(), "errors": list(self.errors),
                "requests": {"reads": self.reads, "writes": self.writes, "setup": self.setup,
                             "total": self.reads + self.writes + self.setup}}


class DryRunWrite(Exception):
    """A dry run reached a write: a bug, refused before anything was sent."""


_READS = ("search_changed", "list_linked", "get_issue", "get_test_run", "find_by_marker",
          "ping")


class ReadOnlyBackend:
    """A backend's reads, passed through; any write raises `DryRunWrite` unsent."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.deployment = backend.deployment
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        if name not in _READS:
            def refuse(*_args: Any, **_kwargs: Any) -> Any:
                raise DryRunWrite(f"a dry run may not call {name} [dry_run_reads_only]")
            return refuse
        method = getattr(self._backend, name)

        def read(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return method(*args, **kwargs)
        return read


def requests_sent(backend: Backend) -> int | None:
    """How many requests `backend` has sent (its channels' counters; the fake's calls)."""
    if isinstance(backend, CloudBackend):
        return backend.channel.sent + backend.xray.channel.sent
    if isinstance(backend, JiraSide):
        return backend.channel.sent
    if isinstance(backend, FakeBackend):
        return sum(backend.calls.values())
    return None


# ---- pull: the planner's actions as steps -----------------------------------------------


def pull_steps(phase: str, row: SyncRow, remote: Remote,
               actions: Sequence[Action]) -> list[Step]:
    """What applying `actions` (the plan of a pulled change) would do."""
    key = remote.key if remote is not None else (remote_key(row) or "")
    steps = []
    for action in actions:
        found = _pull_step(key, row, action)
        if found is not None:
            kind, detail, requests = found
            steps.append(Step(phase, kind, row.session_id, row.name, detail, requests))
    return steps


def _pull_step(key: str, row: SyncRow, action: Action) -> tuple[str, str, int] | None:
    if isinstance(action, PullRename):
        return "pull", f"{key} renamed in Jira: {row.name!r} -> {action.name!r}", 0
    if isinstance(action, PullStatus) and action.action:
        return "status", f"{key} moved to {action.status!r}: {action.action}", 0
    if isinstance(action, DisconnectOnRemoteDeletion):
        return "delete", f"{key} is gone from Jira: {action.action}", 0
    if isinstance(action, RecordConflict):
        return ("conflict", f"{action.field}: here {action.local!r}, Jira {action.remote!r}; "
                f"keeps {action.kept}", 0)
    if isinstance(action, UpdateFields):
        return "rename", f"{key}'s summary follows the name here: {action.summary!r}", 1
    if isinstance(action, Defer):
        return "defer", f"{key} changed in Jira; waits: {action.reason}", 0
    return None  # the base moves, nothing else happens


# ---- push: the outbox, unclaimed ----------------------------------------------------------


def push_steps(ctx: EngineContext, workflow: Workflow, only: frozenset[str] | None,
               limit: int) -> list[Step]:
    """The sessions the push phase would take now, and what it would send for each."""
    queue = sync_state.pending_sessions(ctx.engine, ctx.clock(), limit, only)
    entries = sync_state.pending_entries(ctx.engine, queue)
    rows = sync_state.load_rows(ctx.engine, queue)
    steps: list[Step] = []
    for sid in queue:
        step = _push_step(ctx, workflow, sid, entries[sid], rows.get(sid))
        if step is not None:
            steps.append(step)
    return steps


def _push_step(ctx: EngineContext, workflow: Workflow, sid: str, entries: list[purge.Entry],
               row: SyncRow | None) -> Step | None:
    if row is None:
        issue = purge.purged_issue(sid, entries)
        if issue is None:
            return None
        cost = {"leave": 0, "transition": 2, "comment": 1}[ctx.purge.action]
        return Step("push", "purge", sid, issue.name or "", f"{issue.key}: on_purge = "
                    f"{ctx.purge.action}", cost)
    if row.mode != "xray":
        return None
    plan = SessionRun(ctx, workflow, row, None, "push").plan()
    recover = int(row.base.create_started)  # the marker is looked up first
    charter = row.type == "charter"
    if any(isinstance(a, CreateRemote) for a in plan):
        what = "the charter's Test" if charter else "a Test, a Test Execution, its run, a link"
        # a session: its new Bugs' bulk create (if any), the one import, the link, and on
        # Cloud the marker search for the Test the import made (its answer names none)
        cloud = ctx.backend.deployment == "cloud"
        extra = 0 if charter else (_new_bugs(ctx, row) + int(bool(ctx.console_url))
                                   + int(cloud))
        return Step("push", "create", sid, row.name, what, 1 + extra + recover,
                    xray=True, fields=not (charter and cloud))
    if any(isinstance(a, PushContent) for a in plan):
        return _content_step(ctx, row, recover)
    rename = next((a for a in plan if isinstance(a, UpdateFields)), None)
    if rename is not None:
        return Step("push", "rename", sid, row.name,
                    f"{remote_key(row)}'s summary -> {rename.summary!r}", 1)
    return None


def _new_bugs(ctx: EngineContext, row: SyncRow) -> int:
    """1 when the session's timeline holds defects not in Jira yet (one bulk create)."""
    content = read_content(ctx.blobs.path(row.digest), row.name, row.digest)
    return int(any(d not in row.base.defects for d in content.defects))


def _content_step(ctx: EngineContext, row: SyncRow, recover: int) -> Step:
    if row.type == "charter":  # the Test's summary (Jira) and mission (GraphQL on Cloud)
        cost = 2 if ctx.backend.deployment == "cloud" else 1
        return Step("push", "update", row.session_id, row.name, f"{row.test}: the mission",
                    cost, xray=True, fields=True)
    content = read_content(ctx.blobs.path(row.digest), row.name, row.digest)
    new_bugs = [d for d in content.defects if d not in row.base.defects]
    evidence = [e for e in content.evidence if e.digest not in row.base.evidence]
    detail = (f"{row.test_execution}: the run ({len(evidence)} new evidence, "
              f"{len(new_bugs)} new Bug(s))")
    cost = 1 + int(bool(new_bugs)) + 2 * recover  # a recovery looks up and re-links
    return Step("push", "update", row.session_id, row.name, detail, cost, xray=True)


Record = Callable[[str, SyncRow, Remote, tuple[Action, ...]], None]


def plan_cycle(ctx: EngineContext, workflow: Workflow,
               pull: Callable[[Record, bool], list[str]],
               only: frozenset[str] | None, reconcile: bool, limit: int) -> SyncPlan:
    """The plan of one cycle; `pull(record, reconcile)` runs the pull (and the reconcile)
    with `record(phase, row, remote, actions)` as its sink and returns its errors."""
    plan = SyncPlan(deployment=ctx.backend.deployment,
                    cloud_fields=getattr(ctx.backend, "batcher", None) is not None)
    before = requests_sent(ctx.backend)
    lock = threading.Lock()

    def record(phase: str, row: SyncRow, remote: Remote, actions: tuple[Action, ...]) -> None:
        with lock:
            plan.steps.extend(pull_steps(phase, row, remote, actions))

    plan.errors.extend(pull(record, reconcile))
    after = requests_sent(ctx.backend)
    plan.reads = after - before if after is not None and before is not None else 0
    plan.steps.extend(push_steps(ctx, workflow, only, limit))
    return plan
