"""The engine end to end: a real store (SQLite), the fake Jira, push, pull and reconcile."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from connector.errors import Unavailable
from store import sync_state
from sync.engine.plan import Policy
from tests.sync.engine_world import World


@pytest.fixture
def world(tmp_path: Path) -> World:
    made = World(tmp_path)
    made.setup_users()
    return made


def link(world: World, sid: str) -> dict[str, object]:
    out = world.store.show("alice", sid).to_json()["link"]
    assert isinstance(out, dict)
    return out


def test_a_first_push_creates_the_entities_within_five_requests(world: World) -> None:
    """A first push makes Test, Test Execution, Bug, run and link in at most 5 calls."""
    sid = world.add_session("Checkout", defect="Card accepted")
    before = world.calls()
    summary = world.run()
    push_calls = world.calls() - before - world.backend.calls["search_changed"]
    assert summary.created == 1 and summary.errors == 0
    assert push_calls <= 5
    kinds = sorted(i.issue_type for i in world.backend.issues.values())
    assert kinds == ["Bug", "Test", "Test Execution"]
    assert link(world, sid)["state"] == "synced"


def test_a_quiet_cycle_sends_one_search_only(world: World) -> None:
    """When nothing changed, a cycle costs exactly one search request."""
    world.add_session("Quiet")
    world.run()
    world.backend.calls.clear()
    world.run()
    assert dict(world.backend.calls) == {"search_changed": 1}


def test_an_update_costs_at_most_three_requests(world: World) -> None:
    """A saved change and a rename together reach Jira in at most 3 requests."""
    sid = world.add_session("Update me")
    world.run()
    world.save(sid, notes=("new note",), defect="New bug")
    world.store.rename("alice", sid, "Updated")
    world.backend.calls.clear()
    world.run()
    pushed = sum(n for name, n in world.backend.calls.items() if name != "search_changed")
    assert pushed <= 3
    execution = world.backend.issues[str(link(world, sid)["test_execution"])]
    assert execution.summary == "Updated"


def test_evidence_already_uploaded_is_not_sent_again(world: World) -> None:
    """A second push after a save sends only evidence whose bytes are new."""
    sid = world.add_session("Evidence")
    world.run()
    run = next(iter(world.backend.runs.values()))
    first = len(run.evidence)
    world.save(sid, notes=("only the note changed",))
    world.run()
    run = next(iter(world.backend.runs.values()))
    # the screenshot is the same bytes: only the new session file is attached
    assert len(run.evidence) == first + 1


def test_a_lost_create_response_never_duplicates(world: World) -> None:
    """A create whose answer is lost is found by its marker: one Test Execution in the end."""
    world.add_session("Lost")
    world.backend.lose_next_create()
    world.run()
    world.run()
    assert len(world.executions()) == 1


def test_one_failing_session_blocks_only_itself(world: World) -> None:
    """A Jira failure on one session leaves the others pushed and retries it later."""
    first = world.add_session("A")
    second = world.add_session("B")
    world.backend.fail_next(Unavailable("down", status=503))
    summary = world.run()
    assert summary.errors == 1 and summary.created == 1
    world.run()
    assert {link(world, first)["state"], link(world, second)["state"]} == {"synced"}
    assert len(world.executions()) == 2


def test_a_remote_rename_renames_locally(world: World) -> None:
    """A summary changed in Jira becomes the session's name (no echo back to Jira)."""
    sid = world.add_session("Before")
    world.run()
    world.backend.edit_remotely(str(link(world, sid)["test_execution"]), summary="After")
    world.run()
    world.backend.calls.clear()
    world.run()
    assert world.store.show("alice", sid).name == "After"
    assert "update_summary" not in world.backend.calls


def test_a_locked_session_waits_for_its_unlock(world: World) -> None:
    """A remote rename of a locked session is applied only after the lock ends."""
    sid = world.add_session("Locked")
    world.run()
    world.store.open("alice", sid)
    world.backend.edit_remotely(str(link(world, sid)["test_execution"]), summary="Remote")
    summary = world.run()
    assert summary.deferred == 1
    assert world.store.show("alice", sid).name == "Locked"
    world.store.close("alice", sid)
    world.run()
    assert world.store.show("alice", sid).name == "Remote"


def test_both_renamed_keeps_local_and_records_the_conflict(world: World) -> None:
    """When both sides renamed, the local name wins by default and the conflict is noted."""
    sid = world.add_session("Base")
    world.run()
    key = str(link(world, sid)["test_execution"])
    world.backend.edit_remotely(key, summary="Jira side")
    world.store.rename("alice", sid, "Local side")
    summary = world.run()
    world.run()
    assert summary.conflicts == 1
    assert world.store.show("alice", sid).name == "Local side"
    assert world.backend.issues[key].summary == "Local side"
    row = sync_state.load_rows(world.engine, [sid])[sid]
    assert row.state == "synced"


def test_keep_remote_policy_takes_jiras_name(tmp_path: Path) -> None:
    """With conflict_policy remote, Jira's name wins and the conflict is noted."""
    world = World(tmp_path, policy=Policy(conflict="remote"))
    world.setup_users()
    sid = world.add_session("Base")
    world.run()
    world.backend.edit_remotely(str(link(world, sid)["test_execution"]), summary="Jira side")
    world.store.rename("alice", sid, "Local side")
    world.run()
    world.run()
    assert world.store.show("alice", sid).name == "Jira side"


def test_a_status_change_runs_the_workflow_action(world: World) -> None:
    """The Test Execution moved to Done archives the session (a lock held by jira)."""
    sid = world.add_session("Archive me")
    world.run()
    world.run()  # the create's echo teaches the engine the first status
    world.backend.edit_remotely(str(link(world, sid)["test_execution"]), status="Done")
    world.run()
    lock = world.store.show("alice", sid).to_json()["lock"]
    assert isinstance(lock, dict) and lock["holder"] == "jira"


def test_a_remote_deletion_makes_the_session_standalone(world: World) -> None:
    """Reconcile confirms a deleted Test Execution and the session keeps its data, standalone."""
    sid = world.add_session("Gone")
    keep = world.add_session("Stays")
    world.run()
    world.backend.delete_issue(str(link(world, sid)["test_execution"]))
    world.sync_engine.reconcile(world.stop)
    out = world.store.show("alice", sid)
    assert (out.mode, out.name, out.link) == ("standalone", "Gone", None)
    assert world.store.show("alice", keep).mode == "xray"


def test_a_remote_deletion_mapped_to_archive_says_it_was_deleted(tmp_path: Path) -> None:
    """`on_delete = "archive"` locks the session with the reason "KEY was deleted" (the reason
    the bridge gives; before, the sync said "KEY moved to deleted")."""
    world = World(tmp_path, policy=Policy(on_delete="archive"))
    world.setup_users()
    sid = world.add_session("Gone")
    world.add_session("Stays")  # the listing is not empty (the guard)
    world.run()
    key = str(link(world, sid)["test_execution"])
    world.backend.delete_issue(key)
    world.sync_engine.reconcile(world.stop)
    lock = world.store.show("alice", sid).lock
    assert lock is not None and lock.reason == f"archived by Jira: {key} was deleted"


def test_an_empty_listing_deletes_nothing(world: World) -> None:
    """A listing that comes back empty while links exist is an error, nothing is disconnected."""
    sid = world.add_session("Kept")
    world.run()
    for key in list(world.backend.issues):
        world.backend.issues[key].labels = ()
    summary = world.sync_engine.reconcile(world.stop)
    assert summary.errors == 1
    assert world.store.show("alice", sid).mode == "xray"


def test_a_failed_listing_deletes_nothing(world: World) -> None:
    """A listing that fails is an error, nothing is disconnected."""
    sid = world.add_session("Kept")
    world.run()
    world.backend.fail_next(Unavailable("down", status=503))
    summary = world.sync_engine.reconcile(world.stop)
    assert summary.errors == 1
    assert world.store.show("alice", sid).mode == "xray"


def test_a_charter_becomes_one_test(world: World) -> None:
    """A charter is pushed as a single Generic Test carrying the mission."""
    world.add_session("Mission", kind="charter")
    world.run()
    kinds = [i.issue_type for i in world.backend.issues.values()]
    assert kinds == ["Test"]
    assert next(iter(world.backend.issues.values())).mission == "Explore mission"


def test_a_deleted_session_in_trash_keeps_its_link(world: World) -> None:
    """Deleting to trash keeps the link and the Jira issue; nothing is sent for it."""
    sid = world.add_session("Trash")
    world.run()
    world.store.delete("alice", sid)
    world.backend.calls.clear()
    world.run()
    assert len(world.executions()) == 1
    assert world.store.show("alice", sid).link is not None


class Crash(BaseException):
    """The process died between Jira's answer and the local commit."""


def test_a_crash_after_the_remote_write_never_duplicates(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash before the link is committed: the next engine finds the entities by marker."""
    sid = world.add_session("Crashy")

    def crash(*args: object, **kwargs: object) -> None:
        raise Crash()

    with monkeypatch.context() as patch:
        patch.setattr(sync_state, "record_synced", crash)
        with pytest.raises(Crash):
            world.run()
    assert len(world.executions()) == 1
    world.clock.now += timedelta(seconds=600)  # the dead engine's lease runs out
    summary = world.run()
    assert summary.errors == 0
    assert len(world.executions()) == 1
    assert link(world, sid)["state"] == "synced"


def test_a_crash_after_an_updates_new_bug_never_creates_it_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between an update's Bug create and the recorded base: the next push adopts that
    Bug by its marker instead of creating it again (found by bench_kill9.py)."""
    sid = world.add_session("Checkout")
    world.run()
    world.save(sid, defect="Card declined twice")

    def crash(*args: object, **kwargs: object) -> None:
        raise Crash()

    with monkeypatch.context() as patch:
        patch.setattr(world.backend, "record_run", crash)
        with pytest.raises(Crash):
            world.run()
    world.clock.now += timedelta(seconds=600)  # the dead engine's lease runs out
    summary = world.run()
    bugs = [i for i in world.backend.issues.values() if i.issue_type == "Bug"]
    assert summary.errors == 0 and [b.summary for b in bugs] == ["Card declined twice"]
    assert link(world, sid)["state"] == "synced"


def test_an_archived_session_is_unarchived_when_jira_reopens_it(tmp_path: Path) -> None:
    """Jira's own archive lock does not hold back Jira's next status: Reopened unarchives."""
    world = World(tmp_path, policy=Policy(on_status={"Done": "archive",
                                                     "Reopened": "unarchive"}))
    world.setup_users()
    sid = world.add_session("Round trip")
    world.run()
    world.run()
    key = str(link(world, sid)["test_execution"])
    world.backend.edit_remotely(key, status="Done")
    world.run()
    assert world.store.show("alice", sid).to_json()["lock"] is not None
    world.backend.edit_remotely(key, status="Reopened")
    world.run()
    assert world.store.show("alice", sid).to_json()["lock"] is None
