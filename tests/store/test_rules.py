"""The rules table of docs/design.md section 3, asked of the pure `store.rules.decide`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store.errors import Conflict, Locked, PermissionDenied, StoreError
from store.rules import (
    JIRA_HOLDER,
    Actor,
    Operation,
    SessionState,
    Verdict,
    decide,
    effective_holder,
)
from tests.store.rules_table import ACTOR_NAMES, MEMBERS, OTHER_HOLDER, cases, expected, owner_for

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _actor(kind: str) -> Actor:
    return Actor(name=ACTOR_NAMES[kind], is_admin=kind == "admin", is_member=kind in MEMBERS)


def _state(op: str, kind: str, actor: Actor, lock: str, mode: str) -> SessionState:
    holder = {"none": None, "actor": actor.name, "other": OTHER_HOLDER}[lock]
    return SessionState(owner=owner_for(kind), mode=mode, lock_holder=holder,
                        lock_since=NOW if holder else None, lock_epoch=1,
                        trashed=op == "restore")


def _outcome(op: str, actor: Actor, state: SessionState) -> str:
    try:
        decide(Operation(op), actor, state, NOW)
    except StoreError as exc:
        return exc.code
    return "ok"


@pytest.mark.parametrize(("op", "actor", "lock", "mode"), cases())
def test_rules_table_cell(op: str, actor: str, lock: str, mode: str) -> None:
    """Each cell of the rules table is allowed or refused with its exact error code."""
    who = _actor(actor)
    assert _outcome(op, who, _state(op, actor, who, lock, mode)) == expected(op, actor, lock, mode)


def test_permission_is_checked_before_the_lock() -> None:
    """A non-member facing a locked session hears about permission, not the lock."""
    state = SessionState(owner="alice", lock_holder="dave", lock_since=NOW)
    with pytest.raises(PermissionDenied) as refused:
        decide(Operation.RENAME, Actor("carol"), state, NOW)
    assert refused.value.rule == "owner_only"


def test_mode_is_checked_before_the_lock() -> None:
    """Connecting an xray session locked by another is a mode conflict, not a lock refusal."""
    state = SessionState(owner="alice", mode="xray", lock_holder="dave", lock_since=NOW)
    with pytest.raises(Conflict) as refused:
        decide(Operation.CONNECT, Actor("alice", is_member=True), state, NOW)
    assert refused.value.rule == "already_connected"


def test_locked_error_names_holder_and_since() -> None:
    """The `locked` refusal carries who holds the lock and since when."""
    state = SessionState(owner="alice", lock_holder="dave", lock_since=NOW)
    with pytest.raises(Locked) as refused:
        decide(Operation.OPEN, Actor("bob", is_member=True), state, NOW)
    assert (refused.value.holder, refused.value.since) == ("dave", NOW)


def test_save_after_admin_unlock_is_a_conflicted_copy() -> None:
    """The holder of a broken lock may still save, as a conflicted copy."""
    state = SessionState(owner="alice", broken_lock_holder="bob", broken_lock_epoch=1)
    verdict = decide(Operation.SAVE, Actor("bob", is_member=True), state, NOW)
    assert verdict is Verdict.CONFLICTED_COPY


def test_save_with_an_old_lock_epoch_is_a_conflicted_copy() -> None:
    """A save that names an earlier epoch than the current lock's does not overwrite."""
    state = SessionState(owner="alice", lock_holder="bob", lock_since=NOW, lock_epoch=3)
    verdict = decide(Operation.SAVE, Actor("bob", is_member=True, lock_epoch=1), state, NOW)
    assert verdict is Verdict.CONFLICTED_COPY


def test_lease_expiry_frees_the_lock() -> None:
    """With a lease, a lock older than the lease no longer counts."""
    state = SessionState(owner="alice", lock_holder="dave", lock_since=NOW, lease_seconds=60)
    assert effective_holder(state, NOW + timedelta(seconds=59)) == "dave"
    assert effective_holder(state, NOW + timedelta(seconds=60)) is None


def test_jira_lock_has_no_lease() -> None:
    """Jira's archive lock outlives any lease: only unarchive or an admin ends it."""
    state = SessionState(owner="alice", lock_holder=JIRA_HOLDER, lock_since=NOW,
                         lease_seconds=60)
    assert effective_holder(state, NOW + timedelta(days=30)) == JIRA_HOLDER


def test_unarchive_needs_jira_lock() -> None:
    """Unarchiving a session that Jira did not lock is a `conflict` (rule not_archived)."""
    state = SessionState(owner="alice", lock_holder="dave", lock_since=NOW)
    with pytest.raises(Conflict) as refused:
        decide(Operation.UNARCHIVE, Actor("alice", is_member=True), state, NOW)
    assert refused.value.rule == "not_archived"


def test_trashed_session_refuses_changes() -> None:
    """A session in the trash cannot be renamed until it is restored."""
    state = SessionState(owner="alice", trashed=True)
    with pytest.raises(Conflict) as refused:
        decide(Operation.RENAME, Actor("alice", is_member=True), state, NOW)
    assert refused.value.rule == "in_trash"
