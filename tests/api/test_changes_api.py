"""The change feed (a stamp that moves when a session or its sync state changes) and Retry sync."""

from __future__ import annotations

from datetime import UTC, datetime

from store.sync_state import record_error
from tests.api.conftest import World


def _stamp(world: World) -> str:
    answer = world.client.get("/api/v1/changes", headers=world.auth("alice"))
    assert answer.status_code == 200, answer.text
    stamp: str = answer.json()["stamp"]
    return stamp


def test_the_stamp_stays_while_nothing_changes(world: World) -> None:
    """Two polls with nothing done between them answer the same stamp."""
    world.upload()
    assert _stamp(world) == _stamp(world)


def test_a_lock_taken_elsewhere_moves_the_stamp(world: World) -> None:
    """Bob opening a session moves the stamp alice polls."""
    session = world.upload()
    before = _stamp(world)
    world.store.open("bob", session["id"])
    assert _stamp(world) != before


def test_a_sync_error_moves_the_stamp(world: World) -> None:
    """An error the sync records on a link moves the stamp (no audit row is written)."""
    session = world.upload(mode="xray", project="QA")
    before = _stamp(world)
    record_error(world.store.engine, session["id"], "Jira answered 503", datetime.now(UTC))
    assert _stamp(world) != before


def test_the_feed_needs_a_token(world: World) -> None:
    """Polling without Authorization is 401."""
    assert world.client.get("/api/v1/changes").status_code == 401


def test_retry_sync_asks_the_engine_for_the_owner(world: World) -> None:
    """The owner's Retry sync is 202 and the engine is asked for that session."""
    session = world.upload(mode="xray", project="QA")
    answer = world.client.post(f"/api/v1/sessions/{session['id']}/retry-sync",
                               headers=world.auth("alice"))
    assert answer.status_code == 202 and world.sync.requests == [session["id"]]


def test_retry_sync_is_refused_to_a_member(world: World) -> None:
    """Bob, a member but not the owner, is refused (403 owner_or_admin); nothing is asked."""
    session = world.upload(mode="xray", project="QA")
    answer = world.client.post(f"/api/v1/sessions/{session['id']}/retry-sync",
                               headers=world.auth("bob"))
    assert answer.status_code == 403 and answer.json()["error"]["rule"] == "owner_or_admin"
    assert world.sync.requests == []
