"""Carry a `[workflow]` action out on a session: the one path for webhooks, Automation and
the sync's status mapping.

`sync.bridge` decides which action an event calls for; `Workflow.apply` carries it out
through the store's operations, so every rule of docs/design.md section 3 applies to the
acting user:

- the local user carrying the Jira account that acted (a webhook or Automation names it);
- else, for what Jira reports (a status change, a deletion, from a webhook or a pull),
  `[workflow] service_user`, else the session's owner;
- else, for an Automation request, `[workflow] automation_user`; with none it is refused
  (`no_actor`): a request needs someone who asks.

An Automation request never acts with admin rights: its body, actor included, is
written by whoever holds the shared secret (anyone who can read the rule in Jira), so
the actor is honoured only for what they may do as a user (`Store.without_admin_rights`).
Which actions Automation may ask for at all is `[workflow] automation_actions`, checked
before anything here runs (`sync.bridge.automation_allows`).

A deletion in Jira is a fact, not a request: its `disconnect` applies as the sync's
reconcile does (no user rule; deferred while a user holds the lock), audited with the
Jira actor. The archive reason says what happened in Jira.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import assert_never

from store import sync_state
from store.api import Store
from store.errors import NotFound, PermissionDenied
from store.sync_state import SyncRow
from store.views import SessionOut
from sync.bridge import Action, ActionName


class Source(StrEnum):
    """Where a workflow action comes from."""

    WEBHOOK = "webhook"  # a signed Jira webhook reports a status change or a deletion
    PULL = "pull"  # the sync saw the status change or the deletion
    AUTOMATION = "automation"  # a Jira Automation rule asks for the action


@dataclass(frozen=True)
class Trigger:
    """What happened in Jira that calls for the action."""

    source: Source
    issue_key: str
    status: str | None = None  # the status the issue moved to
    deleted: bool = False  # the issue is gone from Jira
    # the Jira user who acted, most stable identifier first (a pull knows none)
    jira_actor: tuple[str, ...] = ()

    @property
    def reported(self) -> bool:
        """Jira reports a fact (a status, a deletion) rather than a user asking for an action."""
        return self.source is not Source.AUTOMATION

    def reason(self) -> str:
        """Why, in words: the archive lock's reason."""
        if self.deleted:
            return f"archived by Jira: {self.issue_key} was deleted"
        if self.status is not None:
            return f"archived by Jira: {self.issue_key} moved to {self.status}"
        return f"archived by Jira Automation on {self.issue_key}"


@dataclass(frozen=True)
class Applied:
    """What `Workflow.apply` did: who acted, the session after it (None: no change to show)."""

    actor: str
    session: SessionOut | None
    changed: bool = True


class Workflow:
    """Applies workflow actions to sessions through the store."""

    def __init__(self, store: Store, service_user: str, request_sync: Callable[[str], None],
                 clock: Callable[[], datetime], *, automation_user: str = "") -> None:
        self.store = store
        self.service_user = service_user.strip()
        self.automation_user = automation_user.strip()
        self.request_sync = request_sync
        self.clock = clock

    def apply(self, action: Action, row: SyncRow, trigger: Trigger) -> Applied:
        """Carry `action` out on the session of `row`, because of `trigger`."""
        if trigger.deleted and action.name is ActionName.DISCONNECT:
            return self._forget_deleted(row, trigger)
        actor = self.actor(trigger, row.owner)
        # what Jira reports is a fact; what Automation asks for is only a user's request
        store = self.store if trigger.reported else self.store.without_admin_rights()
        store = store.via(trigger.source.value)
        return Applied(actor, self._run(store, action, actor, row.session_id, trigger))

    def actor(self, trigger: Trigger, owner: str) -> str:
        """The user the action runs as (see the module's docstring)."""
        mapped = self._mapped(trigger.jira_actor)
        if mapped is not None:
            return mapped
        if trigger.reported:
            return self.service_user or owner
        if self.automation_user:
            return self.automation_user
        raise PermissionDenied(
            "no_actor",
            "no user here carries the request's Jira account and no workflow.automation_user "
            "is set [no_actor]",
        )

    def _mapped(self, accounts: Sequence[str]) -> str | None:
        for account in accounts:
            try:
                return self.store.user_by_jira_account(account).name
            except NotFound:
                continue
        return None

    def _run(self, store: Store, action: Action, actor: str, session_id: str,
             trigger: Trigger) -> SessionOut | None:
        match action.name:
            case ActionName.ARCHIVE:
                return store.archive(actor, session_id, trigger.reason())
            case ActionName.UNARCHIVE:
                return store.unarchive(actor, session_id)
            case ActionName.UNLOCK:
                return store.unlock(actor, session_id)
            case ActionName.DISCONNECT:
                return store.disconnect(actor, session_id)
            case ActionName.MOVE:
                assert action.workspace is not None  # parse_action sets it for every move
                return store.move(actor, session_id, action.workspace)
            case ActionName.SYNC:
                store.show(actor, session_id)  # the actor must see the session to ask for it
                self.request_sync(session_id)
                return None
            case unknown:
                assert_never(unknown)

    def _forget_deleted(self, row: SyncRow, trigger: Trigger) -> Applied:
        """The reconcile's disconnect; a user's lock defers it (the reconcile retries)."""
        mapped = self._mapped(trigger.jira_actor)
        changed = sync_state.disconnect_remotely_deleted(
            self.store.engine, row.session_id, trigger.issue_key, self.clock(),
            lease_seconds=self.store.settings.lock_lease_seconds,
            actor=mapped, jira_actor=trigger.jira_actor[0] if trigger.jira_actor else None,
            via=trigger.source.value,
        )
        return Applied(mapped or sync_state.SYNC_ACTOR, None, changed)
