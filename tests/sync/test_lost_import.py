"""An import whose answer never came (issue 9, item 3): the engine never attaches the same
evidence twice, and reads the run only after such an import."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.base import TestRunState
from tests.sync.engine_world import World


@pytest.fixture
def world(tmp_path: Path) -> World:
    made = World(tmp_path)
    made.setup_users()
    return made


def the_run(world: World) -> TestRunState:
    (run,) = world.backend.runs.values()
    return run


def test_an_update_whose_import_answer_was_lost_attaches_nothing_twice(world: World) -> None:
    """The import of a saved change lands but its answer is lost: the next push reads the
    run, sends the import again without the files it shows, and every file is attached
    once (the new session file included)."""
    sid = world.add_session("Slow import")
    world.run()
    world.save(sid, notes=("a new note",))
    world.backend.lose_next_import()
    assert world.run().errors == 1
    before = the_run(world).evidence
    world.backend.calls.clear()
    assert world.run().errors == 0
    after = the_run(world).evidence
    assert after == before
    assert len(after) == len(set(after)) == 3  # screenshot, first and second session file
    assert world.backend.calls["get_test_run"] == 1


def test_a_first_push_whose_import_answer_was_lost_attaches_nothing_twice(
    world: World
) -> None:
    """A first push whose import lands without an answer is adopted by its marker, not
    sent again: one Test Execution, the screenshot and the session file attached once."""
    world.add_session("First")
    world.backend.lose_next_import()
    assert world.run().errors == 0
    assert world.backend.calls["import_new_execution"] == 1
    evidence = the_run(world).evidence
    assert len(evidence) == len(set(evidence)) == 2
    assert len(world.executions()) == 1


def test_a_normal_update_reads_no_run(world: World) -> None:
    """Without a lost import before it, an update with new evidence reads nothing more."""
    sid = world.add_session("Normal")
    world.run()
    world.save(sid, notes=("another note",))
    world.backend.calls.clear()
    world.run()
    assert world.backend.calls["get_test_run"] == 0
    assert world.backend.calls["record_run"] == 1
