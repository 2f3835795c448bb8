"""The engine as the daemon and `xray-sync sync` drive it: pull phase, push phase, reconcile.

Push: the sessions with outbox entries are claimed in batches (a lease, so that two
daemons never push one session at once) and pushed concurrently (`[sync]
concurrency`); a session that fails is released with a backoff and blocks nobody
else. Pull comes first (with the deferred changes of sessions whose lock ended), made by
one daemon of the store at a time (the pull lease, `store.cluster_pull`): a daemon that
finds it held, or a pull started within `pull_fresh_seconds`, only pushes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import cast

from connector.base import Backend
from store import cluster_pull, sync_state
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


class SyncEngine:
    """Implements the daemon's `CycleRunner`."""

    def __init__(self, ctx: EngineContext, workflow: Workflow) -> None:
        self.ctx = ctx
        self.workflow = workflow
        self.puller = Puller(ctx, workflow, Watermarks(ctx.engine),
                             renew=self._renew_pull)
        self._lock = threading.Lock()

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
        batch = max(8, self.ctx.concurrency * 4)
        # what waits now is this cycle's work; changes arriving meanwhile wait for the next
        queue = sync_state.pending_sessions(self.ctx.engine, self.ctx.clock(), MAX_PER_CYCLE, only)
        tally.known = len(queue)  # less those another process turns out to hold
        # what another process (a daemon) holds already is its work: counted, left to it
        summary.skipped += sync_state.held_elsewhere(self.ctx.engine, self.ctx.worker,
                                                     self.ctx.clock(), only)
        if progress is not None:
            progress(0, tally.known)
        in_flight: dict[Future[None], str] = {}
        with ThreadPoolExecutor(max_workers=self.ctx.concurrency,
                                thread_name_prefix="xray-sync-push") as pool:
            while True:
                if queue and not stop.is_set() and len(in_flight) < batch:
                    chunk, queue = queue[:batch], queue[batch:]
                    claimed = self._claim(chunk, summary)
                    tally.known -= len(chunk) - len(claimed)
                    rows = sync_state.load_rows(self.ctx.engine, claimed) if claimed else {}
                    for sid, entries in claimed.items():
                        job = pool.submit(self._push_one, sid, entries, rows.get(sid), summary,
                                          stop)
                        in_flight[job] = sid
                    continue
                if not in_flight:
                    return
                done, _ = wait(in_flight, timeout=self.ctx.lease_seconds / 3,
                               return_when=FIRST_COMPLETED)
                if not done:
                    # slow pushes (big evidence): keep their claims alive
                    sync_state.renew(self.ctx.engine, list(in_flight.values()), self.ctx.worker,
                                     self.ctx.lease_seconds, self.ctx.clock())
                for job in done:
                    del in_flight[job]
                    job.result()
                    tally.done += 1
                    if progress is not None:
                        progress(tally.done, tally.known)

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
            tally = push_session(self.ctx, self.workflow, sid, entries, row)
        except Exception as exc:  # one session's failure blocks only that session
            self._failed(sid, exc, summary)
            return
        with self._lock:
            tally.add_to(summary)

    def _failed(self, sid: str, exc: Exception, summary: CycleSummary) -> None:
        now = self.ctx.clock()
        message = f"{type(exc).__name__}: {exc}"
        attempts = sync_state.release_failed(self.ctx.engine, sid, self.ctx.worker, now,
                                             self.ctx.backoff)
        sync_state.record_error(self.ctx.engine, sid, message, now)
        log.warning("push of session %s failed (attempt %d): %s", sid, attempts, message)
        with self._lock:
            summary.errors += 1
            summary.error_messages.append(f"{sid}: {message}")
