"""What the daemons of one store share (`store.cluster_pull`, `store.rate_budgets`): the pull
watermark and its lease on SQLite and PostgreSQL, and the request budgets on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from store import cluster_pull
from store.db import make_engine
from store.rate_budgets import SharedBudgets
from tests.store.conftest import Clock

T1 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LEASE = 120


def test_a_watermark_only_moves_forward(engine: Engine) -> None:
    """An older `updated` never moves a project's watermark back; a newer one moves it."""
    assert cluster_pull.watermark(engine, "QA") is None
    cluster_pull.advance_watermark(engine, "QA", T1)
    cluster_pull.advance_watermark(engine, "QA", T1 - timedelta(hours=1))
    assert cluster_pull.watermark(engine, "QA") == T1
    cluster_pull.advance_watermark(engine, "QA", T1 + timedelta(minutes=5))
    assert cluster_pull.watermark(engine, "QA") == T1 + timedelta(minutes=5)


def test_one_daemon_at_a_time_holds_the_pull(engine: Engine, clock: Clock) -> None:
    """While one daemon holds the pull lease the others are refused; released, the pull it
    started this interval still serves them; after the interval the next one pulls."""
    take = lambda worker: cluster_pull.claim_pull(  # noqa: E731 - a local shorthand
        engine, worker, clock.now, lease_seconds=LEASE, fresh_seconds=270)
    assert take("d1")
    assert not take("d2") and not take("d3")
    cluster_pull.release_pull(engine, "d1")
    clock.advance(seconds=100)
    assert not take("d2")
    clock.advance(seconds=171)
    assert take("d2") and not take("d1")


def test_a_dead_pullers_lease_is_taken_over_once_it_runs_out(engine: Engine,
                                                            clock: Clock) -> None:
    """A daemon that died mid-pull keeps the lease only until it runs out."""
    assert cluster_pull.claim_pull(engine, "dead", clock.now, lease_seconds=LEASE,
                                   fresh_seconds=0)
    clock.advance(seconds=LEASE - 1)
    assert not cluster_pull.claim_pull(engine, "d2", clock.now, lease_seconds=LEASE,
                                       fresh_seconds=0)
    clock.advance(seconds=2)
    assert cluster_pull.claim_pull(engine, "d2", clock.now, lease_seconds=LEASE,
                                   fresh_seconds=0)


def test_racing_daemons_get_one_pull_between_them(engine: Engine, clock: Clock) -> None:
    """Eight daemons asking at once for the first pull: exactly one gets it."""
    go = threading.Barrier(8)

    def ask(n: int) -> bool:
        go.wait()
        return cluster_pull.claim_pull(engine, f"d{n}", clock.now, lease_seconds=LEASE,
                                       fresh_seconds=60)

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(ask, range(8))) == 1


@pytest.fixture
def budgets(pg_url: str) -> Iterator[tuple[SharedBudgets, SharedBudgets]]:
    """Two daemons' views of the budgets of one PostgreSQL store (two engines)."""
    engines = [make_engine(pg_url), make_engine(pg_url)]
    yield SharedBudgets(engines[0]), SharedBudgets(engines[1])
    for made in engines:
        made.dispose()


def _key() -> str:
    return f"xray:{datetime.now(UTC).timestamp()}"  # each test its own budget


@pytest.mark.postgres
def test_a_shared_window_counts_every_daemons_sends(
        budgets: tuple[SharedBudgets, SharedBudgets]) -> None:
    """Three per ten seconds across two daemons: the fourth send waits about the window."""
    first, second = budgets
    key, window = _key(), [("window", 3, 10.0)]
    assert [first.admit(key, window), second.admit(key, window),
            first.admit(key, window)] == [0.0, 0.0, 0.0]
    wait = second.admit(key, window)
    assert 9.0 < wait <= 10.0


@pytest.mark.postgres
def test_a_pause_set_by_one_daemon_holds_back_the_others(
        budgets: tuple[SharedBudgets, SharedBudgets]) -> None:
    """A refusal seen by one daemon pauses the key for all; a shorter pause does not cut it."""
    first, second = budgets
    key = _key()
    assert 29.0 < first.pause(key, 30.0) <= 30.0
    assert 29.0 < second.pause(key, 5.0) <= 30.0
    assert 29.0 < second.admit(key, [("window", 100, 10.0)]) <= 30.0


@pytest.mark.postgres
def test_racing_sends_never_overfill_a_shared_window(
        budgets: tuple[SharedBudgets, SharedBudgets]) -> None:
    """Forty sends racing from two daemons into a window of ten: exactly ten admitted."""
    key, window = _key(), [("window", 10, 60.0)]
    go = threading.Barrier(8)

    def send(n: int) -> int:
        ledger = budgets[n % 2]
        go.wait()
        return sum(1 for _ in range(5) if ledger.admit(key, window) == 0.0)

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(send, range(8))) == 10
