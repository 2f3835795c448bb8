"""The pure workflow bridge: Jira payloads -> events -> actions (sync.bridge)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sync.bridge import (
    Action,
    ActionName,
    BadAction,
    BadEvent,
    EventKind,
    configured_action,
    parse_action,
    parse_automation,
    parse_jira_event,
)
from tests.third_party import FIXTURES

FIXTURES = FIXTURES / "webhooks"
ON_STATUS = {"Done": "archive", "Reopened": "unarchive", "Resolved": "move:qa-archive"}


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# fixture -> (kind, issue key, new status, first actor id)
FIXTURE_TABLE = [
    ("cloud_issue_updated_status_resolution__mattermost.json",
     EventKind.STATUS_CHANGED, "TES-41", "Done", "5c5f880629be9642ba529340"),
    ("server_issue_updated_status_resolution__mattermost.json",
     EventKind.STATUS_CHANGED, "TES-4", "Resolved", "admin"),
    ("cloud_issue_updated_moved_status_key__jira-to-matrix_LOGWRAPPED.json",
     EventKind.STATUS_CHANGED, "INDEV-130", "To Do", "5c07f55ba1b46046f530e0f3"),
    ("cloud_issue_deleted__mattermost.json",
     EventKind.DELETED, "IDT-19", None, "5c5f880629be9642ba529340"),
    ("cloud_issue_updated_summary__mattermost.json",
     EventKind.OTHER, "TES-41", None, "5c5f880629be9642ba529340"),
    ("cloud_issue_updated_customfield__mattermost.json",
     EventKind.OTHER, "TES-14", None, "5cedcb4355a88a0fc86388ba"),
    ("cloud_issue_created__mattermost.json",
     EventKind.OTHER, "KT-22", None, "5cedcb4355a88a0fc86388ba"),
    ("cloud_issue_created_localized_Status__jira-to-matrix_LOGWRAPPED.json",
     EventKind.OTHER, "DTP-1", None, "5b912e21fa38ae2c896099ae"),
    ("server_issue_created__jiratrigger.json", EventKind.OTHER, "TEST-4", None, "admin"),
    ("server_comment_created_no_issue__mattermost.json", EventKind.OTHER, None, None, "levbrouk"),
    ("server_issue_updated_issue_commented__mattermost.json",
     EventKind.OTHER, "PRJX-14", None, "levbrouk"),
    ("server_issue_updated_summary_desc_priority_resolution__jiratrigger.json",
     EventKind.OTHER, "TEST-11", None, "admin"),
    ("cloud_comment_created__mattermost.json", EventKind.OTHER, "TES-41", None,
     "5c5f880629be9642ba529340"),
    ("cloud_comment_created__jiratrigger.json", EventKind.OTHER, "TEST-24", None,
     "557058:eb43b4a2-fad1-4ff6-a2d9-38eee0b088b9"),
]


def test_fixture_table_covers_every_fixture() -> None:
    """Every real webhook payload in the fixtures folder has a row in the table below."""
    assert {row[0] for row in FIXTURE_TABLE} == {p.name for p in FIXTURES.glob("*.json")}


@pytest.mark.parametrize(("name", "kind", "key", "status", "actor"), FIXTURE_TABLE)
def test_real_payloads_parse(
    name: str, kind: EventKind, key: str | None, status: str | None, actor: str
) -> None:
    """Each real Cloud/Server payload parses to its kind, issue key, new status and actor."""
    event = parse_jira_event(_fixture(name))
    assert (event.kind, event.issue_key, event.new_status, event.actor_ids[0]) == (
        kind, key, status, actor,
    )


def test_cloud_status_found_by_field_id_under_a_localised_name() -> None:
    """A Cloud changelog item whose display name is localised is found by its fieldId."""
    payload = {
        "webhookEvent": "jira:issue_updated",
        "issue": {"key": "QA-1"},
        "changelog": {"items": [{"field": "Статус", "fieldId": "status", "toString": "Done"}]},
    }
    assert parse_jira_event(payload).new_status == "Done"


def test_a_field_named_status_with_another_field_id_is_not_the_status() -> None:
    """A custom field displayed as "Status" but with another fieldId is not a status change."""
    payload = {
        "webhookEvent": "jira:issue_updated",
        "issue": {"key": "QA-1"},
        "changelog": {"items": [{"field": "Status", "fieldId": "customfield_1", "toString": "X"}]},
    }
    assert parse_jira_event(payload).kind is EventKind.OTHER


DECISIONS = [
    # (kind, issue key, status, on_delete, expected action)
    (EventKind.STATUS_CHANGED, "QA-1", "Done", "disconnect", Action(ActionName.ARCHIVE)),
    (EventKind.STATUS_CHANGED, "QA-1", "done", "disconnect", Action(ActionName.ARCHIVE)),
    (EventKind.STATUS_CHANGED, "QA-1", "Reopened", "", Action(ActionName.UNARCHIVE)),
    (EventKind.STATUS_CHANGED, "QA-1", "Resolved", "", Action(ActionName.MOVE, "qa-archive")),
    (EventKind.STATUS_CHANGED, "QA-1", "In Review", "disconnect", None),
    (EventKind.DELETED, "QA-1", None, "disconnect", Action(ActionName.DISCONNECT)),
    (EventKind.DELETED, "QA-1", None, "", None),
    (EventKind.OTHER, "QA-1", None, "disconnect", None),
    (EventKind.DELETED, None, None, "disconnect", None),
]


@pytest.mark.parametrize(("kind", "key", "status", "on_delete", "expected"), DECISIONS)
def test_decide_table(
    kind: EventKind, key: str | None, status: str | None, on_delete: str, expected: Action | None
) -> None:
    """The workflow config maps each event to its action, or to nothing."""
    from sync.bridge import JiraEvent

    event = JiraEvent(kind, "jira:issue_updated", key, status, ("acc",))
    assert configured_action(event, ON_STATUS, on_delete) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("archive", Action(ActionName.ARCHIVE)),
        (" sync ", Action(ActionName.SYNC)),
        ("unlock", Action(ActionName.UNLOCK)),
        ("move:qa-team", Action(ActionName.MOVE, "qa-team")),
    ],
)
def test_parse_action_accepts(text: str, expected: Action) -> None:
    """Each known action name parses, move with its workspace."""
    assert parse_action(text) == expected


@pytest.mark.parametrize("text", ["", "explode", "move", "move:", "archive:now", "ARCHIVE!"])
def test_parse_action_refuses(text: str) -> None:
    """Unknown actions, a move without a workspace, or extra arguments are refused."""
    with pytest.raises(BadAction):
        parse_action(text)


@pytest.mark.parametrize("body", [[], "text", 3, None, {"no": "event"}])
def test_parse_jira_event_refuses_non_events(body: Any) -> None:
    """A JSON body that is not an object naming its webhookEvent is refused."""
    with pytest.raises(BadEvent):
        parse_jira_event(body)


def test_parse_automation_reads_its_three_fields() -> None:
    """An automation body gives its action, issue key and actor."""
    request = parse_automation({"action": "move:team", "issue": "QA-7", "actor": "acc-1"})
    assert (request.action, request.issue_key, request.actor_ids) == (
        Action(ActionName.MOVE, "team"), "QA-7", ("acc-1",),
    )


@pytest.mark.parametrize(
    "body",
    [[], {"issue": "QA-1"}, {"action": "sync"}, {"action": "sync", "issue": ""},
     {"action": "sync", "issue": "QA-1", "actor": 5}],
)
def test_parse_automation_refuses_bad_bodies(body: Any) -> None:
    """An automation body without an action or an issue, or with a non-string actor, is refused."""
    with pytest.raises(BadEvent):
        parse_automation(body)
