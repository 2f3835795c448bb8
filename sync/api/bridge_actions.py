"""Carry out a workflow action on the session linked to a Jira issue, through the store.

The action runs as the user whose Jira accountId (Cloud) or name/key (Data Center)
the event names, else as `[workflow] service_user`; with neither it is refused.
Every store rule applies to that user, exactly as for the CLI or the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse

from store.errors import NotFound, PermissionDenied
from store.views import SessionOut
from sync.api.context import ApiContext
from sync.api.errors import SyncUnavailable
from sync.api.probes import session_for_test_execution
from sync.bridge import Action, ActionName


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


def resolve_actor(ctx: ApiContext, actor_ids: Sequence[str]) -> str:
    """The user an action runs as: the Jira user's match here, else the service user."""
    for account in actor_ids:
        try:
            return ctx.store.user_by_jira_account(account).name
        except NotFound:
            continue
    service = ctx.config.workflow.service_user.strip()
    if service:
        return service
    raise PermissionDenied(
        "no_actor",
        "no user here carries the event's Jira account and no workflow.service_user is set "
        "[no_actor]",
    )


def run_action(
    ctx: ApiContext,
    action: Action,
    issue_key: str,
    actor_ids: Sequence[str],
    new_status: str | None,
) -> Outcome:
    """Find the session linked to `issue_key` and apply `action` to it as the resolved user."""
    session_id = session_for_test_execution(ctx.store, issue_key)
    if session_id is None:
        return Outcome.ignored(f"no session is linked to {issue_key}")
    actor = resolve_actor(ctx, actor_ids)
    result = _apply(ctx, action, actor, session_id, issue_key, new_status)
    detail: dict[str, Any] = {"action": str(action), "issue": issue_key, "actor": actor,
                              "session": session_id}
    if result is not None:
        detail["result"] = result.to_json()
    return Outcome("done", detail)


def _apply(
    ctx: ApiContext,
    action: Action,
    actor: str,
    sid: str,
    issue_key: str,
    new_status: str | None,
) -> SessionOut | None:
    store = ctx.store
    if action.name is ActionName.ARCHIVE:
        why = f"{issue_key} moved to {new_status}" if new_status else f"{issue_key} archived"
        return store.archive(actor, sid, f"archived by Jira: {why}")
    if action.name is ActionName.UNARCHIVE:
        return store.unarchive(actor, sid)
    if action.name is ActionName.UNLOCK:
        return store.unlock(actor, sid)
    if action.name is ActionName.DISCONNECT:
        return store.disconnect(actor, sid)
    if action.name is ActionName.MOVE:
        assert action.workspace is not None
        return store.move(actor, sid, action.workspace)
    if ctx.sync is None:
        raise SyncUnavailable("no_sync_engine", "no sync engine runs here: start the daemon")
    store.show(actor, sid)  # the actor must see the session to ask for its sync
    ctx.sync.request(sid)
    return None
