"""A conflict the sync recorded on a link is part of the session's JSON (`link.conflict`)."""

from __future__ import annotations

import pytest

from store import sync_state
from store.api import Store
from tests.store.conftest import Clock, World, make_world


@pytest.fixture
def xray_world(store: Store) -> World:
    """A world whose session is Xray-connected."""
    return make_world(store, mode="xray")


def test_recorded_conflict_shows_in_the_link_json(xray_world: World, clock: Clock) -> None:
    """After record_conflict, show(...).to_json()["link"]["conflict"] is the note."""
    sid = xray_world.session.id
    sync_state.record_conflict(xray_world.store.engine, sid, "Jira's name kept", clock.now)
    link = xray_world.store.show("alice", sid).to_json()["link"]
    assert isinstance(link, dict) and link["conflict"] == "Jira's name kept"


def test_link_without_conflict_shows_null(xray_world: World) -> None:
    """A link with no recorded conflict has "conflict": null."""
    link = xray_world.store.show("alice", xray_world.session.id).to_json()["link"]
    assert isinstance(link, dict) and link["conflict"] is None
