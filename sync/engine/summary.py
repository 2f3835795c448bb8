"""What one sync cycle did: counts for the log line, the CLI summary and the status endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class CycleSummary:
    """Counts of one cycle (push + pull, or a reconcile); mutable while the cycle runs."""

    kind: str = "sync"  # "sync" or "reconcile"
    started: datetime | None = None
    finished: datetime | None = None
    pushed: int = 0  # sessions whose changes reached Jira
    created: int = 0  # of which first pushes
    pulled: int = 0  # sessions changed from Jira (rename, status action, disconnect)
    conflicts: int = 0
    deferred: int = 0  # remote changes waiting for a lock to end
    errors: int = 0
    skipped: int = 0  # sessions another process (a daemon) had claimed: left to it
    error_messages: list[str] = field(default_factory=list)
    deferred_messages: list[str] = field(default_factory=list)  # "ID: why it waits"

    def merge(self, other: CycleSummary) -> None:
        """Add another summary's counts to this one (a cycle that went round twice)."""
        for name in ("pushed", "created", "pulled", "conflicts", "deferred", "errors",
                     "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.error_messages.extend(other.error_messages)
        self.deferred_messages.extend(other.deferred_messages)
        self.finished = other.finished or self.finished

    @property
    def seconds(self) -> float:
        if self.started is None or self.finished is None:
            return 0.0
        return (self.finished - self.started).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "started": self.started.isoformat() if self.started else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "seconds": round(self.seconds, 3),
            "pushed": self.pushed,
            "created": self.created,
            "pulled": self.pulled,
            "conflicts": self.conflicts,
            "deferred": self.deferred,
            "errors": self.errors,
            "skipped": self.skipped,
            "error_messages": list(self.error_messages[:20]),
            "deferred_messages": list(self.deferred_messages[:20]),
        }

    def log_line(self) -> str:
        """The one INFO line a cycle leaves in the log."""
        return (
            f"{self.kind} cycle: pushed={self.pushed} (created={self.created}) "
            f"pulled={self.pulled} conflicts={self.conflicts} deferred={self.deferred} "
            f"errors={self.errors} skipped={self.skipped} "
            f"in {self.seconds:.2f}s"
        )
