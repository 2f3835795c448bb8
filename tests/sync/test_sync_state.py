"""The store-side queries of the sync engine (store/sync_state.py) on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from store import sync_state
from store.models import AuditEntry, ExploratorySession, JiraLink, OutboxEntry
from tests.sync.conftest import T0, add_owner, add_xray_session


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    name = "db_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


def test_a_claimed_session_is_not_claimed_again_before_its_lease_ends(engine: Engine) -> None:
    """A second worker gets nothing while the first worker's lease runs."""
    sid = add_xray_session(engine, add_owner(engine, "a1"), entries=2)
    first = sync_state.claim(engine, [sid], "w1", 60, T0)
    second = sync_state.claim(engine, [sid], "w2", 60, T0 + timedelta(seconds=59))
    assert [len(first[sid]), second] == [2, {}]


def test_a_dead_workers_claim_expires(engine: Engine) -> None:
    """After the lease, another worker may claim the session."""
    sid = add_xray_session(engine, add_owner(engine, "a2"))
    sync_state.claim(engine, [sid], "w1", 60, T0)
    assert sid in sync_state.claim(engine, [sid], "w2", 60, T0 + timedelta(seconds=61))


def test_racing_workers_claim_each_session_once(engine: Engine) -> None:
    """Eight threads claiming the same twenty sessions: each session goes to exactly one."""
    owner = add_owner(engine, "a3")
    ids = [add_xray_session(engine, owner, f"n{i}") for i in range(20)]
    won: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        got = sync_state.claim(engine, ids, f"w{n}", 60, T0)
        with lock:
            won.extend(got)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == sorted(ids)


def test_pending_skips_claimed_sessions(engine: Engine) -> None:
    """Sessions whose head entry is claimed are not offered as pending."""
    owner = add_owner(engine, "a4")
    free, held = add_xray_session(engine, owner), add_xray_session(engine, owner)
    sync_state.claim(engine, [held], "w1", 60, T0)
    pending = sync_state.pending_sessions(engine, T0, 100, only=[free, held])
    assert pending == [free]


def test_a_failed_session_waits_until_its_retry_time(engine: Engine) -> None:
    """After a failure the session is released but not offered again before retry_at."""
    sid = add_xray_session(engine, add_owner(engine, "a5"))
    sync_state.claim(engine, [sid], "w1", 60, T0)
    sync_state.release_failed(engine, sid, "w1", T0, lambda attempts: 30.0 * attempts)
    assert sync_state.pending_sessions(engine, T0 + timedelta(seconds=29), 10, only=[sid]) == []
    assert sync_state.pending_sessions(engine, T0 + timedelta(seconds=30), 10, only=[sid]) == [sid]
    with Session(engine) as db:
        attempts = db.exec(select(OutboxEntry.attempts).where(  # type: ignore[call-overload]
            OutboxEntry.session_id == sid)).all()
    assert [a[0] for a in attempts] == [1]


def test_a_remote_rename_needs_the_name_seen_and_no_lock(db_engine: Engine) -> None:
    """A pulled rename applies only when the name is unchanged and nobody holds a lock."""
    owner = add_owner(db_engine)
    free = add_xray_session(db_engine, owner, "old", execution="QA-1")
    locked = add_xray_session(db_engine, owner, "old", execution="QA-2", lock_holder="alice")
    assert sync_state.apply_remote_rename(db_engine, free, expected_name="old", new_name="new",
                                          now=T0, lease_seconds=None)
    assert not sync_state.apply_remote_rename(db_engine, free, expected_name="old",
                                              new_name="newer", now=T0, lease_seconds=None)
    assert not sync_state.apply_remote_rename(db_engine, locked, expected_name="old",
                                              new_name="new", now=T0, lease_seconds=None)
    rows = sync_state.load_rows(db_engine, [free, locked])
    assert (rows[free].name, rows[locked].name) == ("new", "old")


def test_a_lock_whose_lease_ran_out_holds_no_pulled_change_back(db_engine: Engine) -> None:
    """With a lease configured, a user's lock past it holds nothing, as for the store's own
    operations: the row reads unlocked, a pulled rename and a deletion's disconnect apply
    (the sync's copy of the lock rule ignored leases before)."""
    owner = add_owner(db_engine)
    renamed = add_xray_session(db_engine, owner, "old", execution="QA-1", lock_holder="alice")
    deleted = add_xray_session(db_engine, owner, "old", execution="QA-2", lock_holder="alice")
    within, past = T0 + timedelta(seconds=59), T0 + timedelta(seconds=60)
    row = sync_state.load_rows(db_engine, [renamed])[renamed]
    assert (row.user_locked(within, 60), row.user_locked(past, 60)) == (True, False)
    assert not sync_state.apply_remote_rename(db_engine, renamed, expected_name="old",
                                              new_name="new", now=within, lease_seconds=60)
    assert sync_state.apply_remote_rename(db_engine, renamed, expected_name="old",
                                          new_name="new", now=past, lease_seconds=60)
    assert sync_state.disconnect_remotely_deleted(db_engine, deleted, "QA-2", past,
                                                  lease_seconds=60)


def test_a_remote_deletion_makes_the_session_standalone_and_keeps_it(db_engine: Engine) -> None:
    """Disconnecting after a remote deletion keeps the session row, drops link and outbox."""
    sid = add_xray_session(db_engine, add_owner(db_engine), "keep", execution="QA-7")
    assert sync_state.disconnect_remotely_deleted(db_engine, sid, "QA-7", T0, lease_seconds=None)
    with Session(db_engine) as db:
        row = db.get(ExploratorySession, sid)
        assert row is not None and (row.mode, row.name) == ("standalone", "keep")
        assert db.get(JiraLink, sid) is None
        audits = db.exec(select(func.count()).select_from(AuditEntry).where(  # type: ignore[call-overload]
            col(AuditEntry.operation) == "sync_disconnect")).one()
    assert audits[0] == 1


def test_the_base_round_trips_through_the_link(db_engine: Engine) -> None:
    """record_synced stores the base, and load_rows reads the same base back."""
    sid = add_xray_session(db_engine, add_owner(db_engine), execution="QA-1")
    base = sync_state.LinkBase("s", "To Do", "2026-11-20T10:00:00+00:00", False, ("e1",),
                               {"Bug A": "QA-9"})
    sync_state.record_synced(db_engine, sid, base=base, digest="x", remote_hash="h", now=T0)
    row = sync_state.load_rows(db_engine, [sid])[sid]
    assert (row.base, row.pushed_digest, row.state) == (base, "x", "synced")


def test_a_renewed_claim_outlives_its_first_lease(engine: Engine) -> None:
    """Renewing a claim keeps other workers off past the original lease."""
    sid = add_xray_session(engine, add_owner(engine, "a6"))
    sync_state.claim(engine, [sid], "w1", 60, T0)
    sync_state.renew(engine, [sid], "w1", 60, T0 + timedelta(seconds=50))
    assert sync_state.claim(engine, [sid], "w2", 60, T0 + timedelta(seconds=100)) == {}
    assert sid in sync_state.claim(engine, [sid], "w2", 60, T0 + timedelta(seconds=111))


def test_charter_projects_names_only_projects_with_a_linked_charter_test(engine: Engine) -> None:
    """Only a project where an xray charter's link has a Test counts; sessions and unpushed
    charters do not."""
    owner = add_owner(engine, "cp")
    cases = [("charter", "CH", "CH-1"), ("charter", "UNPUSHED", None), ("session", "QA", "QA-1")]
    with Session(engine) as db:
        for n, (kind, project, test) in enumerate(cases):
            sid = f"cp{n}".ljust(32, "0")
            db.add(ExploratorySession(id=sid, owner_id=owner[0], workspace_id=owner[1],
                                      name=f"c{n}", type=kind, mode="xray", created=T0,
                                      modified=T0, digest="d" * 64))
            db.flush()
            db.add(JiraLink(session_id=sid, project=project, test=test))
        db.commit()
    assert sync_state.charter_projects(engine) == frozenset({"CH"})
