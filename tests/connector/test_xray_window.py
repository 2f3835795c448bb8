"""Xray Cloud's window answering 429 without Retry-After (issue 9, item 2), end to end: the
real connector pushing sessions from several threads into a sandbox whose Xray window is
tighter than the client was told. Time is simulated: the sandbox and the connector share a
clock that a sleep moves forward at once, so nothing sleeps for real."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from connector import (
    ConnectorSettings,
    PushedSession,
    RateLimit,
    RetrySettings,
    RunStatus,
    SessionPush,
    SessionPusher,
    make_backend,
)
from connector import TestSpec as CharterSpec
from sandbox.options import RateLimit as SandboxLimit
from sandbox.options import SandboxOptions
from sandbox.server import start_sandbox

THREADS = 4
SESSIONS = 10


class SimulatedClock:
    """Epoch seconds that stand still until someone sleeps; a sleep jumps them forward."""

    def __init__(self, start: float) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)


def _push(pusher: SessionPusher, n: int) -> PushedSession:
    sid = f"win-{n}"
    return pusher.push(SessionPush(sid, "QA", f"Session {n}", RunStatus.PASSED,
                                   test=CharterSpec(sid, "QA", f"Charter {n}", "Explore")))


def test_a_window_closed_without_retry_after_is_waited_out_not_hammered() -> None:
    """Xray's window holds 6 requests per 20 s and refuses without Retry-After while the
    client believes 1,000: every session is pushed, and no window receives more refused
    requests than there are threads sending."""
    clock = SimulatedClock(1_000_000.0)
    window = SandboxLimit(6, 20.0, retry_after=False, headers=False)
    options = SandboxOptions(xray_rate_limit=window, clock=clock)
    with start_sandbox("cloud", options=options) as sandbox:
        backend = make_backend(ConnectorSettings(
            deployment="cloud", jira_url=sandbox.url, xray_url=sandbox.url,
            email="sandbox@example.com", token="sandbox-token", client_id="sandbox",
            client_secret="sandbox-secret", timeout=10.0, retry=RetrySettings(),
            rate_limit=RateLimit(1000, 20.0)), clock=clock, sleep=clock.sleep)
        pusher = SessionPusher(backend)
        with ThreadPoolExecutor(THREADS) as pool:
            pushed = list(pool.map(lambda n: _push(pusher, n), range(SESSIONS)))
        log = requests.get(f"{sandbox.url}/_sandbox/log", timeout=10).json()
    assert len({p.execution.key for p in pushed}) == SESSIONS
    closed = log["closed_window"]["xray"]
    assert closed["total"] > 0
    assert closed["most_in_one_window"] <= THREADS
