"""The engine as the daemon and `xray-sync sync` drive it: pull phase, push phase, reconcile.

Push: the sessions with outbox entries are claimed in batches (a lease, so that two
daemons never push one session at once) and pushed concurrently (`[sync]
concurrency`); a session that fails is released with a backoff and blocks nobody
else. Pull comes first (with the deferred changes of sessions whose lock ended).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from store import sync_state
from sync.engine.context import EngineContext
from sync.engine.pull import Puller
from sync.engine.push import Entry, push_session
from sync.engine.summary import CycleSummary
from sync.engine.watermark import Watermarks
from sync.engine.workflow import WorkflowRunner

log = logging.getLogger("xray_sync.sync")

Progress = Callable[[int, int], None]  # (sessions done, sessions known so far)


@dataclass
class _Tally:
    done: int = 0
    known: int = 0


class SyncEngine:
    """Implements the daemon's `CycleRunner`."""

    def __init__(self, ctx: EngineContext, workflow: WorkflowRunner,
                 marks: Watermarks | None = None) -> None:
        self.ctx = ctx
        self.puller = Puller(ctx, workflow, marks or Watermarks(None))
        self._lock = threading.Lock()

    def sync(self, session_ids: frozenset[str] | None, stop: threading.Event,
             progress: Progress | None = None) -> CycleSummary:
        """Pull, then push what waits (or only these sessions).

        Pulling first lets the planner see both sides of a session changed on both: the
        conflict is decided and recorded instead of Jira's change being overwritten.
        """
        summary = CycleSummary(started=self.ctx.clock())
        self.puller.pull(summary, stop)
        if not stop.is_set():
            self.push(summary, stop, session_ids, progress)
        summary.finished = self.ctx.clock()
        return summary

    def reconcile(self, stop: threading.Event) -> CycleSummary:
        """The deletion listing."""
        summary = CycleSummary(kind="reconcile", started=self.ctx.clock())
        self.puller.reconcile(summary, stop)
        summary.finished = self.ctx.clock()
        return summary

    def outbox_depth(self) -> int:
        return sync_state.outbox_depth(self.ctx.db)

    # ---- push phase --------------------------------------------------------------------

    def push(self, summary: CycleSummary, stop: threading.Event,
             only: frozenset[str] | None = None, progress: Progress | None = None) -> None:
        """Claim and push sessions batch by batch; each session at most once per cycle."""
        seen: set[str] = set()
        tally = _Tally()
        with ThreadPoolExecutor(max_workers=self.ctx.concurrency,
                                thread_name_prefix="xray-sync-push") as pool:
            while not stop.is_set():
                now = self.ctx.clock()
                # small batches: another daemon on the same store takes the rest meanwhile
                batch = max(8, self.ctx.concurrency * 4)
                pending = [sid for sid in sync_state.pending_sessions(
                    self.ctx.db, now, batch + len(seen), only) if sid not in seen][:batch]
                if not pending:
                    return
                seen.update(pending)
                claimed = sync_state.claim(self.ctx.db, pending, self.ctx.worker,
                                           self.ctx.lease_seconds, now)
                summary.skipped += len(pending) - len(claimed)
                tally.known += len(claimed)
                jobs = [pool.submit(self._push_one, sid, entries, summary, stop)
                        for sid, entries in claimed.items()]
                for job in jobs:
                    job.result()
                    tally.done += 1
                    if progress is not None:
                        progress(tally.done, tally.known)

    def _push_one(self, sid: str, entries: list[Entry], summary: CycleSummary,
                  stop: threading.Event) -> None:
        if stop.is_set():
            sync_state.release(self.ctx.db, sid, self.ctx.worker)
            return
        try:
            result = push_session(self.ctx, sid, entries)
        except Exception as exc:  # one session's failure blocks only that session
            self._failed(sid, exc, summary)
            return
        with self._lock:
            summary.pushed += int(result.pushed)
            summary.created += int(result.created)
            summary.conflicts += result.conflicts

    def _failed(self, sid: str, exc: Exception, summary: CycleSummary) -> None:
        now = self.ctx.clock()
        message = f"{type(exc).__name__}: {exc}"
        attempts = sync_state.release_failed(self.ctx.db, sid, self.ctx.worker, now,
                                             self.ctx.backoff)
        sync_state.record_error(self.ctx.db, sid, message, now)
        log.warning("push of session %s failed (attempt %d): %s", sid, attempts, message)
        with self._lock:
            summary.errors += 1
            summary.error_messages.append(f"{sid}: {message}")
