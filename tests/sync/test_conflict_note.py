"""A conflict note stays until the name syncs again without a conflict, then goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.engine.plan import (
    PullRename,
    PushContent,
    RecordBase,
    RecordConflict,
    UpdateFields,
    settles_conflict,
)
from tests.sync.engine_world import World


@pytest.fixture
def world(tmp_path: Path) -> World:
    made = World(tmp_path)
    made.setup_users()
    return made


def _conflicted(world: World) -> tuple[str, str]:
    """A session renamed on both sides and synced: the note is there."""
    sid = world.add_session("Base")
    world.run()
    key = str(world.store.show("alice", sid).to_json()["link"]["test_execution"])
    world.backend.edit_remotely(key, summary="Jira side")
    world.store.rename("alice", sid, "Local side")
    world.run()
    world.run()
    assert _note(world, sid) is not None
    return sid, key


def _note(world: World, sid: str) -> object:
    return world.store.show("alice", sid).to_json()["link"]["conflict"]


def test_the_note_stays_while_nothing_changes(world: World) -> None:
    """Quiet cycles after the conflict leave its note on the session."""
    sid, _ = _conflicted(world)
    world.run()
    assert _note(world, sid) is not None


def test_a_later_local_rename_that_reaches_jira_clears_the_note(world: World) -> None:
    """The user renames again, the sync carries it to Jira: the note is gone."""
    sid, key = _conflicted(world)
    world.store.rename("alice", sid, "Settled")
    world.run()
    assert world.backend.issues[key].summary == "Settled"
    assert _note(world, sid) is None


def test_a_later_jira_rename_that_comes_back_clears_the_note(world: World) -> None:
    """Jira renames again, the sync brings it here: the note is gone."""
    sid, key = _conflicted(world)
    world.backend.edit_remotely(key, summary="From Jira")
    world.run()
    assert world.store.show("alice", sid).name == "From Jira"
    assert _note(world, sid) is None


@pytest.mark.parametrize(
    ("plan", "settles"),
    [
        ((UpdateFields("s", "K", "n"),), True),
        ((PullRename("s", "n"),), True),
        ((RecordBase("s", summary="n"),), True),
        ((RecordBase("s", status="Done"),), False),
        ((PushContent("s", "K", "d"),), False),
        ((RecordConflict("s", "summary", "a", "b", "local"), UpdateFields("s", "K", "a")), False),
        ((), False),
    ],
    ids=["push-rename", "pull-rename", "same-rename", "status-only", "content-only",
         "new-conflict", "nothing"],
)
def test_which_plans_settle_a_conflict(plan: tuple[object, ...], settles: bool) -> None:
    """Only a summary moved to agreement with no new conflict settles an old one."""
    assert settles_conflict(plan) is settles  # type: ignore[arg-type]
