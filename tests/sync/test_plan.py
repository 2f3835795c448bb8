"""Property tests of the pure sync planner (sync/engine/plan.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from sync.engine.plan import (
    PULL_ACTIONS,
    Action,
    CreateRemote,
    Defer,
    DisconnectOnRemoteDeletion,
    LocalView,
    Policy,
    PullRename,
    PullStatus,
    PushContent,
    RecordBase,
    RecordConflict,
    RemoteDeleted,
    RemoteView,
    SyncBase,
    UpdateFields,
    is_echo,
    plan_session,
)

NAMES = st.sampled_from(["alpha", "beta", "gamma"])
STATUSES = st.sampled_from(["To Do", "In Progress", "Done"])
DIGESTS = st.sampled_from(["d1", "d2", "d3"])
WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
POLICIES = st.builds(
    Policy,
    conflict=st.sampled_from(["local", "remote"]),
    on_status=st.just({"Done": "archive"}),
)


@st.composite
def triples(draw: st.DrawFn, locked: bool | None = None) -> tuple[LocalView, SyncBase, RemoteView]:
    is_locked = draw(st.booleans()) if locked is None else locked
    local = LocalView("s1", draw(NAMES), draw(DIGESTS), locked=is_locked)
    base = SyncBase("QA-1", draw(NAMES), draw(st.none() | STATUSES), draw(st.none() | DIGESTS))
    remote = RemoteView("QA-1", draw(NAMES), draw(STATUSES), WHEN)
    return local, base, remote


@dataclass
class World:
    """Both sides and the base after carrying a plan out, in the simplest possible model."""

    name: str
    digest: str
    remote_summary: str
    remote_status: str
    base: SyncBase


def carry_out(
    local: LocalView, base: SyncBase, remote: RemoteView, plan: tuple[Action, ...]
) -> World:
    world = World(local.name, local.digest, remote.summary, remote.status, base)
    for action in plan:
        if isinstance(action, UpdateFields):
            world.remote_summary = action.summary
            world.base = replace(world.base, summary=action.summary)
        elif isinstance(action, PushContent):
            world.base = replace(world.base, digest=action.digest)
        elif isinstance(action, PullRename):
            world.name = action.name
            world.base = replace(world.base, summary=action.name)
        elif isinstance(action, PullStatus):
            world.base = replace(world.base, status=action.status)
        elif isinstance(action, RecordBase):
            world.base = replace(
                world.base,
                summary=action.summary or world.base.summary,
                status=action.status or world.base.status,
            )
    return world


@given(triples(locked=False), POLICIES)
def test_an_unlocked_session_converges_in_one_plan(
    views: tuple[LocalView, SyncBase, RemoteView], policy: Policy
) -> None:
    """After carrying out one plan on an unlocked session, a second plan has nothing to do."""
    local, base, remote = views
    world = carry_out(local, base, remote, plan_session(local, base, remote, policy))
    again = plan_session(
        replace(local, name=world.name, digest=world.digest),
        world.base,
        RemoteView("QA-1", world.remote_summary, world.remote_status, WHEN),
        policy,
    )
    assert again == ()


@given(triples(locked=True), POLICIES)
def test_a_locked_session_gets_no_pull_action(
    views: tuple[LocalView, SyncBase, RemoteView], policy: Policy
) -> None:
    """A locked session's plan never changes it locally: no rename, status or disconnect pulled."""
    local, base, remote = views
    plan = plan_session(local, base, remote, policy)
    assert not [a for a in plan if isinstance(a, PULL_ACTIONS)]
    assert carry_out(local, base, remote, plan).name == local.name


@given(triples(locked=True), POLICIES)
def test_a_locked_session_defers_every_remote_change(
    views: tuple[LocalView, SyncBase, RemoteView], policy: Policy
) -> None:
    """A locked session whose remote status changed gets a Defer saying the change waits."""
    local, base, remote = views
    plan = plan_session(local, base, remote, policy)
    if remote.status != base.status and base.status is not None:
        assert any(isinstance(a, Defer) for a in plan)


@given(triples(), st.just(Policy(conflict="local")))
def test_keep_local_never_loses_a_local_rename(
    views: tuple[LocalView, SyncBase, RemoteView], policy: Policy
) -> None:
    """Under the default policy a local rename survives and Jira's summary follows it."""
    local, base, remote = views
    world = carry_out(local, base, remote, plan_session(local, base, remote, policy))
    if local.name != base.summary:
        assert world.name == local.name
        assert world.remote_summary == local.name


@given(triples(), POLICIES)
def test_a_conflict_is_recorded_exactly_when_both_sides_renamed_differently(
    views: tuple[LocalView, SyncBase, RemoteView], policy: Policy
) -> None:
    """A conflict is recorded iff both sides renamed differently (and it was not deferred)."""
    local, base, remote = views
    plan = plan_session(local, base, remote, policy)
    both = local.name != base.summary and remote.summary != base.summary
    differ = both and local.name != remote.summary
    deferred = local.locked and policy.conflict == "remote"
    conflicts = [a for a in plan if isinstance(a, RecordConflict)]
    assert bool(conflicts) == (differ and not deferred)
    for note in conflicts:
        assert (note.local, note.remote, note.kept) == (local.name, remote.summary, policy.conflict)


@given(triples(), POLICIES)
def test_saved_content_is_pushed_whenever_it_differs_from_the_base(
    views: tuple[LocalView, SyncBase, RemoteView], policy: Policy
) -> None:
    """Content saved since the last push is pushed, locked or not (the last saved version)."""
    local, base, remote = views
    pushes = [a for a in plan_session(local, base, remote, policy) if isinstance(a, PushContent)]
    expected = [PushContent("s1", "QA-1", local.digest)] if local.digest != base.digest else []
    assert pushes == expected


@given(NAMES, DIGESTS, st.booleans(), st.none() | st.builds(RemoteDeleted, st.just("QA-9")))
def test_a_session_without_base_is_created_once(
    name: str, digest: str, locked: bool, remote: RemoteDeleted | None
) -> None:
    """A session never pushed gets exactly one CreateRemote, whatever else is known."""
    plan = plan_session(LocalView("s1", name, digest, locked), None, remote)
    assert plan == (CreateRemote("s1", name, digest),)


@given(triples(locked=False))
def test_a_remote_deletion_disconnects_and_pushes_nothing(
    views: tuple[LocalView, SyncBase, RemoteView],
) -> None:
    """A confirmed remote deletion of an unlocked session only disconnects it (data kept)."""
    local, base, _ = views
    plan = plan_session(local, base, RemoteDeleted("QA-1"), Policy(on_delete="disconnect"))
    assert plan == (DisconnectOnRemoteDeletion("s1", "disconnect"),)


@given(triples(locked=True))
def test_a_remote_deletion_of_a_locked_session_waits(
    views: tuple[LocalView, SyncBase, RemoteView],
) -> None:
    """A remote deletion of a locked session is deferred, never applied under the lock."""
    local, base, _ = views
    plan = plan_session(local, base, RemoteDeleted("QA-1"))
    assert [type(a) for a in plan] == [Defer]


@given(triples(), POLICIES)
def test_an_echo_of_our_write_pulls_nothing(
    views: tuple[LocalView, SyncBase, RemoteView], policy: Policy
) -> None:
    """A remote view equal to the base (our own write coming back) yields no pull action."""
    local, base, _ = views
    echo = RemoteView("QA-1", base.summary, base.status or "To Do", WHEN)
    if base.status is None:
        base = replace(base, status="To Do")
    assert is_echo(base, echo)
    plan = plan_session(local, base, echo, policy)
    assert not [a for a in plan if isinstance(a, (*PULL_ACTIONS, RecordConflict))]


@given(triples(locked=False))
def test_a_status_change_runs_the_configured_action(
    views: tuple[LocalView, SyncBase, RemoteView],
) -> None:
    """A remote status change of an unlocked session maps to [workflow.on_status] (or None)."""
    local, base, remote = views
    plan = plan_session(local, base, remote, Policy(on_status={"Done": "archive"}))
    statuses = [a for a in plan if isinstance(a, PullStatus)]
    if remote.status == base.status or base.status is None:
        assert statuses == []
    else:
        expected = "archive" if remote.status == "Done" else None
        assert statuses == [PullStatus("s1", remote.status, expected)]


@given(triples())
def test_the_planner_is_deterministic(views: tuple[LocalView, SyncBase, RemoteView]) -> None:
    """The same three views always give the same plan (no hidden state, no clock)."""
    local, base, remote = views
    assert plan_session(local, base, remote) == plan_session(local, base, remote)


def test_a_remote_view_of_none_means_unchanged() -> None:
    """Without news from Jira, an unchanged session's plan is empty (the quiet cycle)."""
    local = LocalView("s1", "alpha", "d1", locked=False)
    assert plan_session(local, SyncBase("QA-1", "alpha", "To Do", "d1"), None) == ()
