"""The outbox as the sync engine works through it (`store.sync_claims`, re-exported by
`store.sync_state`): pending sessions, exclusive claims, completion, failure, and the
outbox entry living and dying with its change; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select

from store import sync_state
from store.api import Store
from store.errors import Locked
from store.sync_claims import OUTBOX
from tests.store.conftest import Clock, World, make_world

LEASE = 60


@pytest.fixture
def xray_world(store: Store) -> World:
    """A world whose session is Xray-connected (its import wrote a `connect` entry)."""
    return make_world(store, mode="xray")


def test_pending_sessions_come_by_oldest_change(xray_world: World, clock: Clock) -> None:
    """A session changed first comes first, even when it also has a newer change."""
    store, first = xray_world.store, xray_world.session.id
    second = xray_world.upload(mode="xray", project="QA", name="Second").id
    store.rename("alice", first, "Renamed")
    assert sync_state.pending_sessions(store.engine, clock.now, 10) == [first, second]


def test_claim_gives_the_sessions_entries_in_order(xray_world: World, clock: Clock) -> None:
    """A claimed session's entries come oldest first, each with its JSON payload."""
    store, sid = xray_world.store, xray_world.session.id
    store.rename("alice", sid, "Renamed")
    claimed = sync_state.claim(store.engine, [sid], "worker-1", LEASE, clock.now)
    kinds = [kind for _, kind, _ in claimed[sid]]
    assert kinds == ["connect", "rename"]
    assert json.loads(claimed[sid][-1][2]) == {"name": "Renamed"}


def test_claimed_session_is_not_pending_until_the_lease_ends(xray_world: World,
                                                             clock: Clock) -> None:
    """A session claimed by a worker is left out of pending until its lease runs out."""
    engine, sid = xray_world.store.engine, xray_world.session.id
    sync_state.claim(engine, [sid], "worker-1", LEASE, clock.now)
    assert sync_state.pending_sessions(engine, clock.now, 10) == []
    assert sync_state.pending_sessions(engine, clock.advance(seconds=LEASE), 10) == [sid]


def test_claim_is_exclusive_until_the_lease_ends(xray_world: World, clock: Clock) -> None:
    """A second worker cannot claim a held session; after the lease it can."""
    engine, sid = xray_world.store.engine, xray_world.session.id
    sync_state.claim(engine, [sid], "worker-1", LEASE, clock.now)
    assert sync_state.claim(engine, [sid], "worker-2", LEASE, clock.now) == {}
    assert sid in sync_state.claim(engine, [sid], "worker-2", LEASE,
                                   clock.advance(seconds=LEASE + 1))


def test_eight_racing_workers_claim_each_session_once(xray_world: World, clock: Clock) -> None:
    """Eight workers racing for the same sessions end up with disjoint claims covering all."""
    ids = [xray_world.session.id] + [
        xray_world.upload(mode="xray", project="QA", name=f"S{i}").id for i in range(5)]
    barrier = threading.Barrier(8)

    def work(n: int) -> list[str]:
        barrier.wait()
        return list(sync_state.claim(xray_world.store.engine, ids, f"worker-{n}", LEASE,
                                     clock.now))

    with ThreadPoolExecutor(max_workers=8) as pool:
        claims = list(pool.map(work, range(8)))
    everything = [sid for claimed in claims for sid in claimed]
    assert sorted(everything) == sorted(ids)


def test_complete_removes_the_entries(xray_world: World, clock: Clock) -> None:
    """Completed entries leave the outbox: nothing is pending, the depth is zero."""
    engine, sid = xray_world.store.engine, xray_world.session.id
    claimed = sync_state.claim(engine, [sid], "worker-1", LEASE, clock.now)
    sync_state.complete(engine, [entry_id for entry_id, _, _ in claimed[sid]])
    assert (sync_state.outbox_depth(engine),
            sync_state.pending_sessions(engine, clock.now, 10)) == (0, [])


def test_failure_counts_an_attempt_backs_off_and_shows_on_the_link(xray_world: World,
                                                                   clock: Clock) -> None:
    """A failed push counts an attempt, frees the session after the backoff, and the link
    shows the error."""
    store, sid = xray_world.store, xray_world.session.id
    sync_state.claim(store.engine, [sid], "worker-1", LEASE, clock.now)
    tries = sync_state.release_failed(store.engine, sid, "worker-1", clock.now,
                                      lambda attempts: 30.0 * attempts)
    sync_state.record_error(store.engine, sid, "Jira answered 500", clock.now)
    link = store.show("alice", sid).link
    assert tries == 1
    assert link is not None and (link.state, link.error) == ("error", "Jira answered 500")
    assert sync_state.pending_sessions(store.engine, clock.advance(seconds=29), 10) == []
    assert sync_state.pending_sessions(store.engine, clock.advance(seconds=1), 10) == [sid]


def test_outbox_entry_and_change_share_a_transaction(xray_world: World) -> None:
    """A refused change writes no outbox entry: the entry lives and dies with the change."""
    store, sid = xray_world.store, xray_world.session.id
    store.open("bob", sid)
    before = sync_state.outbox_depth(store.engine)
    with pytest.raises(Locked):
        store.rename("alice", sid, "Not now")
    assert sync_state.outbox_depth(store.engine) == before


@pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_postgres_skips_a_head_another_worker_is_claiming(engine: Engine, xray_world: World,
                                                          clock: Clock) -> None:
    """On PostgreSQL a head row locked by another transaction is skipped at once (SKIP
    LOCKED), not waited for."""
    sid = xray_world.session.id
    with engine.connect() as rival, rival.begin():
        rival.execute(select(OUTBOX.c.id).where(OUTBOX.c.session_id == sid).with_for_update())
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(sync_state.claim, engine, [sid], "worker-2", LEASE, clock.now)
            try:
                claimed = pending.result(timeout=10)  # only a missing SKIP LOCKED waits this long
            finally:
                rival.rollback()  # let a blocked claim finish either way
    assert claimed == {}
