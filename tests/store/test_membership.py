"""Membership is part of every rule: a member removed from a workspace keeps no right over
its sessions, owned or locked, and an admin hands their sessions to a member (reassign)."""

from __future__ import annotations

import io
import json

import pytest
from sqlmodel import Session, col, select

from store.errors import Invalid, PermissionDenied
from store.models import AuditEntry
from tests.store.conftest import World


def _audit(world: World, operation: str) -> list[AuditEntry]:
    with Session(world.store.engine) as db:
        return list(db.exec(select(AuditEntry).where(AuditEntry.operation == operation)
                            .order_by(col(AuditEntry.id))).all())


@pytest.mark.parametrize("attempt", ["download", "rename", "duplicate", "move", "delete"])
def test_removed_owner_keeps_no_right_over_their_session(world: World, attempt: str) -> None:
    """After alice leaves qa-team, her session there refuses her owner-only operations."""
    store, sid = world.store, world.session.id
    store.remove_member("root", "qa-team", "alice")
    calls = {"download": lambda: store.download("alice", sid),
             "rename": lambda: store.rename("alice", sid, "Taken"),
             "duplicate": lambda: store.duplicate("alice", sid, "alice", "Mine"),
             "move": lambda: store.move("alice", sid, "alice"),
             "delete": lambda: store.delete("alice", sid)}
    with pytest.raises(PermissionDenied):
        calls[attempt]()
    assert store.show("root", sid).workspace == "qa-team"
    assert store.show("root", sid).name == "Checkout"


def test_removing_a_member_releases_their_locks_there_audited(world: World) -> None:
    """bob's lock in qa-team ends when he is removed, with an audit row naming him."""
    store, sid = world.store, world.session.id
    store.open("bob", sid)
    store.remove_member("root", "qa-team", "bob")
    assert store.show("root", sid).lock is None
    unlocks = _audit(world, "unlock")
    assert [(e.actor, e.session_id, json.loads(e.detail)["holder"]) for e in unlocks] == [
        ("root", sid, "bob")]


def test_removing_a_member_keeps_their_locks_in_other_workspaces(world: World) -> None:
    """bob's lock on his own personal session survives his removal from qa-team."""
    store = world.store
    own = world.upload("bob", "bob", b"mine")
    store.open("bob", own.id)
    store.remove_member("root", "qa-team", "bob")
    lock = store.show("bob", own.id).lock
    assert lock is not None and lock.holder == "bob"


def test_the_owner_is_not_blocked_by_a_removed_members_lock(world: World) -> None:
    """Once bob is removed, alice renames the session bob had locked."""
    store, sid = world.store, world.session.id
    store.open("bob", sid)
    store.remove_member("root", "qa-team", "bob")
    assert store.rename("alice", sid, "Renamed").name == "Renamed"


def test_a_removed_lock_holders_save_is_refused_and_changes_nothing(world: World) -> None:
    """bob's save under the lock he held before his removal is refused; no version is added."""
    store, sid = world.store, world.session.id
    opened = store.open("bob", sid)
    store.remove_member("root", "qa-team", "bob")
    with pytest.raises(PermissionDenied) as refused:
        store.save("bob", sid, io.BytesIO(b"bob's late edit"), lock_epoch=opened.lock_epoch)
    assert refused.value.rule == "members_only"
    assert [v.number for v in store.history("root", sid)] == [1]


def test_admin_reassigns_a_leavers_session_to_a_member(world: World) -> None:
    """root hands alice's session to bob after alice left; bob may rename it, audited."""
    store, sid = world.store, world.session.id
    store.remove_member("root", "qa-team", "alice")
    assert store.reassign("root", sid, "bob").owner == "bob"
    assert store.rename("bob", sid, "Bob's now").owner == "bob"
    assert [json.loads(e.detail) for e in _audit(world, "reassign")] == [
        {"from": "alice", "to": "bob"}]


def test_reassign_to_a_non_member_is_refused(world: World) -> None:
    """The new owner must be a member of the session's workspace (owner_not_member)."""
    store, sid = world.store, world.session.id
    with pytest.raises(Invalid) as refused:
        store.reassign("root", sid, "carol")
    assert refused.value.rule == "owner_not_member"
    assert store.show("root", sid).owner == "alice"


def test_reassign_keeps_the_lock_with_its_holder(world: World) -> None:
    """A reassigned session stays locked by whoever held it."""
    store, sid = world.store, world.session.id
    store.open("bob", sid)
    store.reassign("root", sid, "bob")
    lock = store.show("root", sid).lock
    assert lock is not None and lock.holder == "bob"
