"""Xray Server/DC variants (issue 9, item 4): the import's evidence key set in the config
(`evidence`, or older Xray Server's `evidences`), and run times read from their ISO fields
when `startedOn`/`finishedOn` are display strings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from connector import (
    ConnectorSettings,
    Evidence,
    RateLimit,
    RetrySettings,
    RunStatus,
    SessionPush,
    SessionPusher,
    make_backend,
)
from connector import TestSpec as CharterSpec
from connector.readers import read_dc_test_run
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox

STARTED = datetime(2026, 11, 20, 10, 13, tzinfo=UTC)


def test_iso_times_are_preferred_over_display_strings() -> None:
    """A run whose startedOn is "Friday 10:13 AM" is read from startedOnIso."""
    run = read_dc_test_run({"id": 5, "status": "PASS", "startedOn": "Friday 10:13 AM",
                            "startedOnIso": "2026-11-20T10:13:00+00:00",
                            "finishedOn": None, "evidences": [{"fileName": "a.png"}]})
    assert (run.started, run.finished, run.evidence) == (STARTED, None, ("a.png",))


def test_a_display_string_without_its_iso_twin_is_unknown_not_an_error() -> None:
    """A display string alone cannot be read as an instant: the time is unknown (None)."""
    run = read_dc_test_run({"id": 5, "status": "PASS", "startedOn": "Friday 10:13 AM"})
    assert run.started is None


@pytest.fixture
def legacy() -> Iterator[RunningSandbox]:
    with start_sandbox("datacenter",
                       options=SandboxOptions(xray_server_version="legacy")) as running:
        yield running


def push_with_evidence(sandbox: RunningSandbox, key: str) -> tuple[str, ...]:
    backend = make_backend(ConnectorSettings(
        deployment="datacenter", jira_url=sandbox.url, token="sandbox-token", timeout=10.0,
        retry=RetrySettings(enabled=False), rate_limit=RateLimit(1000, 1.0),
        xray_evidence_key=key))  # type: ignore[arg-type]
    pusher = SessionPusher(backend)
    pushed = pusher.push(SessionPush(
        "legacy-1", "QA", "Legacy", RunStatus.FAILED, started=STARTED,
        test=CharterSpec("legacy-1", "QA", "Charter", "Explore"),
        new_evidence=(Evidence("0001.png", "image/png", b"PNG"),)))
    run = backend.get_test_run(pushed.execution, pushed.test)
    assert run is not None and run.started == STARTED
    return run.evidence


def test_an_older_xray_server_gets_its_evidences_key(legacy: RunningSandbox) -> None:
    """Set to `evidences`, the files reach an older Xray Server, and the run's display-string
    times are read from their ISO twins."""
    assert len(push_with_evidence(legacy, "evidences")) == 1


def test_the_newer_key_is_lost_on_an_older_server(legacy: RunningSandbox) -> None:
    """The sandbox plays an older server's worst: the newer `evidence` key is ignored, so
    the setting is what brings the files."""
    assert push_with_evidence(legacy, "evidence") == ()
