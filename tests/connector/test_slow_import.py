"""Slow and lost imports against the sandbox over real HTTP (issue 9, item 3): an import has
its own, longer timeout; one that times out lands anyway and is never attached twice; one
lost before it landed is attached once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from connector import (
    Backend,
    ConnectorSettings,
    Evidence,
    PushedSession,
    RateLimit,
    RetrySettings,
    RunStatus,
    SessionPush,
    SessionPusher,
    make_backend,
)
from connector import TestSpec as CharterSpec
from connector.errors import AmbiguousWrite
from sandbox.server import RunningSandbox, start_sandbox

SHOT = Evidence("0001.png", "image/png", b"PNG-bytes")


@pytest.fixture(params=["cloud", "datacenter"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    with start_sandbox(request.param) as running:
        yield running


def backend_of(sandbox: RunningSandbox, *, timeout: float, import_timeout: float) -> Backend:
    return make_backend(ConnectorSettings(
        deployment=sandbox.runtime.deployment, jira_url=sandbox.url, xray_url=sandbox.url,
        email="sandbox@example.com", token="sandbox-token", client_id="sandbox",
        client_secret="sandbox-secret", timeout=timeout, import_timeout=import_timeout,
        retry=RetrySettings(enabled=False), rate_limit=RateLimit(1000, 1.0)))


def first_push(pusher: SessionPusher, evidence: tuple[Evidence, ...] = ()) -> PushedSession:
    return pusher.push(SessionPush("slow-1", "QA", "Slow", RunStatus.EXECUTING,
                                   test=CharterSpec("slow-1", "QA", "Charter", "Explore"),
                                   new_evidence=evidence))


def update(evidence: tuple[Evidence, ...]) -> SessionPush:
    return SessionPush("slow-1", "QA", "Slow", RunStatus.FAILED, new_evidence=evidence)


def attached(sandbox: RunningSandbox) -> list[str]:
    with sandbox.state.lock:
        return [e.filename for run in sandbox.state.xray.runs.values() for e in run.evidence]


def wait_for(condition: object, seconds: float = 5.0) -> None:
    """Poll the sandbox's state (no fixed sleep) until `condition()` holds."""
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the slow import never landed"
        time.sleep(0.02)


def test_an_import_gets_its_own_longer_timeout(sandbox: RunningSandbox) -> None:
    """An import slower than the timeout of other calls but within the import timeout
    succeeds."""
    sandbox.runtime.options.import_delay_ms = 400.0
    pusher = SessionPusher(backend_of(sandbox, timeout=0.2, import_timeout=5.0))
    pushed = first_push(pusher, (SHOT,))
    assert pushed.execution.key
    assert len(attached(sandbox)) == 1


def test_an_import_that_timed_out_once_attaches_its_evidence_once(
    sandbox: RunningSandbox
) -> None:
    """The import times out and lands later; pushed again with `check_run_first`, the run
    already shows the file, so it is not sent again."""
    backend = backend_of(sandbox, timeout=5.0, import_timeout=0.2)
    pusher = SessionPusher(backend)
    pushed = first_push(pusher)
    sandbox.runtime.options.import_delay_ms = 600.0
    with pytest.raises(AmbiguousWrite):
        pusher.push(update((SHOT,)), pushed)
    wait_for(lambda: len(attached(sandbox)) == 1)
    sandbox.runtime.options.import_delay_ms = 0.0
    pusher.push(update((SHOT,)), pushed, check_run_first=True)
    assert len(attached(sandbox)) == 1


def test_an_import_lost_before_it_landed_attaches_its_evidence_once(
    sandbox: RunningSandbox
) -> None:
    """The connection drops before the import is applied: pushed again with
    `check_run_first`, the file is sent and attached once."""
    pusher = SessionPusher(backend_of(sandbox, timeout=5.0, import_timeout=5.0))
    pushed = first_push(pusher)
    sandbox.faults.add("drop", method="POST", path="import/execution$", count=1)
    with pytest.raises(AmbiguousWrite):
        pusher.push(update((SHOT,)), pushed)
    assert attached(sandbox) == []
    pusher.push(update((SHOT,)), pushed, check_run_first=True)
    assert len(attached(sandbox)) == 1
