"""Automation's trust model: whoever holds the shared secret writes the body, actor
included, so a request never acts with admin rights, runs as a mapped user or the
configured automation user, and may ask only for the actions the config lists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from sync.bridge import automation_allows, parse_action
from sync.config import WorkflowConfig
from tests.api.conftest import AUTOMATION_SECRET, ON_STATUS, World, build_world
from tests.api.hooks import EXECUTION, linked


def _automate(world: World, action: str, actor: str) -> Any:
    return world.client.post("/hooks/automation",
                             json={"action": action, "issue": EXECUTION, "actor": actor},
                             headers={"X-Automation-Secret": AUTOMATION_SECRET})


def _world(populated: tuple[Engine, dict[str, str]], tmp_path: Path,
           **workflow: Any) -> World:
    engine, tokens = populated
    config = WorkflowConfig(on_status=ON_STATUS, on_delete="disconnect", **workflow)
    return build_world(engine, tokens, tmp_path, workflow=config)


@pytest.fixture
def unlocking(populated: tuple[Engine, dict[str, str]], tmp_path: Path) -> Iterator[World]:
    """Automation may ask for unlock and any move (listed in the config)."""
    made = _world(populated, tmp_path,
                  automation_actions=["archive", "unlock", "move:*"], service_user="root")
    with made.client:
        yield made


def test_automation_naming_an_admin_cannot_break_anothers_lock(unlocking: World) -> None:
    """An unlock naming root's Jira account does not break bob's lock: 403, bob keeps it."""
    sid = linked(unlocking)
    unlocking.store.open("bob", sid)
    answer = _automate(unlocking, "unlock", "acc-root")
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "permission_denied")
    lock = unlocking.store.show("root", sid).lock
    assert lock is not None and lock.holder == "bob"


def test_automation_naming_an_admin_acts_only_where_they_are_a_member(unlocking: World) -> None:
    """root is no member of qa-team: Automation naming him may not archive a session there."""
    sid = linked(unlocking)
    answer = _automate(unlocking, "archive", "acc-root")
    assert (answer.status_code, answer.json()["error"]["rule"]) == (403, "members_only")
    assert unlocking.store.show("root", sid).lock is None


def test_automation_may_do_what_the_named_user_may(unlocking: World) -> None:
    """bob, the holder, may unlock his own lock through Automation."""
    sid = linked(unlocking)
    unlocking.store.open("bob", sid)
    answer = _automate(unlocking, "unlock", "acc-bob")
    assert (answer.status_code, answer.json()["actor"]) == (200, "bob")
    assert unlocking.store.show("root", sid).lock is None


def test_automation_ignores_the_service_user(unlocking: World) -> None:
    """An unknown account does not fall back to the service user (root): 403 no_actor."""
    sid = linked(unlocking)
    answer = _automate(unlocking, "archive", "acc-stranger")
    assert (answer.status_code, answer.json()["error"]["rule"]) == (403, "no_actor")
    assert unlocking.store.show("root", sid).lock is None


def test_automation_runs_as_the_automation_user(populated: tuple[Engine, dict[str, str]],
                                               tmp_path: Path) -> None:
    """With `automation_user = "bob"`, a request from an unknown account archives as bob."""
    world = _world(populated, tmp_path, automation_user="bob")
    with world.client:
        linked(world)
        answer = _automate(world, "archive", "acc-stranger")
    assert (answer.status_code, answer.json()["actor"]) == (200, "bob")


@pytest.mark.parametrize("action", ["unlock", "move:qa-archive"])
def test_unlisted_actions_are_refused_by_default(world: World, action: str) -> None:
    """By default Automation may not unlock or move: 403 automation_action, nothing changes."""
    sid = linked(world)
    world.store.open("alice", sid)
    answer = _automate(world, action, "acc-alice")
    assert (answer.status_code, answer.json()["error"]["rule"]) == (403, "automation_action")
    session = world.store.show("root", sid)
    assert (session.workspace, session.lock is not None) == ("qa-team", True)


def test_a_listed_move_runs(unlocking: World) -> None:
    """With `move:*` listed, Automation moves alice's session to qa-archive as alice."""
    sid = linked(unlocking)
    answer = _automate(unlocking, "move:qa-archive", "acc-alice")
    assert answer.status_code == 200, answer.text
    assert unlocking.store.show("root", sid).workspace == "qa-archive"


@pytest.mark.parametrize(("action", "listed", "allowed"), [
    ("archive", ["archive"], True),
    ("unlock", ["archive", "sync"], False),
    ("move:qa", ["move:qa"], True),
    ("move:qa", ["move:other"], False),
    ("move:qa", ["move:*"], True),
    ("sync", [], False),
])
def test_automation_allows_reads_the_list(action: str, listed: list[str], allowed: bool) -> None:
    """An action is allowed when listed as written, a move also by `move:*`."""
    assert automation_allows(parse_action(action), listed) is allowed


def test_an_unknown_automation_action_in_the_config_is_refused() -> None:
    """`automation_actions` naming an action the bridge does not know is a config error."""
    with pytest.raises(ValidationError, match="explode"):
        WorkflowConfig(automation_actions=["archive", "explode"])
