"""Where a running sync cycle stands: phase, sessions done of the cycle's total, time left.

The daemon keeps one `CycleProgress` while a cycle runs, logs it during long cycles and
answers it in `GET /api/v1/sync/status` (`progress`); `xray-sync sync --wait` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

PULL, PUSH = "pull", "push"


@dataclass(frozen=True)
class CycleProgress:
    """A snapshot of a running cycle: `done` of `total` sessions pushed so far."""

    started: datetime
    now: datetime
    phase: str = PULL  # "pull" (asking Jira what changed), then "push"
    done: int = 0
    total: int = 0
    push_started: datetime | None = None

    def pushed(self, done: int, total: int, now: datetime) -> CycleProgress:
        """The next snapshot of the push phase."""
        return replace(self, phase=PUSH, done=done, total=max(total, done), now=now,
                       push_started=self.push_started or now)

    def at(self, now: datetime) -> CycleProgress:
        return replace(self, now=now)

    @property
    def elapsed(self) -> float:
        return max(0.0, (self.now - self.started).total_seconds())

    def eta_seconds(self) -> float | None:
        """Seconds left at the push's pace so far; None before the first session is done."""
        if self.phase != PUSH or self.push_started is None or self.done == 0:
            return None
        pace = max(0.0, (self.now - self.push_started).total_seconds()) / self.done
        return pace * (self.total - self.done)

    def line(self) -> str:
        """One plain line: `pushing 12/30 sessions, 8 s so far, about 12 s left`."""
        if self.phase == PULL:
            return f"pulling changes from Jira, {self.elapsed:.0f} s so far"
        eta = self.eta_seconds()
        left = f", about {eta:.0f} s left" if eta is not None else ""
        return f"pushing {self.done}/{self.total} sessions, {self.elapsed:.0f} s so far{left}"

    def to_json(self) -> dict[str, Any]:
        eta = self.eta_seconds()
        return {"phase": self.phase, "done": self.done, "total": self.total,
                "started": self.started.isoformat(), "seconds": round(self.elapsed, 3),
                "eta_seconds": None if eta is None else round(eta, 1)}
