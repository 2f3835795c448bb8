"""The Jira workflow bridge's decisions: a Jira event in, the action on a session out.

Pure functions only (no I/O): `parse_jira_event` reads a webhook payload from Jira
Cloud or Data Center into a `JiraEvent`; `configured_action` maps that event through the
`[workflow]` config to an `Action` (or `None`: nothing to do); `parse_action`
reads an action name (`archive`, `unarchive`, `unlock`, `disconnect`,
`move:WORKSPACE`, `sync`). The HTTP layer (`sync.api.hooks`) verifies, looks the
session up and runs the action through the store.

Payload facts this module relies on (see `fixtures/README.md`):
- a changelog item names its field by display name (`status`, `Status`, or a
  localised `Статус`); only Cloud adds the stable `fieldId`;
- `jira:issue_deleted` has no changelog; Server `comment_created` has no `issue`;
- Cloud users carry `accountId`, Data Center users only `name` / `key`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from connector.statuses import StatusRef, find_status


class ActionName(StrEnum):
    """What the bridge may do to a session."""

    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    UNLOCK = "unlock"
    DISCONNECT = "disconnect"
    MOVE = "move"
    SYNC = "sync"


class EventKind(StrEnum):
    """The kinds of Jira events the bridge tells apart."""

    STATUS_CHANGED = "status_changed"
    DELETED = "deleted"
    OTHER = "other"


class BadAction(ValueError):
    """An action name that is not one of the bridge's actions; `text` is what was given."""

    def __init__(self, text: str) -> None:
        super().__init__(
            f"unknown workflow action {text!r} (rule workflow_action: one of "
            "archive, unarchive, unlock, disconnect, move:WORKSPACE, sync)"
        )
        self.text = text


class BadEvent(ValueError):
    """A webhook body that is JSON but not a Jira event object."""


@dataclass(frozen=True)
class Action:
    """One action; `workspace` is set for `move` only."""

    name: ActionName
    workspace: str | None = None

    def __str__(self) -> str:
        return f"move:{self.workspace}" if self.name is ActionName.MOVE else self.name.value


@dataclass(frozen=True)
class JiraEvent:
    """What the bridge needs from one webhook delivery."""

    kind: EventKind
    webhook_event: str
    issue_key: str | None
    new_status: str | None
    # who acted, most stable identifier first: Cloud accountId, then Server key, then name
    actor_ids: tuple[str, ...]
    # the new status's id (the changelog item's `to`) and category key (the issue's
    # fields), stable where its name is renamed or translated; "" when not carried
    new_status_id: str = ""
    new_status_category: str = ""


def parse_action(text: str) -> Action:
    """Read `archive`, `move:qa-team`, ... into an `Action`; raise `BadAction` otherwise."""
    name, sep, rest = text.strip().partition(":")
    try:
        action = ActionName(name.strip())
    except ValueError:
        raise BadAction(text) from None
    if action is ActionName.MOVE:
        if not sep or not rest.strip():
            raise BadAction(text)
        return Action(action, rest.strip())
    if sep:
        raise BadAction(text)
    return Action(action)


def parse_jira_event(payload: Any) -> JiraEvent:
    """Read a Jira Cloud or Data Center webhook payload; raise `BadEvent` if it is not one."""
    if not isinstance(payload, Mapping):
        raise BadEvent("a Jira webhook body is a JSON object (rule webhook_body)")
    webhook_event = payload.get("webhookEvent")
    if not isinstance(webhook_event, str):
        raise BadEvent("a Jira webhook body names its webhookEvent (rule webhook_body)")
    issue = _mapping(payload.get("issue"))
    key = issue.get("key")
    issue_key = key if isinstance(key, str) and key else None
    comment = _mapping(payload.get("comment"))
    actor = _mapping(payload.get("user")) or _mapping(comment.get("author"))
    change = _status_change(payload) if webhook_event == "jira:issue_updated" else None
    new_status, new_status_id = change or (None, "")
    if webhook_event == "jira:issue_deleted":
        kind = EventKind.DELETED
    elif new_status is not None:
        kind = EventKind.STATUS_CHANGED
    else:
        kind = EventKind.OTHER
    return JiraEvent(kind, webhook_event, issue_key, new_status, _actor_ids(actor),
                     new_status_id, _category_of(issue, new_status_id) if change else "")


def configured_action(event: JiraEvent, on_status: Mapping[str, str],
                      on_delete: str) -> Action | None:
    """The action the workflow config asks for on this event, or None when it asks for none."""
    if event.issue_key is None:
        return None  # e.g. Server comment_created: no issue, nothing a session can follow
    if event.kind is EventKind.DELETED:
        return parse_action(on_delete) if on_delete.strip() else None
    if event.kind is EventKind.STATUS_CHANGED and event.new_status is not None:
        moved_to = StatusRef(event.new_status, event.new_status_id, event.new_status_category)
        configured = find_status(on_status, moved_to)
        return parse_action(configured) if configured else None
    return None


def _status_change(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """The new status's name (`toString`) and id (`to`) from the changelog, if it moved."""
    items = _mapping(payload.get("changelog")).get("items")
    if not isinstance(items, list):
        return None
    for item in items:
        if not isinstance(item, Mapping) or not _is_status_item(item):
            continue
        name, status_id = item.get("toString"), item.get("to")
        if isinstance(name, str) and name:
            return name, str(status_id) if isinstance(status_id, str | int) else ""
    return None


def _category_of(issue: Mapping[str, Any], status_id: str) -> str:
    """The category key of the issue's status, when it is the new status."""
    status = _mapping(_mapping(issue.get("fields")).get("status"))
    if not status_id or str(status.get("id", "")) != status_id:
        return ""
    key = _mapping(status.get("statusCategory")).get("key")
    return key if isinstance(key, str) else ""


def _is_status_item(item: Mapping[str, Any]) -> bool:
    field_id = item.get("fieldId")
    if isinstance(field_id, str):
        return field_id == "status"  # Cloud: the stable id wins over a localised name
    field = item.get("field")
    return isinstance(field, str) and field.casefold() == "status"


def _actor_ids(user: Mapping[str, Any]) -> tuple[str, ...]:
    ids: list[str] = []
    for attr in ("accountId", "key", "name"):
        value = user.get(attr)
        if isinstance(value, str) and value and value not in ids:
            ids.append(value)
    return tuple(ids)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class AutomationRequest:
    """Jira Automation's "Send web request": `{"action", "issue", "actor"}`."""

    action: Action
    issue_key: str
    actor_ids: tuple[str, ...]


DEFAULT_AUTOMATION_ACTIONS = ("archive", "unarchive", "sync", "disconnect")
ANY_MOVE = "move:*"


def automation_allows(action: Action, listed: Sequence[str]) -> bool:
    """Whether `[workflow] automation_actions` lets Automation ask for `action`.

    An entry is an action as the config writes it (`archive`, `move:qa-archive`);
    `move:*` lets Automation move a session to any workspace its actor is a member of.
    """
    wanted = {entry.strip() for entry in listed}
    return str(action) in wanted or (action.name is ActionName.MOVE and ANY_MOVE in wanted)


def event_time(payload: Any) -> datetime | None:
    """When Jira sent the event: its `timestamp` (milliseconds since the epoch, Cloud and
    Data Center alike); None when there is no usable one."""
    if not isinstance(payload, Mapping):
        return None
    stamp = payload.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return None
    try:
        return datetime.fromtimestamp(stamp / 1000, UTC)
    except (OverflowError, OSError, ValueError):  # out of datetime's range
        return None


def parse_automation(payload: Any) -> AutomationRequest:
    """Read an Automation body; raise `BadEvent` / `BadAction` naming what is wrong."""
    if not isinstance(payload, Mapping):
        raise BadEvent("an automation body is a JSON object (rule automation_body)")
    action, issue, actor = payload.get("action"), payload.get("issue"), payload.get("actor")
    if not isinstance(action, str):
        raise BadEvent("an automation body names its action as a string (rule automation_body)")
    if not isinstance(issue, str) or not issue.strip():
        raise BadEvent("an automation body names its issue key (rule automation_body)")
    if actor is not None and not isinstance(actor, str):
        raise BadEvent("an automation body's actor is a string (rule automation_body)")
    actors = (actor.strip(),) if actor and actor.strip() else ()
    return AutomationRequest(parse_action(action), issue.strip(), actors)
