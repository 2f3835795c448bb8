"""The engine as the daemon and `xray-sync sync` drive it: pull phase, push phase, reconcile.

Push: the sessions with outbox entries are claimed in batches (a lease, so that two
daemons never push one session at once) and pushed concurrently (`[sync]
concurrency`); a session that fails is released with a backoff and blocks nobody
else. On Xray Cloud the push keeps up to `[xray] batch_size` sessions in flight, so that
their run updates share few Xray requests (`connector.cloud_runs`): a session holds one of
`concurrency` slots while it works and gives it back while it waits in a batch. When Jira,
Xray or the store's database is down (a push fails with `Unavailable`, or the database
does not answer), the cycle claims nothing more: the outbox waits, the sessions that met
the outage are released without a backoff, and the next cycle starts again from the
oldest change. Pull comes first (with the deferred changes of sessions
whose lock ended), made by one daemon of the store at a time (the pull lease,
`store.cluster_pull`): a daemon that finds it held, or a pull started within
`pull_fresh_seconds`, only pushes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import cast

from sqlalchemy.exc import DBAPIError

from connector import errors as connector_errors
from connector.base import Backend
from connector.batch import holding
from store import cluster_pull, sync_state
from store import errors as store_errors
from store.sync_state import SyncRow
from sync.engine.actions import Entry, push_session
from sync.engine.context import EngineContext
from sync.engine.dry_run import ReadOnlyBackend, SyncPlan, plan_cycle
from sync.engine.pull import Puller, Recorder
from sync.engine.summary import CycleSummary
from sync.engine.watermark import Watermarks
from sync.workflow import Workflow

log = logging.getLogger("xray_sync.sync")

MAX_PER_CYCLE = 100_000
Progress = Callable[[int, int], None]  # (sessions done, sessions this cycle pushes)


@dataclass
class _Tally:
    done: int = 0
    known: int = 0


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says a service we depend on is down (not that a session is wrong):
    Jira or Xray unavailable (5xx, connection refused, timeout), or the store's database."""
    return isinstance(exc, (connector_errors.Unavailable, store_errors.Unavailable,
                            DBAPIError))


class SyncEngine:
    """Implements the daemon's `CycleRunner`."""

    def __init__(self, ctx: EngineContext, workflow: Workflow) -> None:
        self.ctx = ctx
        self.workflow = workflow
        self.puller = Puller(ctx, workflow, Watermarks(ctx.engine),
                             renew=self._renew_pull)
        self._lock = threading.Lock()
        self._outage = threading.Event()  # this push met a service that is down
        # sessions working at once; those waiting in a batch of run updates hold none
        self._slots = threading.BoundedSemaphore(ctx.concurrency)

    def sync(self, session_ids: frozenset[str] | None, stop: threading.Event,
             progress: Progress | None = None) -> CycleSummary:
        """Pull, then push what waits (or only these sessions).

        Pulling first lets the planner see both sides of a session changed on both: the
        conflict is decided and recorded instead of Jira's change being overwritten.
        """
        summary = CycleSummary(started=self.ctx.clock())
        self.pull(summary, stop)
        if not stop.is_set():
            self.push(summary, stop, session_ids, progress)
        summary.finished = self.ctx.clock()
        return summary

    def pull(self, summary: CycleSummary, stop: threading.Event) -> bool:
        """Pull, when this daemon holds the cluster's pull lease; whether it pulled."""
        ctx = self.ctx
        if not cluster_pull.claim_pull(ctx.engine, ctx.worker, ctx.clock(),
                                       lease_seconds=ctx.lease_seconds,
                                       fresh_seconds=ctx.pull_fresh_seconds):
            log.debug("pull left to another daemon (held, or made this interval)")
            return False
        try:
            self.puller.pull(summary, stop)
        finally:
            cluster_pull.release_pull(ctx.engine, ctx.worker)
        return True

    def _renew_pull(self) -> None:
        cluster_pull.renew_pull(self.ctx.engine, self.ctx.worker, self.ctx.clock(),
                                self.ctx.lease_seconds)

    def reconcile(self, stop: threading.Event) -> CycleSummary:
        """The deletion listing."""
        summary = CycleSummary(kind="reconcile", started=self.ctx.clock())
        self.puller.reconcile(summary, stop)
        summary.finished = self.ctx.clock()
        return summary

    def plan(self, session_ids: frozenset[str] | None, reconcile: bool = False) -> SyncPlan:
        """What a cycle (after the reconcile, when asked) would do now, found with reads
        only: nothing is sent to Jira or Xray but searches, nothing written to the store."""
        reading = replace(self.ctx, backend=cast(Backend, ReadOnlyBackend(self.ctx.backend)))

        def pull(record: Recorder, with_reconcile: bool) -> list[str]:
            summary = CycleSummary()
            puller = Puller(reading, self.puller.workflow, self.puller.marks, record)
            stop = threading.Event()
            if with_reconcile:
                puller.reconcile(summary, stop)
            puller.pull(summary, stop)
            return summary.error_messages

        return plan_cycle(self.ctx, self.puller.workflow, pull, session_ids, reconcile,
                          MAX_PER_CYCLE)

    def outbox_depth(self) -> int:
        return sync_state.outbox_depth(self.ctx.engine)

    # ---- push phase --------------------------------------------------------------------

    def push(self, summary: CycleSummary, stop: threading.Event,
             only: frozenset[str] | None = None, progress: Progress | None = None) -> None:
        """Claim and push sessions, keeping every worker busy; each session once per cycle.

        The sessions waiting when the push starts are this cycle's work. Claims are taken
        a small batch at a time (so another daemon on the same store takes the rest
        meanwhile), topped up whenever the work in flight runs low, and renewed while a
        push outlasts a third of the lease.
        """
        tally = _Tally()
        threads = max(self.ctx.concurrency, self.ctx.batch_size)
        batch = max(8, threads * 4)
        # what waits now is this cycle's work; changes arriving meanwhile wait for the next
        queue = sync_state.pending_sessions(self.ctx.engine, self.ctx.clock(), MAX_PER_CYCLE, only)
        tally.known = len(queue)  # less those another process turns out to hold
        # what another process (a daemon) holds already is its work: counted, left to it
        summary.skipped += sync_state.held_elsewhere(self.ctx.engine, self.ctx.worker,
                                                     self.ctx.clock(), only)
        if progress is not None:
            progress(0, tally.known)
        in_flight: dict[Future[None], str] = {}
        self._outage.clear()
        with ThreadPoolExecutor(max_workers=threads,
                                thread_name_prefix="xray-sync-push") as pool:
            while True:
                if queue and self._outage.is_set():
                    self._left_waiting(len(queue), summary)
                    queue = []
                if queue and not stop.is_set() and len(in_flight) < batch:
                    chunk, queue = queue[:batch], queue[batch:]
                    for job, sid in self._start(pool, chunk, summary, stop, tally):
                        in_flight[job] = sid
                    continue
                if not in_flight:
                    return
                done, _ = wait(in_flight, timeout=self.ctx.lease_seconds / 3,
                               return_when=FIRST_COMPLETED)
                if not done:
                    self._renew(list(in_flight.values()))
                for job in done:
                    del in_flight[job]
                    job.result()
                    tally.done += 1
                    if progress is not None:
                        progress(tally.done, tally.known)

    def _start(self, pool: ThreadPoolExecutor, chunk: list[str], summary: CycleSummary,
               stop: threading.Event, tally: _Tally) -> list[tuple[Future[None], str]]:
        """Claim `chunk` and submit the sessions won; none when the store does not answer."""
        try:
            claimed = self._claim(chunk, summary)
            rows = sync_state.load_rows(self.ctx.engine, claimed) if claimed else {}
        except DBAPIError as exc:
            log.warning("the store does not answer, nothing more is claimed: %s", exc)
            self._outage.set()
            tally.known -= len(chunk)
            return []
        tally.known -= len(chunk) - len(claimed)
        return [(pool.submit(self._push_one, sid, entries, rows.get(sid), summary, stop), sid)
                for sid, entries in claimed.items()]

    def _renew(self, session_ids: list[str]) -> None:
        """Keep the claims of slow pushes (big evidence) alive; should the store not answer,
        they lapse with their lease and nothing is lost (the entries stay)."""
        try:
            sync_state.renew(self.ctx.engine, session_ids, self.ctx.worker,
                             self.ctx.lease_seconds, self.ctx.clock())
        except DBAPIError as exc:
            log.warning("could not renew %d claim(s): %s", len(session_ids), exc)

    def _left_waiting(self, count: int, summary: CycleSummary) -> None:
        message = (f"{count} session(s) left in the outbox for the next cycle: Jira, Xray "
                   "or the store is unavailable")
        log.warning(message)
        with self._lock:
            summary.error_messages.append(message)

    def _claim(self, chunk: list[str], summary: CycleSummary) -> dict[str, list[Entry]]:
        """Claim what nobody else holds among `chunk`."""
        claimed = sync_state.claim(self.ctx.engine, chunk, self.ctx.worker,
                                   self.ctx.lease_seconds, self.ctx.clock())
        with self._lock:
            summary.skipped += len(chunk) - len(claimed)
        return claimed

    def _push_one(self, sid: str, entries: list[Entry], row: SyncRow | None,
                  summary: CycleSummary, stop: threading.Event) -> None:
        if stop.is_set():
            sync_state.release(self.ctx.engine, sid, self.ctx.worker)
            return
        try:
            with holding(self._slots):
                tally = push_session(self.ctx, self.workflow, sid, entries, row)
        except Exception as exc:  # one session's failure blocks only that session
            try:
                self._failed(sid, exc, summary)
            except DBAPIError as lost:  # the store is down too: the claim lapses by itself
                self._outage.set()
                log.warning("push of session %s failed (%s) and the store does not answer "
                            "(%s): its claim lapses after the lease", sid, exc, lost)
                with self._lock:
                    summary.errors += 1
            return
        with self._lock:
            tally.add_to(summary)

    def _failed(self, sid: str, exc: Exception, summary: CycleSummary) -> None:
        now = self.ctx.clock()
        message = f"{type(exc).__name__}: {exc}"
        if is_outage(exc):
            # not the session's fault: no backoff, it goes first again once the service is back
            self._outage.set()
            sync_state.release(self.ctx.engine, sid, self.ctx.worker)
            sync_state.record_error(self.ctx.engine, sid, message, now)
            log.warning("push of session %s met an outage: %s", sid, message)
        else:
            attempts = sync_state.release_failed(self.ctx.engine, sid, self.ctx.worker, now,
                                                 self.ctx.backoff)
            sync_state.record_error(self.ctx.engine, sid, message, now)
            log.warning("push of session %s failed (attempt %d): %s", sid, attempts, message)
        with self._lock:
            summary.errors += 1
            summary.error_messages.append(f"{sid}: {message}")
