"""What `xray-sync sync --wait` shows while the daemon's cycle runs, on stderr.

On a terminal: a bar (click's) with sessions done/total and the time left, redrawn as the
daemon's status moves. Elsewhere (a pipe, a log, CI): plain lines, one when something
changed and at most one a second, the first at once. Both read the `progress` object of
`GET /api/v1/sync/status` (`sync.progress.CycleProgress.to_json`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, Protocol, TextIO

import click

Status = dict[str, Any]


class WaitView(Protocol):
    def show(self, status: Status) -> None:
        """Draw where the daemon stands (called at every poll of its status)."""

    def close(self) -> None:
        """The wait is over: leave the output tidy."""


def open_view(stream: TextIO | None = None) -> WaitView:
    """A bar on a terminal, plain lines otherwise."""
    out = stream if stream is not None else sys.stderr
    return TerminalBar(out) if out.isatty() else PlainLines(out)


def plain_line(status: Status) -> str:
    """The daemon's status in words (one line)."""
    progress = status.get("progress")
    if not status.get("running") or not progress:
        return "waiting for the daemon's next cycle" if status.get("pending") \
            else "waiting for the daemon"
    if progress.get("phase") != "push":
        return f"pulling changes from Jira, {progress.get('seconds', 0):.0f} s so far"
    eta = progress.get("eta_seconds")
    left = f", about {eta:.0f} s left" if eta is not None else ""
    return (f"pushing {progress.get('done', 0)}/{progress.get('total', 0)} sessions, "
            f"{progress.get('seconds', 0):.0f} s so far{left}")


class QuietView:
    """`--json`: stdout carries the result only, and nothing is drawn."""

    def show(self, status: Status) -> None:
        return None

    def close(self) -> None:
        return None


class PlainLines:
    """One line per change, no more than one a second (the first at once)."""

    def __init__(self, out: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.clock = clock
        self._last_line = ""
        self._last_at: float | None = None

    def show(self, status: Status) -> None:
        line = plain_line(status)
        now = self.clock()
        changed = _without_seconds(line) != _without_seconds(self._last_line)
        if self._last_at is not None and (not changed or now - self._last_at < 1.0):
            return
        click.echo(line, file=self.out)
        self._last_line, self._last_at = line, now

    def close(self) -> None:
        return None


def _time_left(eta: float | None) -> str | None:
    return None if eta is None else f"about {eta:.0f} s left"


def _without_seconds(line: str) -> str:
    # "12 s so far" ticks every second; only a change of phase or count is news
    return line.split(",")[0]


class TerminalBar:
    """click's progress bar over the push phase; a status line before it starts."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._bar: Any = None  # click's ProgressBar (a private type)
        self._said = ""

    def show(self, status: Status) -> None:
        progress = status.get("progress") or {}
        if not status.get("running") or progress.get("phase") != "push":
            self._say(plain_line(status))
            return
        done, total = int(progress.get("done", 0)), max(1, int(progress.get("total", 0)))
        if self._bar is not None and done < self._bar.pos:
            self._finish()  # the daemon went round once more: a new bar
        if self._bar is None:
            # the time left is the daemon's (it knows the push's pace), shown as the item
            self._bar = click.progressbar(length=total, label="pushing", file=self.out,
                                          show_eta=False, show_pos=True,
                                          item_show_func=_time_left)
            self._bar.render_progress()
        self._bar.length = total
        self._bar.update(done - self._bar.pos, progress.get("eta_seconds"))

    def _say(self, line: str) -> None:
        if _without_seconds(line) != _without_seconds(self._said) and self._bar is None:
            click.echo(line, file=self.out)
            self._said = line

    def _finish(self) -> None:
        if self._bar is not None:
            self._bar.render_finish()
            self._bar = None

    def close(self) -> None:
        self._finish()
