"""The seam between the surfaces (HTTP API, webhooks, CLI) and the running sync engine.

The API asks for a sync and reads its status through ``SyncControl``; the daemon
provides the real one. A surface that runs without a daemon gets ``None`` and
answers ``unavailable``.
"""

from __future__ import annotations

from typing import Any, Protocol


class SyncControl(Protocol):
    def request(self, session_id: str | None = None, *, reconcile: bool = False) -> None:
        """Ask for a sync of one session, or of all (after the deletion listing, with
        `reconcile`); never lost if a cycle is running."""

    def plan(self, session_id: str | None = None, *, reconcile: bool = False) -> dict[str, Any]:
        """A dry run: what the next cycle would do and cost, with reads only."""

    def status(self) -> dict[str, Any]:
        """The state of the engine: running, last cycle's summary, next run, outbox depth."""
