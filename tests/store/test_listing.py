"""The panel's list of sessions on both databases: filters, sorts, and cursor pages that
cover every match exactly once."""

from __future__ import annotations

import pytest

from store.views import SessionQuery
from tests.store.conftest import Clock, World


def test_list_filters_sorts_and_pages(world: World, clock: Clock) -> None:
    """Filtering by name and owner, sorted by -modified, pages through every match once."""
    store = world.store
    for i in range(7):
        clock.advance(minutes=1)
        world.upload(actor="bob" if i % 2 else "alice", name=f"Login run {i}")
    seen: list[str] = []
    query = SessionQuery(name="login", owner="alice", sort="-modified", limit=2)
    while True:
        page = store.list_sessions("bob", query)
        seen += [s.name for s in page.items]
        if page.next_cursor is None:
            break
        query = SessionQuery(name="login", owner="alice", sort="-modified", limit=2,
                             cursor=page.next_cursor)
    assert seen == ["Login run 6", "Login run 4", "Login run 2", "Login run 0"]


def test_list_sorts_by_owner_name(world: World) -> None:
    """Sorting by owner orders by the owner's name, ties by id."""
    world.upload(actor="bob", name="Bob's")
    owners = [s.owner for s in world.store.list_sessions("alice",
                                                         SessionQuery(sort="-owner")).items]
    assert owners == ["bob", "alice"]


def test_name_filter_treats_wildcards_literally(world: World) -> None:
    """A % in the name filter matches a % in names, not everything."""
    world.upload(name="100% done")
    names = [s.name for s in world.store.list_sessions("alice",
                                                       SessionQuery(name="%")).items]
    assert names == ["100% done"]


@pytest.mark.parametrize("sort", ["modified", "-modified", "name", "-size", "owner", "-created"])
def test_cursor_pages_cover_ties_exactly_once(world: World, sort: str) -> None:
    """Paging through sessions that tie on the sort column yields each exactly once."""
    made = {world.session.id} | {world.upload(name=f"Same {i % 2}", data=b"x" * (i % 3)).id
                                 for i in range(8)}
    seen: list[str] = []
    cursor = None
    while True:
        page = world.store.list_sessions("alice", SessionQuery(sort=sort, limit=3,
                                                                cursor=cursor))
        seen += [s.id for s in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)
