"""The daemon's scheduling: jobs as configured, "run now" during a run, a bounded stop."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync.config import Config, StoreConfig, SyncConfig
from sync.daemon import JOB_LEASES, JOB_PURGE, JOB_RECONCILE, JOB_SYNC, Daemon
from sync.engine.dry_run import SyncPlan
from sync.engine.summary import CycleSummary

WAIT = 10.0  # seconds an Event may take to arrive; never a sleep


class FakeRunner:
    """Counts cycles; the first cycle can be held open until the test releases it."""

    def __init__(self, hold_first: bool = False) -> None:
        self.scopes: list[frozenset[str] | None] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.done = threading.Event()
        self.hold_first = hold_first
        self.reconciles = 0
        self.order: list[str] = []
        self.saw_stop = False

    def sync(self, session_ids: frozenset[str] | None, stop: threading.Event,
             progress: Callable[[int, int], None] | None = None) -> CycleSummary:
        self.scopes.append(session_ids)
        self.order.append("sync")
        self.started.set()
        if self.hold_first and len(self.scopes) == 1:
            self.release.wait(WAIT)
            self.saw_stop = stop.is_set()
        self.done.set()
        return CycleSummary(pushed=1)

    def reconcile(self, stop: threading.Event) -> CycleSummary:
        self.reconciles += 1
        self.order.append("reconcile")
        return CycleSummary(kind="reconcile")

    def outbox_depth(self) -> int:
        return 7

    def plan(self, session_ids: frozenset[str] | None, reconcile: bool = False) -> SyncPlan:
        return SyncPlan("cloud", errors=[f"{sorted(session_ids or ())} {reconcile}"])


class FakeHousekeeping:
    def __init__(self) -> None:
        self.purged_before: list[datetime | None] = []
        self.expired = 0
        self.delivery_purges = 0

    def expire_leases(self) -> list[str]:
        self.expired += 1
        return []

    def purge_trash(self, older_than: datetime | None = None) -> list[str]:
        self.purged_before.append(older_than)
        return []

    def purge_deliveries(self, older_than: datetime | None = None) -> int:
        self.delivery_purges += 1
        return 0


def make_config(tmp_path: Path, lease: int | None = 300) -> Config:
    return Config(
        home=tmp_path,
        sync=SyncConfig(interval=120, reconcile_interval=900),
        store=StoreConfig(lock_lease_seconds=lease, trash_retention_days=30),
    )


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    made: list[Daemon] = []
    yield made
    for daemon in made:
        daemon.stop(timeout=WAIT)


def test_jobs_are_built_from_the_config_with_the_required_options(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    """Each job has its interval, coalesce, one instance and a grace near its interval."""
    daemon = Daemon(make_config(tmp_path), FakeRunner(), FakeHousekeeping())
    daemons.append(daemon)
    daemon.start()
    jobs = {job.id: job for job in daemon.scheduler.get_jobs()}
    assert set(jobs) == {JOB_SYNC, JOB_RECONCILE, JOB_LEASES, JOB_PURGE}
    assert jobs[JOB_SYNC].trigger.interval == timedelta(seconds=120)
    assert jobs[JOB_RECONCILE].trigger.interval == timedelta(seconds=900)
    for job in jobs.values():
        seconds = job.trigger.interval.total_seconds()
        assert job.coalesce is True
        assert job.max_instances == 1
        assert 0.5 * seconds <= job.misfire_grace_time <= seconds


def test_no_lease_job_when_locks_never_expire(tmp_path: Path, daemons: list[Daemon]) -> None:
    """Without [store] lock_lease_seconds there is no lease-expiry job."""
    daemon = Daemon(make_config(tmp_path, lease=None), FakeRunner(), FakeHousekeeping())
    daemons.append(daemon)
    assert JOB_LEASES not in {spec.id for spec in daemon.job_specs()}


def test_the_first_sync_runs_at_start(tmp_path: Path, daemons: list[Daemon]) -> None:
    """Starting the daemon runs a whole sync cycle at once, not an interval later."""
    runner = FakeRunner()
    daemon = Daemon(make_config(tmp_path), runner)
    daemons.append(daemon)
    daemon.start()
    assert runner.done.wait(WAIT)
    assert runner.scopes[0] is None


def test_a_run_now_during_a_run_makes_the_job_go_round_once_more(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    """A request that arrives while a cycle runs is served by one more cycle, not dropped."""
    runner = FakeRunner(hold_first=True)
    daemon = Daemon(make_config(tmp_path), runner)
    daemons.append(daemon)
    daemon.start()
    assert runner.started.wait(WAIT)
    daemon.request("abc")
    assert daemon.status()["pending"] is True
    runner.release.set()
    assert daemon.wait_idle(WAIT)
    assert runner.scopes == [None, frozenset({"abc"})]


def _idle(tmp_path: Path, daemons: list[Daemon]) -> tuple[Daemon, FakeRunner]:
    """A started daemon whose first cycle is over."""
    runner = FakeRunner()
    daemon = Daemon(make_config(tmp_path), runner)
    daemons.append(daemon)
    daemon.start()
    assert runner.done.wait(WAIT) and daemon.wait_idle(WAIT)
    runner.done.clear()
    return daemon, runner


def test_a_run_now_when_idle_wakes_the_sync_job(tmp_path: Path, daemons: list[Daemon]) -> None:
    """A request while nothing runs starts a cycle at once instead of waiting the interval."""
    daemon, runner = _idle(tmp_path, daemons)
    daemon.request()
    assert runner.done.wait(WAIT)
    assert daemon.wait_idle(WAIT)
    assert len(runner.scopes) == 2


def test_a_reconcile_on_demand_runs_before_the_cycle(tmp_path: Path,
                                                     daemons: list[Daemon]) -> None:
    """A request with reconcile runs the deletion listing, then the cycle; once."""
    daemon, runner = _idle(tmp_path, daemons)
    daemon.request("abc", reconcile=True)
    assert runner.done.wait(WAIT) and daemon.wait_idle(WAIT)
    assert runner.order == ["sync", "reconcile", "sync"]
    assert daemon.status()["last_reconcile"] is not None


def test_a_dry_run_asks_the_engine_for_its_plan(tmp_path: Path) -> None:
    """The daemon's plan is the engine's plan of that session, with the reconcile asked."""
    daemon = Daemon(make_config(tmp_path), FakeRunner())
    assert daemon.plan("abc", reconcile=True)["errors"] == ["['abc'] True"]


def test_status_reports_the_last_cycle_and_the_outbox(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    """The status holds the last cycle's counts, the next run and the outbox depth."""
    runner = FakeRunner()
    daemon = Daemon(make_config(tmp_path), runner)
    daemons.append(daemon)
    daemon.start()
    assert runner.done.wait(WAIT) and daemon.wait_idle(WAIT)
    status = daemon.status()
    assert status["last"]["pushed"] == 1
    assert status["outbox"] == 7
    assert status["next_run"] is not None


def test_stop_interrupts_a_running_cycle_within_the_bound(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    """stop() tells the running cycle to stop and returns once it has, within the bound."""
    runner = FakeRunner(hold_first=True)
    daemon = Daemon(make_config(tmp_path), runner)
    daemon.start()
    assert runner.started.wait(WAIT)
    stopper = threading.Thread(target=lambda: runner.release.set())
    daemon.stopping.set()
    stopper.start()
    assert daemon.stop(timeout=WAIT) is True
    stopper.join()
    assert runner.saw_stop is True
    assert not daemon.scheduler.running


def test_trash_purge_uses_the_configured_retention(tmp_path: Path) -> None:
    """The purge job purges what was trashed more than trash_retention_days ago."""
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    chores = FakeHousekeeping()
    daemon = Daemon(make_config(tmp_path), FakeRunner(), chores, clock=lambda: now)
    purge = next(spec for spec in daemon.job_specs() if spec.id == JOB_PURGE)
    purge.func()
    assert chores.purged_before == [now - timedelta(days=30)]


def test_the_purge_job_also_purges_old_webhook_delivery_ids(tmp_path: Path) -> None:
    """Each run of the trash-purge job also drops the webhook delivery ids past retention."""
    chores = FakeHousekeeping()
    daemon = Daemon(make_config(tmp_path), FakeRunner(), chores)
    purge = next(spec for spec in daemon.job_specs() if spec.id == JOB_PURGE)
    purge.func()
    purge.func()
    assert chores.delivery_purges == 2


def test_the_delivery_ids_are_purged_even_when_the_trash_purge_fails(tmp_path: Path) -> None:
    """A trash purge that raises still lets the delivery ids be purged (the error goes on)."""

    class FailingTrash(FakeHousekeeping):
        def purge_trash(self, older_than: datetime | None = None) -> list[str]:
            raise RuntimeError("store down")

    chores = FailingTrash()
    daemon = Daemon(make_config(tmp_path), FakeRunner(), chores)
    purge = next(spec for spec in daemon.job_specs() if spec.id == JOB_PURGE)
    with pytest.raises(RuntimeError):
        purge.func()
    assert chores.delivery_purges == 1


def test_a_purge_asks_for_a_sync_of_the_purged_sessions(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    """A purge wakes the sync job at once for the purged sessions (their purge entries carry
    on_purge to Jira) instead of leaving them to the next interval."""

    class Purging(FakeHousekeeping):
        def purge_trash(self, older_than: datetime | None = None) -> list[str]:
            return ["s1", "s2"]

    runner = FakeRunner()
    daemon = Daemon(make_config(tmp_path), runner, Purging())
    daemons.append(daemon)
    daemon.start()
    assert runner.done.wait(WAIT) and daemon.wait_idle(WAIT)
    runner.done.clear()
    next(spec for spec in daemon.job_specs() if spec.id == JOB_PURGE).func()
    assert runner.done.wait(WAIT) and daemon.wait_idle(WAIT)
    assert len(runner.scopes) == 2
    assert runner.scopes[-1] is None or {"s1", "s2"} <= runner.scopes[-1]


def test_a_failing_cycle_is_counted_and_the_job_survives(tmp_path: Path) -> None:
    """An exception in a cycle becomes an error count in the status; the job keeps going."""

    class Broken(FakeRunner):
        def sync(self, session_ids: frozenset[str] | None, stop: threading.Event,
                 progress: Callable[[int, int], None] | None = None) -> CycleSummary:
            raise RuntimeError("boom")

    daemon = Daemon(make_config(tmp_path), Broken())
    daemon.run_sync_job()
    assert daemon.status()["last"]["errors"] == 1
    assert daemon.status()["running"] is False


def test_each_cycle_counts_in_the_prometheus_metrics(tmp_path: Path) -> None:
    """A cycle adds its pushes to xray_sync_pushes and one to xray_sync_cycles{result="ok"}."""
    from sync import metrics

    before = metrics.PUSHES._value.get()
    ok_before = metrics.SYNC_CYCLES.labels(result="ok")._value.get()
    Daemon(make_config(tmp_path), FakeRunner()).run_sync_job()
    assert metrics.PUSHES._value.get() == before + 1
    assert metrics.SYNC_CYCLES.labels(result="ok")._value.get() == ok_before + 1
