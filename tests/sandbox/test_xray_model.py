"""Xray records: run ids in both deployments' forms, and forgetting deleted issues."""

from __future__ import annotations

from sandbox.xray_model import XrayRecords


def test_run_found_by_numeric_and_cloud_id() -> None:
    """A run is found by its DC number and by its 24-hex-digit Cloud id, not by a near miss."""
    records = XrayRecords()
    records.add_tests(1, [2, 3], now=0.0)
    run = records.run_of(1, 3)
    assert run is not None and len(run.cloud_id) == 24
    assert records.run_by_id(run.number) is run
    assert records.run_by_id(run.cloud_id) is run
    assert records.run_by_id("zz") is None
    assert records.run_by_id(run.cloud_id[:-1] + "f") is None


def test_adding_a_test_twice_keeps_one_run() -> None:
    """Adding the same test again creates no second run."""
    records = XrayRecords()
    assert records.add_tests(1, [2], now=0.0) == [2]
    assert records.add_tests(1, [2], now=1.0) == []
    assert len(records.runs) == 1


def test_forgetting_a_test_drops_its_runs_everywhere() -> None:
    """Deleting a Test removes it from every execution and drops its runs."""
    records = XrayRecords()
    records.add_tests(1, [5], now=0.0)
    records.add_tests(2, [5, 6], now=0.0)
    records.forget_issue(5)
    assert [(r.execution_id, r.test_id) for r in records.runs.values()] == [(2, 6)]
    assert records.executions[2].test_ids == [6]
