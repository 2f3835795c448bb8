"""Managing people and teams is for admins: users, other users' tokens, team workspaces and
their members (the rule `admin_only`), with the bootstrap (no actor, or no user yet) allowed."""

from __future__ import annotations

import pytest

from store.api import Store
from store.errors import PermissionDenied
from store.rules import Actor, AdminOperation, check_admin_only
from tests.store.conftest import World, dump

ALICE = Actor(name="alice")
ROOT = Actor(name="root", is_admin=True)

# (operation, actor, subject, allowed)
TABLE = [
    (AdminOperation.ADD_USER, None, None, True),
    (AdminOperation.ADD_USER, ROOT, None, True),
    (AdminOperation.ADD_USER, ALICE, None, False),
    (AdminOperation.ISSUE_TOKEN, ALICE, "alice", True),
    (AdminOperation.ISSUE_TOKEN, ALICE, "bob", False),
    (AdminOperation.ISSUE_TOKEN, ROOT, "bob", True),
    (AdminOperation.ISSUE_TOKEN, None, "bob", True),
    (AdminOperation.ADD_WORKSPACE, ALICE, None, False),
    (AdminOperation.ADD_WORKSPACE, ROOT, None, True),
    (AdminOperation.CHANGE_MEMBERS, ALICE, None, False),
    (AdminOperation.CHANGE_MEMBERS, None, None, True),
]


@pytest.mark.parametrize(("op", "actor", "subject", "allowed"), TABLE)
def test_admin_only_table(op: AdminOperation, actor: Actor | None, subject: str | None,
                          allowed: bool) -> None:
    """check_admin_only lets admins, the bootstrap and a user's own token through, no one else."""
    if allowed:
        check_admin_only(op, actor, subject)
    else:
        with pytest.raises(PermissionDenied) as refused:
            check_admin_only(op, actor, subject)
        assert refused.value.rule == "admin_only"


def test_user_cannot_add_a_user_and_nothing_is_stored(world: World) -> None:
    """alice (not an admin) adding dave is refused with admin_only, and no row changes."""
    before = dump(world.store)
    with pytest.raises(PermissionDenied) as refused:
        world.store.add_user("dave", actor="alice")
    assert (refused.value.code, refused.value.rule) == ("permission_denied", "admin_only")
    assert dump(world.store) == before


def test_admin_adds_a_user(world: World) -> None:
    """root (an admin) adds dave."""
    assert world.store.add_user("dave", actor="root").name == "dave"


def test_bootstrap_without_actor_adds_a_user(world: World) -> None:
    """With no acting user (init, the sample data) a user is added even though users exist."""
    assert world.store.add_user("dave", actor=None).name == "dave"


def test_first_user_of_an_empty_store_needs_no_admin(store: Store) -> None:
    """In a store with no user yet, whoever is named as actor may add the first user."""
    assert store.add_user("first", admin=True, actor="nobody-yet").role == "admin"


def test_user_issues_their_own_token(world: World) -> None:
    """bob may issue a token for himself, and it logs him in."""
    token = world.store.issue_token("bob", actor="bob")
    assert world.store.user_for_token(token).name == "bob"


def test_user_cannot_issue_another_users_token(world: World) -> None:
    """bob issuing alice's token is refused with admin_only, and alice keeps no new token."""
    before = dump(world.store)
    with pytest.raises(PermissionDenied) as refused:
        world.store.issue_token("alice", actor="bob")
    assert refused.value.rule == "admin_only"
    assert dump(world.store) == before


def test_admin_issues_another_users_token(world: World) -> None:
    """root issues a token for bob that logs bob in."""
    token = world.store.issue_token("bob", actor="root")
    assert world.store.user_for_token(token).name == "bob"


def test_user_cannot_create_a_team_workspace(world: World) -> None:
    """alice creating the team workspace ux is refused with admin_only; no workspace appears."""
    with pytest.raises(PermissionDenied) as refused:
        world.store.add_workspace("alice", "ux")
    assert refused.value.rule == "admin_only"
    assert "ux" not in {w.name for w in world.store.list_workspaces("root")}


def test_admin_creates_a_team_workspace_and_is_a_member(world: World) -> None:
    """root creating ux with carol makes a team of root and carol."""
    made = world.store.add_workspace("root", "ux", members=("carol",))
    assert (made.kind, list(made.members)) == ("team", ["carol", "root"])


def test_bootstrap_team_workspace_has_only_the_named_members(world: World) -> None:
    """Without an acting user, a team workspace holds exactly the members it was given."""
    made = world.store.add_workspace(None, "ux", members=("carol",))
    assert list(made.members) == ["carol"]


def test_member_cannot_remove_a_member(world: World) -> None:
    """alice, a member of qa-team but not an admin, cannot take bob out of it."""
    with pytest.raises(PermissionDenied) as refused:
        world.store.remove_member("alice", "qa-team", "bob")
    assert refused.value.rule == "admin_only"
    assert world.store.show("bob", world.session.id).id == world.session.id
