"""The change feed's stamp (store/changes.py) moves with every change the console shows and
stays equal while nothing changes, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from store.api import Store
from store.models import AuditEntry
from store.sync_state import (
    LinkBase,
    clear_conflict,
    disconnect_remotely_deleted,
    mark_started,
    record_base,
    record_conflict,
    record_error,
    record_keys,
    record_synced,
)
from tests.store.conftest import World, make_world

NOW = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
BASE = LinkBase(summary="Checkout", status="To Do")
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]  # SQLModel sets it


@pytest.fixture
def linked(store: Store) -> World:
    """The small world, its session `xray` with a pending link in project QA."""
    return make_world(store, mode="xray")


def _synced(engine: Engine, sid: str) -> None:
    record_synced(engine, sid, base=BASE, digest="d" * 64, remote_hash="h", now=NOW)


SYNC_RESULTS: dict[str, Callable[[Engine, str], object]] = {
    "keys recorded": lambda engine, sid: record_keys(
        engine, sid, test="QA-1", test_execution="QA-2", base=BASE),
    "a push recorded": _synced,
    "an error set": lambda engine, sid: record_error(engine, sid, "Jira answered 503", NOW),
    "a pull's base (last_synced moved)": lambda engine, sid: record_base(
        engine, sid, base=BASE, remote_hash="h2", now=NOW),
    "a conflict noted": lambda engine, sid: record_conflict(engine, sid, "Jira's name won", NOW),
    "the link dropped (Jira deleted it)": lambda engine, sid: disconnect_remotely_deleted(
        engine, sid, "QA-2", NOW, lease_seconds=None),
}


@pytest.mark.parametrize("result", SYNC_RESULTS.values(), ids=SYNC_RESULTS.keys())
def test_a_sync_result_moves_the_stamp(linked: World, result: Callable[[Engine, str], object]
                                       ) -> None:
    """Each thing the sync records on a link moves the stamp."""
    before = linked.store.change_stamp()
    result(linked.store.engine, linked.session.id)
    assert linked.store.change_stamp() != before


def test_an_error_cleared_moves_the_stamp(linked: World) -> None:
    """A push that succeeds after an error (the error cleared) moves the stamp."""
    engine, sid = linked.store.engine, linked.session.id
    record_error(engine, sid, "Jira answered 503", NOW)
    before = linked.store.change_stamp()
    _synced(engine, sid)
    assert linked.store.change_stamp() != before


def test_a_conflict_note_cleared_moves_the_stamp(linked: World) -> None:
    """The note of a conflict going away moves the stamp."""
    engine, sid = linked.store.engine, linked.session.id
    record_conflict(engine, sid, "Jira's name won", NOW)
    before = linked.store.change_stamp()
    clear_conflict(engine, sid)
    assert linked.store.change_stamp() != before


LINK_OPERATIONS: dict[str, Callable[[World], object]] = {
    "disconnect (the link dropped)": lambda w: w.store.disconnect("alice", w.session.id),
    "duplicate (a link added)": lambda w: w.store.duplicate("alice", w.session.id, "qa-team"),
    "connect (a link added)": lambda w: w.store.connect(
        "alice", w.upload(name="Standalone").id, "QA"),
}


@pytest.mark.parametrize("operation", LINK_OPERATIONS.values(), ids=LINK_OPERATIONS.keys())
def test_a_management_operation_on_a_link_moves_the_stamp(
        linked: World, operation: Callable[[World], object]) -> None:
    """Adding or dropping a link by a management operation moves the stamp."""
    before = linked.store.change_stamp()
    operation(linked)
    assert linked.store.change_stamp() != before


def test_purging_a_linked_session_moves_the_stamp(linked: World) -> None:
    """The purge of a trashed `xray` session (its link dropped) moves the stamp."""
    linked.store.delete("alice", linked.session.id)
    before = linked.store.change_stamp()
    assert linked.store.purge_trash(older_than=NOW) == [linked.session.id]
    assert linked.store.change_stamp() != before


def test_the_stamp_stays_while_nothing_changes(linked: World) -> None:
    """Two reads with nothing written between them give the same stamp."""
    assert linked.store.change_stamp() == linked.store.change_stamp()


def test_the_same_error_recorded_again_keeps_the_stamp(linked: World) -> None:
    """A failure retried each cycle, recorded with the same message, changes nothing shown."""
    engine, sid = linked.store.engine, linked.session.id
    record_error(engine, sid, "Jira answered 503", NOW)
    before = linked.store.change_stamp()
    record_error(engine, sid, "Jira answered 503", NOW)
    assert linked.store.change_stamp() == before


def test_the_sync_base_alone_keeps_the_stamp(linked: World) -> None:
    """Marking a create as sent (the base only, not shown) leaves the stamp as it was."""
    before = linked.store.change_stamp()
    mark_started(linked.store.engine, linked.session.id, BASE)
    assert linked.store.change_stamp() == before


def test_an_audit_row_committed_after_a_higher_one_moves_the_stamp(linked: World) -> None:
    """A row whose id is below the highest (PostgreSQL hands out ids before the commit)
    still moves the stamp."""
    engine = linked.store.engine
    with engine.begin() as conn:
        top = int(conn.execute(select(func.max(AUDIT.c.id))).scalar_one())
        conn.execute(AUDIT.insert().values(id=top + 2, operation="open", detail="{}", at=NOW))
    before = linked.store.change_stamp()
    with engine.begin() as conn:
        conn.execute(AUDIT.insert().values(id=top + 1, operation="open", detail="{}", at=NOW))
    assert linked.store.change_stamp() != before
