"""The cycle summary counts exactly what was sent to Jira."""

from __future__ import annotations

from pathlib import Path

from tests.sync.engine_world import World


def test_the_first_rename_after_a_first_push_counts_as_pushed(tmp_path: Path) -> None:
    """A rename right after the first push is sent (from the pull) and counted: pushed 1."""
    world = World(tmp_path)
    world.setup_users()
    sid = world.add_session("Before")
    assert world.run().created == 1
    world.store.rename("alice", sid, "After")
    world.backend.calls.clear()
    summary = world.run()
    assert world.backend.calls["update_summary"] == 1
    assert (summary.pushed, summary.created, summary.errors) == (1, 0, 0)
