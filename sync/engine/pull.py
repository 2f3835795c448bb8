"""Pull: bring Jira's changes to the store, and the deletion reconcile.

The incremental pull searches each project from its watermark minus the overlap; an
issue whose fields equal the base is an echo of our own write and is skipped. The
planner decides the rest; this module applies its decisions: a rename (compare-and-set,
never under a lock), the configured workflow action of a status, a recorded conflict,
a deferred change (kept in the link's base until the lock ends).

The reconcile lists every marked issue of each project. A failed or empty listing
while links exist is an error, never "everything was deleted"; an issue missing from
a listing is deleted only once `get_issue` confirms it (`NotFound`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from connector.base import IssueRef, IssueSummary
from connector.errors import NotFound
from store import sync_state
from store.sync_state import SyncBase as StoredBase
from store.sync_state import SyncRow
from sync.bridge import parse_action
from sync.engine import scope
from sync.engine.context import EngineContext, plan_base
from sync.engine.plan import (
    Defer,
    DisconnectOnRemoteDeletion,
    LocalView,
    PullRename,
    PullStatus,
    RecordBase,
    RecordConflict,
    Remote,
    RemoteDeleted,
    RemoteView,
    UpdateFields,
    fingerprint,
    is_echo,
    plan_session,
    settles_conflict,
)
from sync.engine.summary import CycleSummary
from sync.engine.watermark import Watermarks
from sync.workflow import Source, Trigger, Workflow

log = logging.getLogger("xray_sync.sync.pull")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EmptyListing(Exception):
    """The reconcile listing came back empty while links exist: nothing is deleted."""

    def __init__(self, project: str, links: int) -> None:
        super().__init__(f"the listing of {project} is empty but {links} link(s) exist: "
                         "nothing was treated as deleted [empty_listing_guard]")
        self.project = project
        self.links = links


# One project's part of a pull or a reconcile: (project, issue types, summary).
ProjectStep = Callable[[str, tuple[str, ...], CycleSummary], None]


class Puller:
    """Applies remote changes to the store."""

    def __init__(self, ctx: EngineContext, workflow: Workflow, marks: Watermarks) -> None:
        self.ctx = ctx
        self.workflow = workflow
        self.marks = marks

    # ---- incremental pull ------------------------------------------------------------

    def pull(self, summary: CycleSummary, stop: threading.Event) -> None:
        """Search every linked project for changes; apply them; retry deferred ones."""
        if self._each_project("pull", self._pull_project, summary, stop):
            self._retry_deferred(summary)

    def _each_project(self, what: str, step: ProjectStep, summary: CycleSummary,
                      stop: threading.Event) -> bool:
        """Runs `step` on every linked project; one project's failure is counted, not raised.

        Returns False when `stop` cut the round short.
        """
        projects = sync_state.linked_projects(self.ctx.db)
        charters = sync_state.charter_projects(self.ctx.db) if projects else frozenset()
        for project in projects:
            if stop.is_set():
                return False
            try:
                step(project, scope.issue_types(project, charters), summary)
            except Exception as exc:
                log.error("%s of %s failed: %s", what, project, exc)
                summary.errors += 1
                summary.error_messages.append(f"{what} {project}: {exc}")
        return True

    def _pull_project(self, project: str, types: tuple[str, ...], summary: CycleSummary) -> None:
        mark = self.marks.get(project) or sync_state.oldest_sync(self.ctx.db, project) or EPOCH
        since = max(EPOCH, mark - timedelta(seconds=self.ctx.overlap_seconds))
        issues = self.ctx.backend.search_changed(project, since, types)
        rows = sync_state.rows_by_key(self.ctx.db, [i.key for i in issues])
        for issue in issues:
            row = rows.get(issue.key)
            if row is not None and row.session_id == (issue.session_id or row.session_id):
                self._one(row, _view(issue), summary)
        if issues:
            self.marks.advance(project, max(i.updated for i in issues))

    def _retry_deferred(self, summary: CycleSummary) -> None:
        for row in sync_state.deferred_rows(self.ctx.db):
            if row.locked or row.trashed or row.base.deferred is None:
                continue
            self._one(row, _deferred_view(row, row.base.deferred), summary)

    # ---- one session -------------------------------------------------------------------

    def _one(self, row: SyncRow, remote: Remote, summary: CycleSummary) -> None:
        base = plan_base(row)
        if base is None:
            return  # never fully pushed: the push phase owns it
        if isinstance(remote, RemoteView) and is_echo(base, remote) and not row.base.deferred:
            return
        try:
            self._apply(row, remote, summary)
        except Exception as exc:
            log.warning("pull of session %s failed: %s", row.session_id, exc)
            summary.errors += 1
            summary.error_messages.append(f"{row.session_id}: {exc}")
            sync_state.record_error(self.ctx.db, row.session_id, f"pull: {exc}", self.ctx.clock())

    def _apply(self, row: SyncRow, remote: Remote, summary: CycleSummary) -> None:
        ctx = self.ctx
        local = LocalView(row.session_id, row.name, row.digest, row.locked, row.trashed)
        plan = plan_session(local, plan_base(row), remote, ctx.policy)
        stored = replace(row.base, deferred=None)
        for action in plan:
            if isinstance(action, DisconnectOnRemoteDeletion):
                assert isinstance(remote, RemoteDeleted)
                deleted = Trigger(Source.PULL, remote.key, deleted=True)
                if self.workflow.apply(parse_action(action.action), row, deleted).changed:
                    summary.pulled += 1
                return
            stored = self._step(row, action, remote, stored, summary)
        if isinstance(remote, RemoteView):
            stored = replace(stored, updated=remote.updated.isoformat())
        sync_state.record_base(ctx.db, row.session_id, base=stored,
                               remote_hash=fingerprint(stored.summary or "", stored.status),
                               now=ctx.clock())
        if settles_conflict(plan):
            sync_state.clear_conflict(ctx.db, row.session_id)

    def _step(self, row: SyncRow, action: object, remote: Remote, stored: StoredBase,
              summary: CycleSummary) -> StoredBase:
        ctx = self.ctx
        if isinstance(action, PullRename):
            if sync_state.apply_remote_rename(ctx.db, row.session_id, expected_name=row.name,
                                              new_name=action.name, now=ctx.clock()):
                summary.pulled += 1
                return replace(stored, summary=action.name)
        elif isinstance(action, PullStatus):
            assert isinstance(remote, RemoteView)
            if action.action:
                moved = Trigger(Source.PULL, remote.key, action.status)
                self.workflow.apply(parse_action(action.action), row, moved)
                summary.pulled += 1
            return replace(stored, status=action.status)
        elif isinstance(action, RecordBase):
            return replace(stored, summary=action.summary or stored.summary,
                           status=action.status or stored.status)
        elif isinstance(action, RecordConflict):
            note = (f"{action.field}: local {action.local!r}, Jira {action.remote!r}; "
                    f"kept {action.kept}")
            sync_state.record_conflict(ctx.db, row.session_id, note, ctx.clock())
            summary.conflicts += 1
        elif isinstance(action, UpdateFields):
            self._push_summary(row, action.summary)
            summary.pushed += 1  # sent from the pull: a rename still counts as pushed
            return replace(stored, summary=action.summary)
        elif isinstance(action, Defer):
            summary.deferred += 1
            return replace(stored, deferred=_deferred_json(remote))
        return stored

    def _push_summary(self, row: SyncRow, name: str) -> None:
        if row.type == "charter":
            assert row.test is not None
            self.ctx.backend.update_test(IssueRef(row.base.ids.get(row.test, row.test), row.test),
                                         summary=name)
        else:
            assert row.test_execution is not None
            self.ctx.backend.update_summary(row.test_execution, name)

    # ---- reconcile ---------------------------------------------------------------------

    def reconcile(self, summary: CycleSummary, stop: threading.Event) -> None:
        """Find issues deleted in Jira; guard against empty or failed listings."""
        self._each_project("reconcile", self._reconcile_project, summary, stop)

    def _reconcile_project(self, project: str, types: tuple[str, ...],
                           summary: CycleSummary) -> None:
        linked = sync_state.linked_keys(self.ctx.db, project)
        if not linked:
            return
        listing = self.ctx.backend.list_linked(project, types)
        if not listing:
            raise EmptyListing(project, len(linked))
        present = {item.key for item in listing}
        missing = [key for key in linked if key not in present]
        rows = sync_state.rows_by_key(self.ctx.db, missing)
        for key in missing:
            try:
                self.ctx.backend.get_issue(key)
                continue  # listed late (search is eventually consistent): still there
            except NotFound:
                pass
            if key in rows:
                self._one(rows[key], RemoteDeleted(key), summary)


def _view(issue: IssueSummary) -> RemoteView:
    return RemoteView(issue.key, issue.summary, issue.status, issue.updated)


def _deferred_json(remote: Remote) -> dict[str, str] | None:
    if isinstance(remote, RemoteDeleted):
        return {"deleted": remote.key}
    if isinstance(remote, RemoteView):
        return {"key": remote.key, "summary": remote.summary, "status": remote.status,
                "updated": remote.updated.isoformat()}
    return None


def _deferred_view(row: SyncRow, deferred: dict[str, str]) -> Remote:
    if "deleted" in deferred:
        return RemoteDeleted(deferred["deleted"])
    return RemoteView(deferred["key"], deferred["summary"], deferred["status"],
                      datetime.fromisoformat(deferred["updated"]))
