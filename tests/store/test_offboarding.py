"""Offboarding: a disabled user's token is refused at once, their locks are released
(audited) and their sessions kept; tokens may expire; only admins disable or enable."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from store.errors import Conflict, PermissionDenied
from store.models import AuditEntry
from tests.store.conftest import Clock, World


def test_a_disabled_users_token_is_refused_at_once(world: World) -> None:
    """bob's token works, then `disable` makes it bad_token with no other step."""
    token = world.store.issue_token("bob", actor="root")
    assert world.store.user_for_token(token).name == "bob"
    world.store.disable_user("bob", actor="root")
    with pytest.raises(PermissionDenied) as refused:
        world.store.user_for_token(token)
    assert refused.value.rule == "bad_token"


def test_disabling_releases_locks_audited_and_keeps_sessions(world: World) -> None:
    """bob's lock is freed (an unlock naming him in the audit); his own session stays his."""
    store, sid = world.store, world.session.id
    own = world.upload("bob", "bob", b"bob's")
    store.open("bob", sid)
    store.disable_user("bob", actor="root")
    assert store.show("root", sid).lock is None
    assert store.show("root", own.id).owner == "bob"
    with Session(store.engine) as db:
        unlocks = db.exec(select(AuditEntry).where(AuditEntry.operation == "unlock")).all()
    assert [(u.session_id, json.loads(u.detail)["holder"]) for u in unlocks] == [(sid, "bob")]


def test_a_disabled_user_gets_no_new_token_until_enabled(world: World) -> None:
    """issue_token for a disabled user is conflict user_disabled; after enable it works."""
    world.store.disable_user("bob", actor="root")
    with pytest.raises(Conflict) as refused:
        world.store.issue_token("bob", actor="root")
    assert refused.value.rule == "user_disabled"
    world.store.enable_user("bob", actor="root")
    assert world.store.user_for_token(world.store.issue_token("bob", actor="root")).name == "bob"


def test_only_admins_disable(world: World) -> None:
    """alice (not an admin) may not disable bob: admin_only, bob untouched."""
    with pytest.raises(PermissionDenied) as refused:
        world.store.disable_user("bob", actor="alice")
    assert refused.value.rule == "admin_only"
    assert world.store.get_user("bob").disabled_at is None


def test_a_token_expires(world: World, clock: Clock) -> None:
    """A token issued for 90 days works on day 89 and is token_expired on day 90."""
    token = world.store.issue_token("bob", actor="root", expires=timedelta(days=90))
    clock.advance(days=89)
    assert world.store.user_for_token(token).name == "bob"
    clock.advance(days=1)
    with pytest.raises(PermissionDenied) as refused:
        world.store.user_for_token(token)
    assert refused.value.rule == "token_expired"
