"""`[sync] on_purge`: what the engine does in Jira once a deleted xray session is purged."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from connector.errors import Unavailable
from store import sync_state
from sync.engine.purge import PurgedIssue, PurgePolicy, comment_text, purged_issue
from tests.sync.engine_world import World


def world_with(tmp_path: Path, policy: PurgePolicy) -> World:
    made = World(tmp_path, purge=policy)
    made.setup_users()
    return made


def purge(world: World, sid: str) -> None:
    """Delete the session to the trash, then purge the trash."""
    world.store.delete("alice", sid)
    assert world.store.purge_trash(older_than=world.clock.now + timedelta(days=1)) == [sid]


def pushed_session(world: World, name: str = "Checkout", kind: str = "session") -> tuple[str, str]:
    """A session pushed once; its id and the key it is compared with."""
    sid = world.add_session(name, kind=kind)
    world.run()
    (issue,) = [i for i in world.backend.issues.values()
                if i.issue_type == ("Test" if kind == "charter" else "Test Execution")]
    return sid, issue.key


def test_transition_moves_the_purged_sessions_execution(tmp_path: Path) -> None:
    """on_purge = "transition": the Test Execution moves to purge_transition."""
    world = world_with(tmp_path, PurgePolicy("transition", "Cancelled"))
    sid, key = pushed_session(world)
    purge(world, sid)
    summary = world.run()
    assert summary.errors == 0
    assert world.backend.issues[key].status == "Cancelled"
    assert sync_state.outbox_depth(world.engine) == 0


def test_comment_tells_the_session_was_deleted(tmp_path: Path) -> None:
    """on_purge = "comment": one comment saying the session was deleted lands on the issue."""
    world = world_with(tmp_path, PurgePolicy("comment"))
    sid, key = pushed_session(world)
    purge(world, sid)
    world.run()
    world.run()
    (comment,) = world.backend.issues[key].comments
    assert "was deleted in xray-sync" in comment and sid in comment


def test_the_purge_comment_names_the_session(tmp_path: Path) -> None:
    """The comment gives the purged session's name (carried by its purge entry), not only its id."""
    world = world_with(tmp_path, PurgePolicy("comment"))
    sid, key = pushed_session(world, "Checkout with a gift card")
    purge(world, sid)
    world.run()
    assert world.backend.issues[key].comments == [
        comment_text(sid, "Checkout with a gift card")]
    assert '"Checkout with a gift card"' in world.backend.issues[key].comments[0]


def test_a_purge_entry_without_a_name_still_names_the_id() -> None:
    """An entry written before the name was carried gives a PurgedIssue without a name."""
    payload = '{"project": "QA", "test_execution": "QA-7", "test": "QA-6"}'
    issue = purged_issue("s1", [(1, "purge", payload)])
    assert issue == PurgedIssue("s1", "QA-7", None)
    assert "session s1 was deleted" in comment_text("s1", None)


def test_leave_sends_nothing_to_jira(tmp_path: Path) -> None:
    """on_purge = "leave": the purge costs no transition and no comment; the entry is done."""
    world = world_with(tmp_path, PurgePolicy("leave"))
    sid, key = pushed_session(world)
    purge(world, sid)
    world.run()
    assert world.backend.calls["transition_issue"] + world.backend.calls["add_comment"] == 0
    assert world.backend.issues[key].status == "To Do"
    assert sync_state.outbox_depth(world.engine) == 0


def test_a_charter_purge_acts_on_its_test(tmp_path: Path) -> None:
    """A purged charter has no Test Execution: its Test is transitioned."""
    world = world_with(tmp_path, PurgePolicy("transition", "Cancelled"))
    sid, key = pushed_session(world, "Mission", kind="charter")
    purge(world, sid)
    world.run()
    assert world.backend.issues[key].status == "Cancelled"


def test_a_session_never_pushed_needs_nothing(tmp_path: Path) -> None:
    """A session purged before its first push has no issue: no call, the entry is done."""
    world = world_with(tmp_path, PurgePolicy("comment"))
    sid = world.add_session("Never pushed")
    purge(world, sid)
    world.run()
    assert world.backend.issues == {}
    assert world.backend.calls["add_comment"] == 0
    assert sync_state.outbox_depth(world.engine) == 0


def test_jira_down_keeps_the_purge_for_a_later_cycle(tmp_path: Path) -> None:
    """A failed transition keeps the purge entry; the next cycle carries it out."""
    world = world_with(tmp_path, PurgePolicy("transition", "Cancelled"))
    sid, key = pushed_session(world)
    purge(world, sid)
    world.backend.fail_next(Unavailable("down", status=503), call="transition_issue")
    failed = world.run()
    assert failed.errors == 1 and sync_state.outbox_depth(world.engine) > 0
    world.run()
    assert world.backend.issues[key].status == "Cancelled"
    assert sync_state.outbox_depth(world.engine) == 0


def test_an_issue_deleted_in_jira_is_no_error(tmp_path: Path) -> None:
    """The purged session's issue is already gone from Jira: nothing to do, no error."""
    world = world_with(tmp_path, PurgePolicy("comment"))
    sid, key = pushed_session(world)
    world.backend.delete_issue(key)
    purge(world, sid)
    summary = world.run()
    assert summary.errors == 0
    assert sync_state.outbox_depth(world.engine) == 0
