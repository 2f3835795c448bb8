"""The cycle summary counts exactly what was sent to Jira."""

from __future__ import annotations

from pathlib import Path

from store import sync_state
from sync.cli.sync_cmds import summary_text
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


def test_a_deferred_change_is_counted_with_its_reason(tmp_path: Path) -> None:
    """A remote rename of a locked session is counted as deferred, and says why."""
    world = World(tmp_path)
    world.setup_users()
    sid = world.add_session("Locked")
    world.run()
    world.store.open("alice", sid)
    key = str(world.store.show("alice", sid).to_json()["link"]["test_execution"])
    world.backend.edit_remotely(key, summary="Remote")
    summary = world.run()
    assert summary.deferred == 1
    assert summary.deferred_messages == [f"{sid}: remote rename waits for the lock to end"]


def test_work_claimed_by_another_process_is_counted_as_left_to_it(tmp_path: Path) -> None:
    """A session the daemon holds is not pushed here; the summary says one was left to it."""
    world = World(tmp_path)
    world.setup_users()
    sid = world.add_session("Held")
    assert sync_state.claim(world.engine, [sid], "daemon", 120, world.clock())
    summary = world.run()
    assert (summary.pushed, summary.skipped) == (0, 1)
    assert "1 session(s) already claimed by another process" in summary_text(summary.to_json())
