"""The daemon's scheduler: an APScheduler 3 `BackgroundScheduler` running the sync.

Jobs are built from the config once, at start-up, in the memory job store, each with
`coalesce=True`, `max_instances=1` and a `misfire_grace_time` near its interval:

    sync          every [sync] interval            push the outbox, pull from Jira
    reconcile     every [sync] reconcile_interval  the cheap listing that finds deletions
    lock-leases   when [store] lock_lease_seconds  expire locks whose lease ran out
    trash-purge   hourly                           purge the trash past its retention, and
                                                   the webhook delivery ids past theirs (7 days)

A "run now" (`request`) never gets lost: when no cycle runs the sync job is woken at
once; while one runs, the request is remembered and the running job goes round once
more before it returns (APScheduler itself would drop a run past `max_instances`).
Sync and reconcile cycles never overlap. `stop` ends it all within a bound: the engine
stops between sessions when asked.

The process around it (the HTTP API, the signals) is `sync.daemon`'s.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from store.columns import utc_now
from sync import metrics
from sync.config import Config
from sync.engine.dry_run import SyncPlan
from sync.engine.summary import CycleSummary
from sync.progress import CycleProgress

# the same logger as `sync.daemon`: an operator filters every line of the daemon by one
# name (docs/running-as-a-service.md shows one)
log = logging.getLogger("xray_sync.daemon")

JOB_SYNC = "sync"
JOB_RECONCILE = "reconcile"
JOB_LEASES = "lock-leases"
JOB_PURGE = "trash-purge"
PURGE_INTERVAL_SECONDS = 3600
PROGRESS_LOG_SECONDS = 10.0  # a cycle longer than this logs where it stands, this often
STOP_TIMEOUT_SECONDS = 10.0


class CycleRunner(Protocol):
    """The engine as the daemon drives it."""

    def sync(self, session_ids: frozenset[str] | None, stop: threading.Event,
             progress: Callable[[int, int], None] | None = None) -> CycleSummary:
        """One push + pull cycle over every session (or only these); stops early on `stop`;
        `progress(done, total)` as sessions are pushed."""

    def reconcile(self, stop: threading.Event) -> CycleSummary:
        """The deletion listing and what follows from it."""

    def outbox_depth(self) -> int:
        """How many outbox entries wait to be pushed."""

    def plan(self, session_ids: frozenset[str] | None, reconcile: bool = False) -> SyncPlan:
        """A dry run of the next cycle: reads only."""


class Housekeeping(Protocol):
    """The store's periodic chores (`store.api.Store` provides them)."""

    def expire_leases(self) -> list[str]: ...

    def purge_trash(self, older_than: datetime | None = None) -> list[str]: ...

    def purge_deliveries(self, older_than: datetime | None = None) -> int: ...


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job as the config asks for it."""

    id: str
    seconds: int
    func: Callable[[], None]

    @property
    def misfire_grace_time(self) -> int:
        # a run that fires late by up to about an interval still runs (then coalesces)
        return max(1, int(self.seconds * 0.9))


class Daemon:
    """The scheduler and its jobs; implements `sync.control.SyncControl`."""

    def __init__(
        self,
        config: Config,
        runner: CycleRunner,
        housekeeping: Housekeeping | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self.runner = runner
        self.housekeeping = housekeeping
        self.clock = clock
        self.scheduler = BackgroundScheduler(timezone=UTC)
        self.stopping = threading.Event()
        self._lock = threading.Lock()  # guards the fields below
        self._cycle_lock = threading.Lock()  # sync and reconcile never overlap
        self._idle = threading.Event()
        self._idle.set()
        self._running = False
        self._pending_all = False
        self._pending_ids: set[str] = set()
        self._pending_reconcile = False
        self._last: CycleSummary | None = None
        self._last_reconcile: CycleSummary | None = None
        self._cycles = 0
        self._progress: CycleProgress | None = None  # of the running sync cycle
        self._progress_logged: datetime | None = None

    # ---- the jobs ------------------------------------------------------------------

    def job_specs(self) -> list[JobSpec]:
        """The jobs the config asks for (built once, at start-up)."""
        sync = self.config.sync
        specs = [
            JobSpec(JOB_SYNC, sync.interval, self.run_sync_job),
            JobSpec(JOB_RECONCILE, sync.reconcile_interval, self.run_reconcile_job),
        ]
        if self.housekeeping is not None:
            lease = self.config.store.lock_lease_seconds
            if lease is not None:
                specs.append(JobSpec(JOB_LEASES, max(1, min(60, lease // 2)), self._expire_leases))
            specs.append(JobSpec(JOB_PURGE, PURGE_INTERVAL_SECONDS, self._purge_trash))
        return specs

    def start(self) -> None:
        """Add the jobs and start the scheduler; the first sync runs at once."""
        now = self.clock()
        for spec in self.job_specs():
            first = now if spec.id == JOB_SYNC else now + timedelta(seconds=spec.seconds)
            self.scheduler.add_job(
                spec.func,
                IntervalTrigger(seconds=spec.seconds, timezone=UTC),
                id=spec.id,
                name=spec.id,
                jobstore="default",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=spec.misfire_grace_time,
                next_run_time=first,
                replace_existing=True,
            )
        self.scheduler.start()
        log.info("daemon started: jobs %s", ", ".join(s.id for s in self.job_specs()))

    def run_sync_job(self) -> None:
        """The sync job: one cycle, then once more per request that came in meanwhile."""
        with self._lock:
            if self._running:  # a second instance: leave the work to the running one
                self._pending_all = True
                return
            self._running = True
            self._idle.clear()
            scope = self._take_scope(scheduled=True)
        try:
            while not self.stopping.is_set():
                self._one_cycle(scope)
                with self._lock:
                    if not (self._pending_all or self._pending_ids):
                        return
                    scope = self._take_scope(scheduled=False)
        finally:
            with self._lock:
                self._running = False
                self._idle.set()

    def _take_scope(self, *, scheduled: bool) -> frozenset[str] | None:
        # None = every session; a request for one session narrows only an unscheduled run
        ids = frozenset(self._pending_ids)
        whole = scheduled or self._pending_all or not ids
        self._pending_all = False
        self._pending_ids.clear()
        return None if whole else ids

    def _one_cycle(self, scope: frozenset[str] | None) -> None:
        with self._lock:
            reconcile, self._pending_reconcile = self._pending_reconcile, False
        if reconcile:  # asked for on demand: deletions first, then the cycle
            self.run_reconcile_job()
        with self._cycle_lock:
            now = self.clock()
            with self._lock:
                self._progress = CycleProgress(started=now, now=now)
                self._progress_logged = now
            try:
                summary = self.runner.sync(scope, self.stopping, self._on_progress)
            except Exception as exc:  # a cycle must never kill the job
                log.exception("sync cycle failed")
                summary = CycleSummary(errors=1, error_messages=[type(exc).__name__])
            finally:
                with self._lock:
                    self._progress = None
        log.info(summary.log_line())
        _count(summary)
        with self._lock:
            self._last = summary
            self._cycles += 1

    def _on_progress(self, done: int, total: int) -> None:
        """The engine pushed `done` of `total`: remember it; a long cycle logs it now and then."""
        now = self.clock()
        with self._lock:
            if self._progress is None:
                return
            self._progress = self._progress.pushed(done, total, now)
            due = self._progress_logged is None or (
                now - self._progress_logged).total_seconds() >= PROGRESS_LOG_SECONDS
            if due:
                self._progress_logged = now
            line = self._progress.line()
        if due and done < total:
            log.info("sync cycle: %s", line)

    def run_reconcile_job(self) -> None:
        """The reconcile job: the deletion listing, never at the same time as a sync cycle."""
        with self._cycle_lock:
            try:
                summary = self.runner.reconcile(self.stopping)
            except Exception as exc:
                log.exception("reconcile failed")
                summary = CycleSummary(kind="reconcile", errors=1, error_messages=[str(exc)])
        log.info(summary.log_line())
        _count(summary)
        with self._lock:
            self._last_reconcile = summary

    def _expire_leases(self) -> None:
        assert self.housekeeping is not None
        expired = self.housekeeping.expire_leases()
        if expired:
            log.info("lock leases expired: %d session(s)", len(expired))

    def _purge_trash(self) -> None:
        assert self.housekeeping is not None
        try:
            days = self.config.store.trash_retention_days
            purged = self.housekeeping.purge_trash(
                older_than=self.clock() - timedelta(days=days))
            if purged:
                log.info("trash purged: %d session(s)", len(purged))
            # their purge entries carry [sync] on_purge to Jira: push them now, not next interval
            for session_id in purged:
                self.request(session_id)
        finally:  # a failed trash purge does not keep the delivery ids forever
            # the store's own retention (store.deliveries.RETENTION, 7 days): Jira's retries
            # of a webhook delivery stop long before
            dropped = self.housekeeping.purge_deliveries()
            if dropped:
                log.info("webhook delivery ids purged: %d", dropped)

    # ---- SyncControl -----------------------------------------------------------------

    def request(self, session_id: str | None = None, *, reconcile: bool = False) -> None:
        """Ask for a sync now (after the deletion listing, with `reconcile`); while a cycle
        runs, it goes round once more."""
        with self._lock:
            self._pending_reconcile = self._pending_reconcile or reconcile
            if session_id is None:
                self._pending_all = True
            else:
                self._pending_ids.add(session_id)
            running = self._running
        if not running and self.scheduler.running and not self.stopping.is_set():
            self.scheduler.modify_job(JOB_SYNC, next_run_time=self.clock())

    def plan(self, session_id: str | None = None, *, reconcile: bool = False) -> dict[str, Any]:
        """A dry run of the next cycle, never during one (its plan would be stale)."""
        scope = frozenset({session_id}) if session_id else None
        with self._cycle_lock:
            return self.runner.plan(scope, reconcile).to_json()

    def status(self) -> dict[str, Any]:
        """Running or not, the last cycles' summaries, the next run, the outbox depth."""
        with self._lock:
            last = self._last.to_json() if self._last else None
            reconcile = self._last_reconcile.to_json() if self._last_reconcile else None
            progress = self._progress.at(self.clock()).to_json() if self._progress else None
            state = {
                "running": self._running,
                "pending": self._pending_all or bool(self._pending_ids)
                or self._pending_reconcile,
                "cycles": self._cycles,
                "progress": progress,
            }
        job = self.scheduler.get_job(JOB_SYNC) if self.scheduler.running else None
        next_run = job.next_run_time.isoformat() if job and job.next_run_time else None
        try:
            depth: int | None = self.runner.outbox_depth()
        except Exception:  # the status must answer even when the store does not
            depth = None
        return {**state, "last": last, "last_reconcile": reconcile, "next_run": next_run,
                "outbox": depth}

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no sync job runs (for tests and `--wait`)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
        """Stop the jobs: no new run starts, the running cycle stops between sessions."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        stopped = self._idle.wait(timeout)
        log.info("daemon stopped%s", "" if stopped else " (a cycle was still running)")
        return stopped


def _count(summary: CycleSummary) -> None:
    """The Prometheus counters of `/metrics`."""
    metrics.SYNC_CYCLES.labels(result="error" if summary.errors else "ok").inc()
    metrics.PUSHES.inc(summary.pushed)
    metrics.PULLS.inc(summary.pulled)
    if summary.errors:
        metrics.ERRORS.labels(kind=summary.kind).inc(summary.errors)
