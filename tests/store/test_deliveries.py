"""Jira webhook delivery ids kept in the store: remembered once, forgotten, purged."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.api import Store, StoreSettings
from store.db import make_engine
from store.errors import Invalid
from tests.store.conftest import Clock


def test_first_delivery_is_new_and_its_replay_is_not(store: Store, clock: Clock) -> None:
    """remember_delivery is True the first time an id is seen and False after."""
    assert store.remember_delivery("d-1", clock.now)
    assert not store.remember_delivery("d-1", clock.now)


def test_forgotten_delivery_is_new_again(store: Store, clock: Clock) -> None:
    """After forget_delivery (its handling failed) the same id is handled again."""
    store.remember_delivery("d-1", clock.now)
    store.forget_delivery("d-1")
    assert store.remember_delivery("d-1", clock.now)


@pytest.fixture
def second_store(engine: Engine, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    """Another Store, with its own engine, on the same database (a restarted or second daemon)."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    yield Store(other, StoreSettings(home=tmp_path / "other"), clock=clock)
    other.dispose()


def test_a_second_store_on_the_same_database_sees_the_id(store: Store, second_store: Store,
                                                         clock: Clock) -> None:
    """An id remembered through one Store is a replay for another on the same database."""
    assert store.remember_delivery("d-1", clock.now)
    assert not second_store.remember_delivery("d-1", clock.now)


def test_racing_deliveries_of_one_id_are_handled_once(store: Store, clock: Clock) -> None:
    """Eight threads remembering the same id at once: exactly one gets True."""
    barrier = threading.Barrier(8)

    def deliver(_: int) -> bool:
        barrier.wait()
        return store.remember_delivery("d-race", clock.now)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(deliver, range(8)))
    assert sorted(results) == [False] * 7 + [True]


def test_purge_drops_ids_older_than_seven_days(store: Store, clock: Clock) -> None:
    """By default the purge drops ids received more than 7 days ago and keeps newer ones."""
    store.remember_delivery("old", clock.now)
    clock.advance(days=6)
    store.remember_delivery("recent", clock.now)
    clock.advance(days=1, seconds=1)
    assert store.purge_deliveries() == 1
    assert store.remember_delivery("old", clock.now)
    assert not store.remember_delivery("recent", clock.now)


def test_purge_with_a_horizon(store: Store, clock: Clock) -> None:
    """purge_deliveries(older_than) drops exactly the ids received before the horizon."""
    store.remember_delivery("a", clock.now)
    store.remember_delivery("b", clock.advance(minutes=10))
    assert store.purge_deliveries(clock.now - timedelta(minutes=5)) == 1
    assert not store.remember_delivery("b", clock.now)


@pytest.mark.parametrize(("identifier", "rule"), [("", "delivery_id_empty"),
                                                  ("x" * 256, "delivery_id_too_long")])
def test_bad_identifier_is_invalid(store: Store, clock: Clock, identifier: str,
                                   rule: str) -> None:
    """An empty or over-long id is refused with the rule's name."""
    with pytest.raises(Invalid) as refused:
        store.remember_delivery(identifier, clock.now)
    assert refused.value.rule == rule


def test_a_known_body_digest_is_a_duplicate_under_any_id(store: Store, clock: Clock) -> None:
    """A body digest seen before makes a delivery a replay, with a new id or with none."""
    assert store.remember_delivery("d-1", clock.now, digest="ab" * 32)
    assert not store.remember_delivery("d-2", clock.now, digest="ab" * 32)
    assert not store.remember_delivery(None, clock.now, digest="ab" * 32)


def test_a_replays_new_id_is_not_kept(store: Store, clock: Clock) -> None:
    """The id a replay came with is not remembered: a new body with that id is handled."""
    store.remember_delivery("d-1", clock.now, digest="ab" * 32)
    store.remember_delivery("d-2", clock.now, digest="ab" * 32)
    assert store.remember_delivery("d-2", clock.now, digest="cd" * 32)


def test_forgetting_a_delivery_forgets_its_digest(store: Store, clock: Clock) -> None:
    """After forget_delivery with its digest, the same body is handled again (Jira's retry)."""
    store.remember_delivery("d-1", clock.now, digest="ab" * 32)
    store.forget_delivery("d-1", digest="ab" * 32)
    assert store.remember_delivery("d-1", clock.now, digest="ab" * 32)
