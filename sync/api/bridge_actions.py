"""Carry a bridge action out on the session linked to a Jira issue (`sync.workflow`).

The session is the one whose Test Execution (a charter: its Test) is the issue; an
issue no session is linked to is ignored (202, so that Jira does not retry).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse

from sync.api.context import ApiContext
from sync.api.errors import SyncUnavailable
from sync.bridge import Action
from sync.workflow import Trigger, Workflow


@dataclass(frozen=True)
class Outcome:
    """What a hook did: `done` (200) or `ignored` (202), with details for the caller."""

    status: str
    detail: dict[str, Any]

    @classmethod
    def ignored(cls, reason: str) -> Outcome:
        """Nothing to do (not an error: Jira must not retry)."""
        return cls("ignored", {"reason": reason})

    def response(self) -> JSONResponse:
        """The HTTP answer."""
        code = 200 if self.status == "done" else 202
        return JSONResponse({"status": self.status, **self.detail}, status_code=code)


def workflow_of(ctx: ApiContext) -> Workflow:
    """The workflow over this app's store; `sync` asks the daemon's engine."""

    def request_sync(session_id: str) -> None:
        if ctx.sync is None:
            raise SyncUnavailable("no_sync_engine", "no sync engine runs here: start the daemon")
        ctx.sync.request(session_id)

    workflow = ctx.config.workflow
    return Workflow(ctx.store, workflow.service_user, request_sync, ctx.clock,
                    automation_user=workflow.automation_user)


def run_action(ctx: ApiContext, action: Action, trigger: Trigger) -> Outcome:
    """Apply `action` to the session linked to the trigger's issue."""
    row = ctx.store.session_of_issue(trigger.issue_key)
    if row is None:
        return Outcome.ignored(f"no session is linked to {trigger.issue_key}")
    applied = workflow_of(ctx).apply(action, row, trigger)
    if not applied.changed:
        return Outcome.ignored(f"a user holds the lock of session {row.session_id}: the sync "
                               "carries the deletion out when the lock ends")
    detail: dict[str, Any] = {"action": str(action), "issue": trigger.issue_key,
                              "actor": applied.actor, "session": row.session_id}
    if applied.session is not None:
        detail["result"] = applied.session.to_json()
    return Outcome("done", detail)
