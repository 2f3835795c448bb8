"""The pull and the reconcile ask Jira only for the issue types they compare with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.sync.engine_world import World


@pytest.fixture
def world(tmp_path: Path) -> World:
    made = World(tmp_path)
    made.setup_users()
    return made


def spy(world: World, monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple[str, ...]]:
    """Record the issue types each call of the backend's `name` asks for."""
    asked: list[tuple[str, ...]] = []
    real = getattr(world.backend, name)

    def recording(project: str, *args: Any) -> Any:
        types: Sequence[str] = args[-1] if args and not isinstance(args[-1], datetime) else ()
        asked.append(tuple(types))
        return real(project, *args)

    monkeypatch.setattr(world.backend, name, recording)
    return asked


def test_without_charters_the_pull_searches_test_executions_only(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With only sessions linked, the pull's search leaves Tests and Bugs out."""
    world.add_session("Checkout", defect="Card accepted")
    world.run()
    asked = spy(world, monkeypatch, "search_changed")
    world.run()
    assert asked == [("Test Execution",)]


def test_a_linked_charter_adds_tests_to_the_search(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a charter is linked in the project, its Tests are searched too."""
    world.add_session("Mission", kind="charter")
    world.run()
    asked = spy(world, monkeypatch, "search_changed")
    world.run()
    assert asked == [("Test Execution", "Test")]


def test_a_charter_renamed_in_jira_is_still_pulled(world: World) -> None:
    """A rename of a charter's Test in Jira reaches the charter through the narrowed search."""
    sid = world.add_session("Mission", kind="charter")
    world.add_session("Checkout")
    world.run()
    test_key = world.store.show("alice", sid).to_json()["link"]["test"]
    world.backend.edit_remotely(str(test_key), summary="Renamed mission")
    world.run()
    assert world.store.show("alice", sid).name == "Renamed mission"


def test_the_reconcile_lists_only_the_compared_types(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deletion listing asks for Test Executions only when no charter is linked."""
    world.add_session("Checkout", defect="Card accepted")
    world.run()
    asked = spy(world, monkeypatch, "list_linked")
    summary = world.sync_engine.reconcile(world.stop)
    assert asked == [("Test Execution",)]
    assert summary.errors == 0
