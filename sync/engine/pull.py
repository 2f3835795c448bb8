"""Pull: bring Jira's changes to the store, and the deletion reconcile.

The incremental pull searches each project from its watermark minus the overlap; an
issue whose fields equal the base is an echo of our own write and is skipped. The
planner decides the rest and `sync.engine.actions` carries it out: a rename
(compare-and-set, never under a lock), the configured workflow action of a status, a
recorded conflict, a deferred change (kept in the link's base until the lock ends).

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

from connector.base import IssueSummary
from connector.errors import NotFound
from store import sync_state
from store.sync_state import SyncRow
from sync.engine import scope
from sync.engine.actions import SessionRun
from sync.engine.context import EngineContext, plan_base
from sync.engine.plan import (
    Action,
    Remote,
    RemoteDeleted,
    RemoteView,
    fingerprint,
    is_echo,
)
from sync.engine.summary import CycleSummary
from sync.engine.watermark import Watermarks
from sync.workflow import Workflow

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


# A dry run's sink: (phase, row, remote, the planner's actions), recorded, not applied.
Recorder = Callable[[str, SyncRow, Remote, tuple[Action, ...]], None]


class Puller:
    """Applies remote changes to the store (or, given a `recorder`, only tells them: a dry
    run, which also leaves the watermarks where they are)."""

    def __init__(self, ctx: EngineContext, workflow: Workflow, marks: Watermarks,
                 recorder: Recorder | None = None,
                 renew: Callable[[], None] = lambda: None) -> None:
        self.ctx = ctx
        self.workflow = workflow
        self.marks = marks
        self.recorder = recorder
        self._renew = renew  # keeps the pull lease while a long pull runs

    # ---- incremental pull ------------------------------------------------------------

    def pull(self, summary: CycleSummary, stop: threading.Event) -> None:
        """Search every linked project for changes; apply them; retry deferred ones."""

        def renewed(project: str, types: tuple[str, ...], summary: CycleSummary) -> None:
            self._renew()
            self._pull_project(project, types, summary)

        if self._each_project("pull", renewed, summary, stop):
            self._retry_deferred(summary)

    def _each_project(self, what: str, step: ProjectStep, summary: CycleSummary,
                      stop: threading.Event) -> bool:
        """Runs `step` on every linked project; one project's failure is counted, not raised.

        Returns False when `stop` cut the round short.
        """
        projects = sync_state.linked_projects(self.ctx.engine)
        charters = sync_state.charter_projects(self.ctx.engine) if projects else frozenset()
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
        mark = self.marks.get(project) or sync_state.oldest_sync(self.ctx.engine, project) or EPOCH
        since = max(EPOCH, mark - timedelta(seconds=self.ctx.overlap_seconds))
        issues = self.ctx.backend.search_changed(project, since, types)
        rows = sync_state.rows_by_key(self.ctx.engine, [i.key for i in issues])
        for issue in issues:
            row = rows.get(issue.key)
            if row is not None and row.session_id == (issue.session_id or row.session_id):
                self._one(row, _view(issue), summary)
        if issues and self.recorder is None:
            self.marks.advance(project, max(i.updated for i in issues))

    def _retry_deferred(self, summary: CycleSummary) -> None:
        for row in sync_state.deferred_rows(self.ctx.engine):
            locked = row.user_locked(self.ctx.clock(), self.ctx.lock_lease_seconds)
            if locked or row.trashed or row.base.deferred is None:
                continue
            self._one(row, _deferred_view(row, row.base.deferred), summary)

    # ---- one session -------------------------------------------------------------------

    def _one(self, row: SyncRow, remote: Remote, summary: CycleSummary) -> None:
        base = plan_base(row)
        if base is None:
            return  # never fully pushed: the push phase owns it
        if isinstance(remote, RemoteView) and is_echo(base, remote) and not row.base.deferred:
            return
        if self.recorder is not None:
            phase = "reconcile" if isinstance(remote, RemoteDeleted) else "pull"
            plan = SessionRun(self.ctx, self.workflow, row, remote, "pull").plan()
            self.recorder(phase, row, remote, plan)
            return
        try:
            self._apply(row, remote, summary)
        except Exception as exc:
            log.warning("pull of session %s failed: %s", row.session_id, exc)
            summary.errors += 1
            summary.error_messages.append(f"{row.session_id}: {exc}")
            sync_state.record_error(self.ctx.engine, row.session_id, f"pull: {exc}",
                                    self.ctx.clock())

    def _apply(self, row: SyncRow, remote: Remote, summary: CycleSummary) -> None:
        ctx = self.ctx
        run = SessionRun(ctx, self.workflow, row, remote, "pull")
        plan = run.plan()
        stored = run.carry_out(plan, replace(row.base, deferred=None))
        run.tally.add_to(summary)
        if run.left_sync:
            return
        if isinstance(remote, RemoteView):
            stored = replace(stored, updated=remote.updated.isoformat())
        sync_state.record_base(ctx.engine, row.session_id, base=stored,
                               remote_hash=fingerprint(stored.summary or "", stored.status),
                               now=ctx.clock())
        run.settle(plan)

    # ---- reconcile ---------------------------------------------------------------------

    def reconcile(self, summary: CycleSummary, stop: threading.Event) -> None:
        """Find issues deleted in Jira; guard against empty or failed listings."""
        self._each_project("reconcile", self._reconcile_project, summary, stop)

    def _reconcile_project(self, project: str, types: tuple[str, ...],
                           summary: CycleSummary) -> None:
        linked = sync_state.linked_keys(self.ctx.engine, project)
        if not linked:
            return
        listing = self.ctx.backend.list_linked(project, types)
        if not listing:
            raise EmptyListing(project, len(linked))
        present = {item.key for item in listing}
        missing = [key for key in linked if key not in present]
        rows = sync_state.rows_by_key(self.ctx.engine, missing)
        for key in missing:
            try:
                self.ctx.backend.get_issue(key)
                continue  # listed late (search is eventually consistent): still there
            except NotFound:
                pass
            if key in rows:
                self._one(rows[key], RemoteDeleted(key), summary)


def _view(issue: IssueSummary) -> RemoteView:
    return RemoteView(issue.key, issue.summary, issue.status, issue.updated, issue.status_id,
                      issue.status_category)


def _deferred_view(row: SyncRow, deferred: dict[str, str]) -> Remote:
    if "deleted" in deferred:
        return RemoteDeleted(deferred["deleted"])
    return RemoteView(deferred["key"], deferred["summary"], deferred["status"],
                      datetime.fromisoformat(deferred["updated"]),
                      deferred.get("status_id", ""), deferred.get("status_category", ""))
