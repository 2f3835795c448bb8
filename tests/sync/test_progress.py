"""Progress of long work: the daemon's live status and log, and what `sync --wait` draws."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync.cli.sync_cmds import summary_text
from sync.cli.wait_view import PlainLines, TerminalBar, plain_line
from sync.daemon import Daemon
from sync.engine.dry_run import SyncPlan
from sync.engine.summary import CycleSummary
from sync.progress import CycleProgress
from tests.sync.test_daemon import WAIT, make_config

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class SteppedRunner:
    """Pushes `total` sessions, one step each time the test says so."""

    def __init__(self, total: int, clock: StepClock) -> None:
        self.total = total
        self.clock = clock
        self.step = threading.Semaphore(0)
        self.reported = threading.Semaphore(0)

    def sync(self, session_ids: frozenset[str] | None, stop: threading.Event,
             progress: Callable[[int, int], None] | None = None) -> CycleSummary:
        assert progress is not None
        progress(0, self.total)
        self.reported.release()
        for done in range(1, self.total + 1):
            self.step.acquire(timeout=WAIT)
            progress(done, self.total)
            self.reported.release()
        return CycleSummary(pushed=self.total)

    def reconcile(self, stop: threading.Event) -> CycleSummary:
        return CycleSummary(kind="reconcile")

    def outbox_depth(self) -> int:
        return 0

    def plan(self, session_ids: frozenset[str] | None, reconcile: bool = False) -> SyncPlan:
        raise AssertionError("a dry run is not part of these tests")


def test_eta_follows_the_push_pace() -> None:
    """Three of ten done in 6 s of pushing: about 14 s left."""
    progress = CycleProgress(started=T0, now=T0).pushed(0, 10, T0)
    progress = progress.pushed(3, 10, T0 + timedelta(seconds=6))
    assert progress.eta_seconds() == pytest.approx(14.0)
    assert progress.line() == "pushing 3/10 sessions, 6 s so far, about 14 s left"


def test_no_eta_before_the_first_session_is_done() -> None:
    """While pulling, or before any push ends, no time left is claimed."""
    pulling = CycleProgress(started=T0, now=T0 + timedelta(seconds=2))
    assert pulling.eta_seconds() is None and pulling.line().startswith("pulling")
    assert pulling.pushed(0, 5, T0).eta_seconds() is None


def test_the_daemon_status_shows_the_running_cycles_progress(tmp_path: Path) -> None:
    """While a cycle pushes, `status()["progress"]` has done/total; after it, None."""
    clock = StepClock()
    runner = SteppedRunner(4, clock)
    daemon = Daemon(make_config(tmp_path), runner, clock=clock)
    job = threading.Thread(target=daemon.run_sync_job)
    job.start()
    try:
        assert runner.reported.acquire(timeout=WAIT)
        clock.now += timedelta(seconds=2)
        runner.step.release()
        assert runner.reported.acquire(timeout=WAIT)
        progress = daemon.status()["progress"]
        assert (progress["phase"], progress["done"], progress["total"]) == ("push", 1, 4)
        assert progress["eta_seconds"] == pytest.approx(6.0)
    finally:
        for _ in range(4):
            runner.step.release()
        job.join(WAIT)
    assert daemon.status()["progress"] is None


def test_a_long_cycle_logs_its_progress(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every 10 s or more of a cycle the daemon logs `pushing done/total sessions`."""
    clock = StepClock()
    runner = SteppedRunner(3, clock)
    daemon = Daemon(make_config(tmp_path), runner, clock=clock)
    job = threading.Thread(target=daemon.run_sync_job)
    caplog.set_level(logging.INFO, logger="xray_sync.daemon")
    job.start()
    assert runner.reported.acquire(timeout=WAIT)
    for seconds in (3, 12, 3):  # only the step after 15 s of cycle is due
        clock.now += timedelta(seconds=seconds)
        runner.step.release()
        assert runner.reported.acquire(timeout=WAIT)
    job.join(WAIT)
    lines = [r.getMessage() for r in caplog.records if "sessions" in r.getMessage()]
    assert lines == ["sync cycle: pushing 2/3 sessions, 15 s so far, about 8 s left"]


def _status(done: int, total: int, seconds: float = 1.0) -> dict[str, object]:
    return {"running": True, "progress": {"phase": "push", "done": done, "total": total,
                                          "seconds": seconds, "eta_seconds": 4.0}}


def test_plain_lines_say_each_change_at_most_once_a_second() -> None:
    """Not on a terminal: a line at once, then one per change of count, one a second at most."""
    out = io.StringIO()
    now = [0.0]
    view = PlainLines(out, clock=lambda: now[0])
    view.show({"running": False, "pending": True})
    view.show(_status(1, 30))  # same second: held back
    now[0] = 1.5
    view.show(_status(2, 30))
    view.show(_status(2, 30))
    now[0] = 3.0
    view.show(_status(2, 30, seconds=3))  # only the seconds moved: nothing new
    assert out.getvalue().splitlines() == [
        "waiting for the daemon's next cycle",
        "pushing 2/30 sessions, 1 s so far, about 4 s left",
    ]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_terminal_bar_shows_done_of_total() -> None:
    """On a terminal the bar is drawn with the position `done/total`."""
    out = Tty()
    view = TerminalBar(out)
    view.show({"running": True, "progress": {"phase": "pull", "seconds": 0}})
    view.show(_status(3, 30))
    view.show(_status(12, 30))
    view.close()
    text = out.getvalue()
    assert text.startswith("pulling changes from Jira")
    assert "12/30  about 4 s left" in text and "pushing" in text


def test_plain_line_words_for_each_state() -> None:
    """Idle, pending, pulling and pushing each read as one line."""
    assert plain_line({"running": False}) == "waiting for the daemon"
    pulling = {"running": True, "progress": {"phase": "pull", "seconds": 4}}
    assert plain_line(pulling) == "pulling changes from Jira, 4 s so far"


def test_the_summary_text_shows_deferred_changes_and_work_claimed_elsewhere() -> None:
    """Deferred changes are listed with their reason; work another process held is named."""
    summary = CycleSummary(pushed=1, skipped=2, deferred=1,
                           deferred_messages=["abc: remote rename waits for the lock to end"])
    text = summary_text(summary.to_json()).splitlines()
    assert text[0] == "pushed 1 (created 0), pulled 0, conflicts 0, deferred 1, errors 0"
    assert "  deferred: abc: remote rename waits for the lock to end" in text
    assert any("2 session(s) already claimed by another process" in line for line in text)
