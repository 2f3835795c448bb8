"""Races on one session, on SQLite and PostgreSQL: one lock holder, one rename winner."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from store.api import Store
from store.errors import Conflict, Locked, StoreError
from tests.store.conftest import World

OPENERS = 32


def _race(count: int, call: Callable[[int], object]) -> list[object]:
    """Run `call(i)` in `count` threads released at the same moment; results or errors."""
    barrier = threading.Barrier(count)

    def run(i: int) -> object:
        barrier.wait()
        try:
            return call(i)
        except StoreError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _team_of(store: Store, size: int) -> list[str]:
    names = [f"tester{i:02d}" for i in range(size)]
    for name in names:
        store.add_user(name)
        store.add_member("root", "qa-team", name)
    return names


def test_32_concurrent_opens_give_one_holder(world: World) -> None:
    """Of 32 members opening one session at once, exactly one holds the lock."""
    names = _team_of(world.store, OPENERS)
    results = _race(OPENERS, lambda i: world.store.open(names[i], world.session.id))
    winners = [names[i] for i, r in enumerate(results) if not isinstance(r, StoreError)]
    assert len(winners) == 1
    assert world.store.show("alice", world.session.id).lock.holder == winners[0]  # type: ignore[union-attr]


def test_32_concurrent_opens_refuse_the_others_with_locked(world: World) -> None:
    """Every member who lost the race to open hears `locked`, naming the winner."""
    names = _team_of(world.store, OPENERS)
    results = _race(OPENERS, lambda i: world.store.open(names[i], world.session.id))
    losers = [r for r in results if isinstance(r, StoreError)]
    holder = world.store.show("alice", world.session.id).lock.holder  # type: ignore[union-attr]
    assert len(losers) == OPENERS - 1
    assert all(isinstance(r, Locked) and r.holder == holder for r in losers)


def test_concurrent_opens_take_the_lock_once(world: World) -> None:
    """A race of openers increments the lock epoch once: one lock was taken."""
    names = _team_of(world.store, OPENERS)
    before = world.store.show("alice", world.session.id)
    _race(OPENERS, lambda i: world.store.open(names[i], world.session.id))
    after = world.store.show("alice", world.session.id)
    assert after.lock is not None and after.lock.epoch == (before.lock.epoch if before.lock
                                                           else 0) + 1


def test_two_renames_with_one_row_version_give_one_winner(world: World) -> None:
    """Two renames from the same row_version at once: one wins, the other is `conflict`."""
    seen = world.session.row_version
    names = ("Left", "Right")
    results = _race(2, lambda i: world.store.rename("alice", world.session.id, names[i],
                                                    expected_row_version=seen))
    conflicts = [r for r in results if isinstance(r, Conflict)]
    winners = [r for r in results if not isinstance(r, StoreError)]
    assert (len(winners), len(conflicts)) == (1, 1)
    assert conflicts[0].rule == "stale_row_version"
    assert world.store.show("alice", world.session.id).name == winners[0].name  # type: ignore[attr-defined]


def test_rename_with_stale_row_version_is_conflict(world: World) -> None:
    """A rename that names an old row_version is refused, and the newer name stays."""
    world.store.rename("alice", world.session.id, "Newer")
    with pytest.raises(Conflict):
        world.store.rename("alice", world.session.id, "Older",
                           expected_row_version=world.session.row_version)
    assert world.store.show("alice", world.session.id).name == "Newer"
