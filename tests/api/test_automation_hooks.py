"""Jira Automation over HTTP (`/hooks/automation`): its shared secret, its body, the
actions it may ask for, and the audit of what it and the webhook did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from store.audit import AuditQuery
from sync.config import Secrets
from tests.api.conftest import AUTOMATION_SECRET, WEBHOOK_SECRET, World, build_world
from tests.api.hooks import EXECUTION, automate, deliver, linked, session_json, status_event


def test_automation_with_the_secret_runs_the_action(world: World) -> None:
    """A web request with the right secret archives as the named actor."""
    sid = linked(world)
    response = automate(world, {"action": "archive", "issue": EXECUTION, "actor": "acc-alice"})
    assert (response.status_code, response.json()["actor"]) == (200, "alice")
    assert session_json(world, sid)["lock"]["holder"] == "jira"


def test_automation_from_an_unknown_jira_user_without_service_user_is_refused(
    world: World,
) -> None:
    """A request needs someone who asks: an actor with no user here and no service user is
    403 `no_actor`, and nothing changes."""
    sid = linked(world)
    response = automate(world, {"action": "archive", "issue": EXECUTION, "actor": "acc-x"})
    assert (response.status_code, response.json()["error"]["rule"]) == (403, "no_actor")
    assert session_json(world, sid)["lock"] is None


def test_automation_archive_says_automation_asked(world: World) -> None:
    """Automation's archive gives the lock the reason "archived by Jira Automation on KEY"
    (before: "archived by Jira: KEY archived")."""
    sid = linked(world)
    automate(world, {"action": "archive", "issue": EXECUTION, "actor": "acc-alice"})
    reason = session_json(world, sid)["locked_reason"]
    assert reason == f"archived by Jira Automation on {EXECUTION}"


@pytest.mark.parametrize("secret", [None, "", "wrong", AUTOMATION_SECRET + "x"])
def test_automation_with_a_bad_secret_is_refused(world: World, secret: str | None) -> None:
    """A missing or wrong X-Automation-Secret is 401 and changes nothing."""
    sid = linked(world)
    response = automate(world, {"action": "archive", "issue": EXECUTION, "actor": "acc-alice"},
                        secret)
    assert response.status_code == 401
    assert session_json(world, sid)["lock"] is None


def test_automation_without_a_configured_secret_is_refused(
    populated: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    """With no automation secret configured, even an empty header is refused."""
    engine, tokens = populated
    world = build_world(engine, tokens, tmp_path,
                        secrets=Secrets(webhooks_secret=SecretStr(WEBHOOK_SECRET)))
    response = automate(world, {"action": "sync", "issue": EXECUTION}, secret="")
    assert response.status_code == 401


def test_automation_on_an_unknown_issue_is_ignored(world: World) -> None:
    """An unknown issue is 202 "ignored"."""
    response = automate(world, {"action": "sync", "issue": "QA-404", "actor": "acc-alice"})
    assert (response.status_code, response.json()["status"]) == (202, "ignored")


@pytest.mark.parametrize("body", [{"action": "explode", "issue": EXECUTION},
                                  {"issue": EXECUTION}, ["archive"]])
def test_automation_with_a_bad_body_is_a_bad_request(world: World, body: Any) -> None:
    """An unknown action, a missing action or a non-object body is 400 naming the rule."""
    response = automate(world, body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")


def test_automation_sync_asks_the_engine(world: World) -> None:
    """The `sync` action asks the sync engine for that session."""
    sid = linked(world)
    automate(world, {"action": "sync", "issue": EXECUTION, "actor": "acc-alice"})
    assert world.sync.requests == [sid]


def test_the_audit_names_the_webhook_or_automation_that_acted(world: World) -> None:
    """An archive from a signed webhook is audited with the surface webhook, an unarchive
    asked by Automation with the surface automation."""
    sid = linked(world)
    deliver(world, status_event("Done"))
    automate(world, {"action": "unarchive", "issue": EXECUTION, "actor": "acc-alice"})
    trail = world.store.audit("root", AuditQuery(session_id=sid)).items
    assert [(e.operation, e.to_json()["surface"]) for e in trail[:2]] == [
        ("unarchive", "automation"), ("archive", "webhook")]
