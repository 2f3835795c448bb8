"""The Jira webhook over HTTP (`/hooks/jira`): its signature, replays, size and bad
bodies, what each event does, and every recorded real payload.  Jira Automation's
`/hooks/automation` is tests/api/test_automation_hooks.py's."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from store.models import AuditEntry
from sync.api.signatures import sign
from sync.config import Secrets, WorkflowConfig
from tests.api.conftest import ON_STATUS, WEBHOOK_SECRET, World, build_world
from tests.api.hooks import (
    EXECUTION,
    WEBHOOK_FIXTURES,
    deliver,
    linked,
    recorded,
    session_json,
    status_event,
)


@pytest.fixture
def served(populated: tuple[Engine, dict[str, str]], tmp_path: Path) -> Iterator[World]:
    """The app with the service user set to alice (for payloads from unknown Jira users)."""
    engine, tokens = populated
    made = build_world(engine, tokens, tmp_path,
                       workflow=WorkflowConfig(on_status=ON_STATUS, on_delete="disconnect",
                                               service_user="alice"))
    with made.client:
        yield made


# ---- authenticity ---------------------------------------------------------------------


def test_signed_status_change_archives_the_session(world: World) -> None:
    """A signed "moved to Done" on the session's Test Execution puts Jira's lock on it."""
    sid = linked(world)
    response = deliver(world, status_event("Done"))
    assert (response.status_code, response.json()["status"]) == (200, "done")
    lock = session_json(world, sid)
    assert lock["lock"]["holder"] == "jira"
    assert "QA-17 moved to Done" in lock["locked_reason"]


@pytest.mark.parametrize(
    ("secret", "signature"),
    [(None, None), ("wrong-secret", None), (None, "sha256=" + "0" * 64), (None, "garbage")],
)
def test_missing_or_bad_signature_is_refused_and_changes_nothing(
    world: World, secret: str | None, signature: str | None
) -> None:
    """No signature, one with another secret, or a malformed one: 401, session untouched."""
    sid = linked(world)
    before = session_json(world, sid)
    response = deliver(world, status_event("Done"), secret=secret, signature=signature)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthenticated")
    assert session_json(world, sid) == before


def test_signature_over_a_different_body_is_refused(world: World) -> None:
    """A signature of another body (a tampered payload) is refused."""
    sid = linked(world)
    signature = sign(WEBHOOK_SECRET, b"{}")
    response = deliver(world, status_event("Done"), signature=signature)
    assert response.status_code == 401
    assert session_json(world, sid)["lock"] is None


def test_without_a_configured_secret_nothing_is_accepted(
    populated: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    """With no XRAY_SYNC_WEBHOOKS_SECRET every webhook is refused, even "signed" with ''."""
    engine, tokens = populated
    world = build_world(engine, tokens, tmp_path, secrets=Secrets())
    sid = linked(world)
    response = deliver(world, status_event("Done"), secret="")
    assert response.status_code == 401
    assert session_json(world, sid)["lock"] is None


# ---- replay, size, malformed ------------------------------------------------------------


def test_replayed_delivery_has_no_second_effect(world: World) -> None:
    """The same X-Atlassian-Webhook-Identifier twice: one sync request, the second "duplicate"."""
    linked(world)
    event = status_event("Rerun")
    first = deliver(world, event, delivery="delivery-1")
    second = deliver(world, event, delivery="delivery-1")
    assert first.json()["status"] == "done"
    assert (second.status_code, second.json()["status"]) == (200, "duplicate")
    assert len(world.sync.requests) == 1


def test_a_restarted_api_on_the_same_store_knows_the_delivery(
    populated: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    """A new app over the same database (a restarted or second daemon) answers a replay
    "duplicate" and asks for no second sync."""
    engine, tokens = populated
    first = build_world(engine, tokens, tmp_path / "first")
    with first.client:
        linked(first)
        handled = deliver(first, status_event("Rerun"), delivery="d-restart")
    second = build_world(engine, tokens, tmp_path / "second")
    with second.client:
        replay = deliver(second, status_event("Rerun"), delivery="d-restart")
    assert handled.json()["status"] == "done"
    assert (replay.status_code, replay.json()["status"]) == (200, "duplicate")
    assert second.sync.requests == []


def test_a_refused_delivery_can_be_retried(world: World) -> None:
    """A delivery refused by a store rule is not remembered: Jira's retry is handled again."""
    sid = linked(world)
    world.client.post(f"/api/v1/sessions/{sid}/open", headers=world.auth("bob"))
    refused = deliver(world, status_event("Done"), delivery="d-2")
    world.client.post(f"/api/v1/sessions/{sid}/close", headers=world.auth("bob"))
    retried = deliver(world, status_event("Done"), delivery="d-2")
    assert (refused.status_code, refused.json()["error"]["code"]) == (423, "locked")
    assert retried.json()["status"] == "done"


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"issue": {}}', b""])
def test_malformed_bodies_are_bad_requests(world: World, body: bytes) -> None:
    """Invalid JSON, or JSON that is not a Jira event, is 400 `invalid` (once signed)."""
    sid = linked(world)
    response = deliver(world, body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")
    assert session_json(world, sid)["lock"] is None


def test_a_ten_megabyte_body_is_refused(world: World) -> None:
    """A 10 MB body is over webhooks.max_body_kb: 413, whatever it says."""
    sid = linked(world)
    body = json.dumps({**status_event("Done"), "padding": "x" * (10 * 1024 * 1024)}).encode()
    response = deliver(world, body)
    assert (response.status_code, response.json()["error"]["rule"]) == (413, "body_too_large")
    assert session_json(world, sid)["lock"] is None


# ---- decisions -------------------------------------------------------------------------


def test_event_on_an_unknown_issue_is_ignored(world: World) -> None:
    """An event on an issue no session is linked to is 202 "ignored", not an error."""
    linked(world)
    response = deliver(world, status_event("Done", key="QA-999"))
    assert (response.status_code, response.json()["status"]) == (202, "ignored")


def test_action_runs_as_the_jira_user(world: World) -> None:
    """The event's accountId names the user the action runs as."""
    linked(world)
    response = deliver(world, status_event("Done", account="acc-bob"))
    assert response.json()["actor"] == "bob"


def test_a_status_change_by_an_unknown_jira_user_runs_as_the_owner(world: World) -> None:
    """A status Jira reports, from a Jira user with no user here and no service user set,
    runs as the session's owner, as the sync's pull of the same status does (it was 403
    `no_actor` before: the webhook and the sync disagreed)."""
    sid = linked(world)
    response = deliver(world, status_event("Done", account="someone-else"))
    assert (response.status_code, response.json()["actor"]) == (200, "alice")
    assert session_json(world, sid)["lock"]["holder"] == "jira"


def _deleted_event(account: str) -> dict[str, Any]:
    event = recorded("cloud_issue_deleted__mattermost.json")
    event["issue"]["key"] = EXECUTION
    event["user"]["accountId"] = account
    return event


def _audits(world: World, operation: str) -> list[tuple[str | None, dict[str, Any]]]:
    with Session(world.store.engine) as db:
        rows = db.exec(select(AuditEntry).where(AuditEntry.operation == operation)).all()
    return [(row.actor, json.loads(row.detail)) for row in rows]


def test_a_jira_deletion_disconnects_whoever_deleted_it(world: World) -> None:
    """A deletion is a fact: bob (a member, not the owner) deleting the Test Execution in Jira
    disconnects the session as the reconcile does, audited with his Jira account (before, the
    bridge ran it as bob's request and answered 403 `owner_only`)."""
    sid = linked(world)
    response = deliver(world, _deleted_event("acc-bob"))
    assert (response.status_code, response.json()["actor"]) == (200, "bob")
    assert session_json(world, sid)["mode"] == "standalone"
    assert _audits(world, "sync_disconnect") == [
        ("bob", {"reason": "remote_deleted", "issue": EXECUTION, "jira_actor": "acc-bob",
                 "via": "webhook"})]


def test_a_jira_deletion_waits_for_a_users_lock(world: World) -> None:
    """A deletion reported while a user holds the lock changes nothing now (202): the sync's
    reconcile disconnects the session once the lock ends."""
    sid = linked(world)
    world.store.open("alice", sid)
    response = deliver(world, _deleted_event("acc-bob"))
    assert (response.status_code, response.json()["status"]) == (202, "ignored")
    assert session_json(world, sid)["mode"] == "xray"


def test_actions_keep_the_store_rules(world: World) -> None:
    """Carol, not a member of the session's workspace, cannot have it archived through Jira."""
    sid = linked(world)
    event = status_event("Done", account="acc-carol")
    world.store.add_user("dave", jira_account_id="acc-carol")  # a non-member with that account
    response = deliver(world, event)
    assert response.status_code == 403
    assert session_json(world, sid)["lock"] is None


def test_reopen_unarchives(world: World) -> None:
    """Done then Reopened: locked by Jira, then free again."""
    sid = linked(world)
    deliver(world, status_event("Done"))
    response = deliver(world, status_event("Reopened"))
    assert response.json()["status"] == "done"
    assert session_json(world, sid)["lock"] is None


def test_cancelled_disconnects(world: World) -> None:
    """A status mapped to disconnect makes the session standalone."""
    sid = linked(world)
    deliver(world, status_event("Cancelled"))
    assert session_json(world, sid)["mode"] == "standalone"


def test_status_mapped_to_move_moves_the_session(world: World) -> None:
    """`move:qa-archive` moves the session to that workspace, as the Jira user (the owner)."""
    sid = linked(world)
    deliver(world, status_event("Resolved"))
    assert session_json(world, sid)["workspace"] == "qa-archive"


# ---- the real payloads ----------------------------------------------------------------

REAL = sorted(p.name for p in WEBHOOK_FIXTURES.glob("*.json"))


@pytest.mark.parametrize("name", REAL)
def test_each_real_payload_unlinked_is_ignored(served: World, name: str) -> None:
    """Each real Cloud/Server payload, signed, about an issue we do not link: 202 ignored."""
    sid = linked(served)
    before = session_json(served, sid)
    response = deliver(served, recorded(name))
    assert (response.status_code, response.json()["status"]) == (202, "ignored")
    assert session_json(served, sid) == before


# fixture -> what it does when its issue is our session's Test Execution
LINKED_EFFECTS = {
    "cloud_issue_updated_status_resolution__mattermost.json": ("lock", "jira"),
    "server_issue_updated_status_resolution__mattermost.json": ("workspace", "qa-archive"),
    "cloud_issue_deleted__mattermost.json": ("mode", "standalone"),
}


@pytest.mark.parametrize("name", REAL)
def test_each_real_payload_on_a_linked_issue(served: World, name: str) -> None:
    """Each real payload pointed at our Test Execution: its mapped action, or ignored."""
    sid = linked(served)
    payload = recorded(name)
    if isinstance(payload.get("issue"), dict):
        payload = copy.deepcopy(payload)
        payload["issue"]["key"] = EXECUTION
    before = session_json(served, sid)
    response = deliver(served, payload)
    after = session_json(served, sid)
    if name in LINKED_EFFECTS:
        field_name, value = LINKED_EFFECTS[name]
        assert (response.status_code, response.json()["status"]) == (200, "done")
        got = after["lock"]["holder"] if field_name == "lock" else after[field_name]
        assert got == value
    else:
        assert (response.status_code, response.json()["status"]) == (202, "ignored")
        assert after == before
