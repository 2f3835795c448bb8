"""Users and workspaces: personal workspaces, team members, names that must stay unique,
bearer tokens and Jira accounts, the workspaces each user sees."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text

from store.api import Store
from store.errors import Conflict, Invalid, Locked, PermissionDenied
from tests.store.conftest import Clock, World, dump, make_world


def test_each_user_gets_a_personal_workspace(store: Store) -> None:
    """Adding a user makes a personal workspace named after them, with them as only member."""
    store.add_user("alice")
    (workspace,) = store.list_workspaces("alice")
    assert workspace.to_json() == {"name": "alice", "kind": "personal", "owner": "alice",
                                   "members": ["alice"]}


def test_duplicate_user_name_is_conflict_and_changes_nothing(store: Store) -> None:
    """A second user with a taken name is `conflict`, and nothing is added."""
    store.add_user("alice")
    before = dump(store)
    with pytest.raises(Conflict) as refused:
        store.add_user("alice")
    assert refused.value.rule == "user_exists" and dump(store) == before


def test_reserved_user_name_is_invalid(store: Store) -> None:
    """`jira` names the holder of Jira's locks and cannot be a user."""
    with pytest.raises(Invalid) as refused:
        store.add_user("jira")
    assert refused.value.rule == "name_reserved"


def test_team_workspace_name_must_be_free(world: World) -> None:
    """A team workspace cannot take the name of an existing workspace (a user's, here)."""
    with pytest.raises(Conflict) as refused:
        world.store.add_workspace("root", "bob")
    assert refused.value.rule == "workspace_exists"


def test_removed_member_loses_access(world: World) -> None:
    """After leaving a team, a user can no longer see its sessions."""
    world.store.remove_member("root", "qa-team", "bob")
    with pytest.raises(PermissionDenied):
        world.store.show("bob", world.session.id)


def test_member_who_is_not_admin_cannot_manage_members(world: World) -> None:
    """Even a member of the team (alice) may not change its members: admins only."""
    with pytest.raises(PermissionDenied) as refused:
        world.store.add_member("alice", "qa-team", "carol")
    assert refused.value.rule == "admin_only"


def test_personal_workspace_takes_no_members(world: World) -> None:
    """A personal workspace keeps its one owner."""
    with pytest.raises(Invalid) as refused:
        world.store.add_member("root", "alice", "bob")
    assert refused.value.rule == "personal_workspace"


def test_expired_lease_can_be_taken_over(store: Store, clock: Clock) -> None:
    """With a lease, another member may open once the holder's lease has run out."""
    leased = Store(store.engine, type(store.settings)(home=store.settings.home,
                                                       lock_lease_seconds=60), clock=clock)
    world = make_world(leased)
    sid = world.session.id
    leased.open("bob", sid)
    with pytest.raises(Locked):
        leased.open("alice", sid)
    clock.advance(seconds=60)
    assert leased.open("alice", sid).session.lock.holder == "alice"  # type: ignore[union-attr]
    assert "conflicted copy" in leased.save("bob", sid, io.BytesIO(b"late")).name


def test_archive_is_refused_while_open_in_the_desktop_app(world: World) -> None:
    """Jira cannot archive a session a user has open: `locked`."""
    world.store.open("bob", world.session.id)
    with pytest.raises(Locked):
        world.store.archive("alice", world.session.id, "Done")


def test_admin_unlock_ends_jira_lock(world: World) -> None:
    """An admin's unlock ends an archive lock too."""
    world.store.archive("alice", world.session.id, "Done")
    assert world.store.unlock("root", world.session.id).lock is None


def test_workspace_json_has_the_design_shape(world: World) -> None:
    """A workspace's JSON is name, kind, owner and members."""
    listed = {w.name: w.to_json() for w in world.store.list_workspaces("alice")}
    assert listed == {
        "alice": {"name": "alice", "kind": "personal", "owner": "alice", "members": ["alice"]},
        "qa-team": {"name": "qa-team", "kind": "team", "owner": None,
                    "members": ["alice", "bob"]},
    }


def test_admin_sees_every_workspace(world: World) -> None:
    """Admins list all workspaces, members only theirs."""
    assert len(world.store.list_workspaces("root")) == 5
    assert [w.name for w in world.store.list_workspaces("carol")] == ["carol"]


def test_token_finds_its_user_and_only_its_hash_is_stored(world: World) -> None:
    """An issued token identifies its user, and the token itself is not in the database."""
    token = world.store.issue_token("bob")
    assert world.store.user_for_token(token).name == "bob"
    with world.store.engine.connect() as conn:
        stored = conn.execute(text("SELECT id FROM users WHERE token_hash = :t"), {"t": token})
        assert stored.all() == []


def test_bad_token_is_refused(world: World) -> None:
    """An unknown token is `permission_denied` with rule bad_token."""
    world.store.issue_token("bob")
    with pytest.raises(PermissionDenied) as refused:
        world.store.user_for_token("forged")
    assert refused.value.rule == "bad_token"


def test_user_found_by_jira_account(world: World) -> None:
    """A Jira accountId leads to its user."""
    assert world.store.user_by_jira_account("acc-bob").name == "bob"
