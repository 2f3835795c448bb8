"""The sync-facing outbox: pending changes by session, exclusive claims, completion, links."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from store.api import Store
from store.errors import NotFound
from store.outbox import Outbox
from tests.store.conftest import Clock, World, make_world


@pytest.fixture
def xray_world(store: Store) -> World:
    """A world whose session is Xray-connected (its import wrote a `connect` entry)."""
    return make_world(store, mode="xray")


@pytest.fixture
def outbox(store: Store, clock: Clock) -> Outbox:
    """The outbox of the test's store, on the same clock."""
    return Outbox(store.engine, clock)


def test_pending_groups_entries_by_session_in_order(xray_world: World, outbox: Outbox) -> None:
    """Each session's entries come together, oldest first, sessions by their oldest change."""
    store, first = xray_world.store, xray_world.session.id
    second = xray_world.upload(mode="xray", project="QA", name="Second").id
    store.rename("alice", first, "Renamed")
    pending = [(p.session_id, p.kind) for p in outbox.pending()]
    assert pending == [(first, "connect"), (first, "rename"), (second, "connect")]


def test_pending_payload_is_decoded(xray_world: World, outbox: Outbox) -> None:
    """An entry's payload comes back as the JSON object it was written as."""
    xray_world.store.rename("alice", xray_world.session.id, "Renamed")
    assert outbox.pending()[-1].payload == {"name": "Renamed"}


def test_claimed_session_is_not_pending(xray_world: World, outbox: Outbox) -> None:
    """A session claimed by a worker is left out of pending until its lease ends."""
    sid = xray_world.session.id
    assert outbox.claim([sid], "worker-1", lease_seconds=60) == [sid]
    assert outbox.pending() == []


def test_claim_is_exclusive_until_the_lease_ends(xray_world: World, outbox: Outbox,
                                                 clock: Clock) -> None:
    """A second worker cannot claim a held session; after the lease it can."""
    sid = xray_world.session.id
    outbox.claim([sid], "worker-1", lease_seconds=60)
    assert outbox.claim([sid], "worker-2", lease_seconds=60) == []
    clock.advance(seconds=61)
    assert outbox.claim([sid], "worker-2", lease_seconds=60) == [sid]


def test_racing_workers_claim_each_session_once(xray_world: World, outbox: Outbox) -> None:
    """Eight workers racing for the same sessions end up with disjoint claims covering all."""
    ids = [xray_world.session.id] + [
        xray_world.upload(mode="xray", project="QA", name=f"S{i}").id for i in range(5)]
    barrier = threading.Barrier(8)

    def work(n: int) -> list[str]:
        barrier.wait()
        return outbox.claim(ids, f"worker-{n}", lease_seconds=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        claims = list(pool.map(work, range(8)))
    everything = [sid for claimed in claims for sid in claimed]
    assert sorted(everything) == sorted(ids)


def test_complete_removes_entries(xray_world: World, outbox: Outbox) -> None:
    """Completed entries are gone from the outbox."""
    entries = outbox.pending()
    outbox.complete([e.id for e in entries])
    assert outbox.pending() == []


def test_fail_counts_an_attempt_and_frees_the_claim(xray_world: World, outbox: Outbox) -> None:
    """A failed push counts an attempt, frees the session, and puts the link in error."""
    sid = xray_world.session.id
    outbox.claim([sid], "worker-1", lease_seconds=60)
    outbox.fail(sid, "Jira answered 500")
    assert [p.attempts for p in outbox.pending()] == [1]
    link = xray_world.store.show("alice", sid).link
    assert link is not None and (link.state, link.error) == ("error", "Jira answered 500")


def test_record_link_sets_keys_and_state(xray_world: World, outbox: Outbox,
                                         clock: Clock) -> None:
    """Recorded keys and state show in the session's link."""
    sid = xray_world.session.id
    outbox.record_link(sid, test_execution="QA-17", test="QA-16", state="synced",
                       last_synced=clock.now)
    link = xray_world.store.show("alice", sid).link
    assert link is not None
    assert (link.test_execution, link.test, link.state, link.last_synced) == (
        "QA-17", "QA-16", "synced", clock.now)


def test_record_link_of_unlinked_session_is_not_found(world: World, outbox: Outbox) -> None:
    """A standalone session has no link to record into."""
    with pytest.raises(NotFound):
        outbox.record_link(world.session.id, state="synced")


def test_linked_sessions_lists_xray_sessions_only(xray_world: World, outbox: Outbox) -> None:
    """linked_sessions gives the xray sessions with their links, not the standalone ones."""
    xray_world.upload(name="Plain")
    linked = outbox.linked_sessions()
    assert [(s.session_id, s.link.project) for s in linked] == [(xray_world.session.id, "QA")]


def test_outbox_entry_and_change_share_a_transaction(xray_world: World, outbox: Outbox) -> None:
    """A refused change writes no outbox entry: the entry lives and dies with the change."""
    store, sid = xray_world.store, xray_world.session.id
    store.open("bob", sid)
    before = outbox.pending()
    with pytest.raises(Exception, match="locked"):
        store.save("alice", sid, io.BytesIO(b"not mine"))
    assert outbox.pending() == before
