"""Behaviours that need time to pass, on a sandbox whose clock the test moves (nothing
sleeps): Cloud's search lags behind writes, so a lost create the marker search cannot
see yet goes to the caller and a later marker check adopts it; Xray's token expires
and is renewed once."""

from __future__ import annotations

import time
from typing import Literal

import pytest

from connector import (
    ConnectorSettings,
    DefectSpec,
    RateLimit,
    RetrySettings,
    RunStatus,
    SessionPush,
    SessionPusher,
    make_backend,
)
from connector import TestSpec as CharterSpec
from connector.errors import AmbiguousWrite


class MovableClock:
    """Wall time plus an offset the test can advance."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def test_lagging_search_then_marker_check_adopts() -> None:
    """No duplicate: what a lost create or an import made is invisible at first, then found
    and adopted. (Cloud only: the sandbox's Data Center search, like Jira DC's, does not
    lag.)"""
    from sandbox.options import SandboxOptions
    from sandbox.server import start_sandbox

    deployment: Literal["cloud"] = "cloud"
    clock = MovableClock()
    options = SandboxOptions(search_lag_seconds=60.0, clock=clock)
    with start_sandbox(deployment, "127.0.0.1", 0, options=options) as sandbox:
        backend = make_backend(ConnectorSettings(
            deployment=deployment,
            jira_url=sandbox.url, xray_url=sandbox.url, email="sandbox@example.com",
            token="sandbox-token", client_id="sandbox", client_secret="sandbox-secret",
            timeout=10.0, retry=RetrySettings(enabled=False),
            rate_limit=RateLimit(requests=1000, per_seconds=1.0, burst=1000)))
        pusher = SessionPusher(backend, test_lookup_waits=())
        push = SessionPush("lag-1", "QA", "Lagging", RunStatus.TODO,
                           test=CharterSpec("lag-1", "QA", "Charter", "M"),
                           new_defects=(DefectSpec("Bug L"),))
        sandbox.faults.add("lost_response", method="POST", path="/issue/bulk$", count=1)
        with pytest.raises(AmbiguousWrite):  # the Bug's create, its answer lost
            pusher.push(push)
        clock.offset += 61.0
        with pytest.raises(AmbiguousWrite):  # imported, its Test not in the search yet
            pusher.push(push, check_marker_first=True)
        clock.offset += 61.0
        pushed = pusher.push(push, check_marker_first=True)
        hits = backend.find_by_marker("lag-1")
        assert [e.key for e in hits.executions] == [pushed.execution.key]
        assert [t.key for t in hits.tests] == [pushed.test.key]
        assert [d.summary for d in hits.defects] == ["Bug L"]


def test_expired_xray_token_is_renewed() -> None:
    """When Xray Cloud's token expires, the 401 leads to one new authenticate and the
    call succeeds."""
    from sandbox.options import SandboxOptions
    from sandbox.server import start_sandbox

    clock = MovableClock()
    options = SandboxOptions(xray_token_ttl_seconds=60.0, clock=clock)
    with start_sandbox("cloud", "127.0.0.1", 0, options=options) as sandbox:
        backend = make_backend(ConnectorSettings(
            deployment="cloud", jira_url=sandbox.url, xray_url=sandbox.url,
            email="sandbox@example.com", token="sandbox-token", client_id="sandbox",
            client_secret="sandbox-secret", retry=RetrySettings(enabled=False),
            rate_limit=RateLimit(requests=1000, per_seconds=1.0, burst=1000)))
        first = backend.create_test(CharterSpec("tok-1", "QA", "A", "M"))
        clock.offset += 61.0
        second = backend.create_test(CharterSpec("tok-2", "QA", "B", "M"))
        log = sandbox.state.log
        assert first != second
        assert log.per_endpoint["POST /api/v2/authenticate"] == 2
        assert log.statuses[401] == 1
        assert len(backend.find_by_marker("tok-2").tests) == 1
