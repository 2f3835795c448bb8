"""Budgets per service (`connector.budget`): Xray's window, Jira's adaptive budget, the
pause after a refusal, and that one service's pause never holds back the other."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
import requests
import responses

from connector import IssueRef, RateLimit
from connector.budget import JiraBudget, XrayWindow
from connector.cloud import CloudBackend
from connector.errors import RateLimited, Unavailable
from connector.retry import reset_seconds
from connector.translate import error_for_response
from tests.connector.conftest import JIRA, XRAY, FakeClock, add_auth

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC).timestamp()


def test_the_xray_window_never_holds_more_than_its_requests(clock: FakeClock) -> None:
    """Three per ten seconds: the fourth request waits until the first leaves the window
    (plus the margin kept for clocks apart), and no ten-second span holds four."""
    window = XrayWindow(RateLimit(3, 10.0), clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(9):
        window.acquire()
        times.append(clock.now - 1000.0)
    assert times[:3] == [0.0, 0.0, 0.0]
    assert all(later - earlier > 10.0 for earlier, later in zip(times, times[3:], strict=False))
    assert times[3] == pytest.approx(10.1)


def test_a_refusal_without_retry_after_pauses_the_window_for_its_length(
    clock: FakeClock
) -> None:
    """A bare 429 pauses Xray's whole budget for the window's length with jitter (here at
    its top: a tenth more), so nothing more is sent into a closed window."""
    window = XrayWindow(RateLimit(300, 30.0), clock=clock, sleep=clock.sleep, rng=lambda: 1.0)
    assert window.refused(None, None) == pytest.approx(33.0)
    window.acquire()
    assert clock.now - 1000.0 == pytest.approx(33.0)


def test_a_refusal_waits_for_the_reset_when_it_is_given(clock: FakeClock) -> None:
    """X-RateLimit-Reset, when sent without Retry-After, sets the pause; Retry-After wins."""
    budget = JiraBudget(None, floor=60.0, clock=clock, sleep=clock.sleep)
    assert budget.refused(None, 7.0) == 7.0
    assert budget.refused(3.0, 50.0) == pytest.approx(7.0)  # the longer pause stands


def test_jira_has_no_cap_by_default(clock: FakeClock) -> None:
    """With no cap configured a thousand Jira requests go at once."""
    budget = JiraBudget(None, floor=60.0, clock=clock, sleep=clock.sleep)
    for _ in range(1000):
        budget.acquire()
    assert clock.sleeps == []


def test_jira_keeps_within_the_bucket_data_center_announces(clock: FakeClock) -> None:
    """Data Center refilling 2 tokens every second (up to 4) paces us at no more than 2 in
    any second (plus the margin), whatever the phase of its refills."""
    budget = JiraBudget(None, floor=60.0, clock=clock, sleep=clock.sleep)
    budget.observe({"X-RateLimit-Limit": "4", "X-RateLimit-Remaining": "3",
                    "X-RateLimit-FillRate": "2", "X-RateLimit-Interval-Seconds": "1"})
    times = []
    for _ in range(6):
        budget.acquire()
        times.append(clock.now - 1000.0)
    assert all(later - earlier > 1.0 for earlier, later in zip(times, times[2:], strict=False))
    assert times[-1] == pytest.approx(2.02)
    assert budget.floor == 1.0


def test_sends_made_before_the_announcement_count(clock: FakeClock) -> None:
    """The first answer says 1 of 3 is left: only one more request goes before the window
    has slid on."""
    budget = JiraBudget(None, floor=60.0, clock=clock, sleep=clock.sleep)
    budget.observe({"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "1",
                    "X-RateLimit-FillRate": "3", "X-RateLimit-Interval-Seconds": "10"})
    budget.acquire()
    assert clock.now == 1000.0
    budget.acquire()
    assert clock.now - 1000.0 == pytest.approx(10.1)


def test_jira_pauses_when_its_budget_is_spent(clock: FakeClock) -> None:
    """A 2xx saying X-RateLimit-Remaining: 0 with a reset holds the next request until it."""
    budget = JiraBudget(None, floor=60.0, clock=clock, sleep=clock.sleep)
    reset = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 90, UTC)
    budget.observe({"X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ")})
    budget.acquire()
    assert 88.0 <= clock.now - 1000.0 <= 90.0


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-30T10:05Z", 300.0), ("2026-11-30T10:00:30.000Z", 30.0),
    (str(int(NOW) + 45), 45.0), ("12", 12.0), ("2026-11-30T09:00Z", 0.0),
    ("", None), (None, None), ("soon", None),
])
def test_reset_headers_are_read_in_their_forms(value: str | None, expected: float | None) -> None:
    """X-RateLimit-Reset as Jira Cloud's ISO timestamp, an epoch, or a delay."""
    assert reset_seconds(value, NOW) == expected


def _answer(status: int, headers: dict[str, str]) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp.headers.update(headers)
    resp.url = f"{JIRA}/rest/api/3/issue/QA-1"
    resp._content = b"{}"
    return resp


@pytest.mark.parametrize(("headers", "kind"), [
    ({}, Unavailable),
    ({"Retry-After": "5"}, RateLimited),
    ({"RateLimit-Reason": "jira-cost-based"}, RateLimited),
    ({"X-RateLimit-Reset": "2026-11-30T10:05Z"}, RateLimited),
])
def test_a_503_is_a_rate_limit_only_when_it_says_so(
    headers: dict[str, str], kind: type[Exception]
) -> None:
    """Jira Cloud's 503 for "a resource limit has been reached" carries a limit's headers;
    a bare 503 is the server being unavailable."""
    error = error_for_response(_answer(503, headers), idempotent=True, operation="read",
                               now=datetime.fromtimestamp(NOW, UTC))
    assert type(error) is kind


def test_a_closed_xray_window_does_not_hold_back_jira(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """Jira and Xray keep separate budgets: after Xray's bare 429 paused Xray, a Jira read
    goes out at once."""
    add_auth(mocked)
    mocked.post(f"{XRAY}/api/v2/graphql", json={"data": {"getTestRun": None}})
    mocked.get(f"{JIRA}/rest/api/3/issue/QA-1", json={
        "id": "1", "key": "QA-1", "fields": {"updated": "2026-11-20T10:00:00.000+0000"}})
    paused = cloud.xray.channel.budget.refused(None, None)  # as a bare 429 from Xray would
    cloud.get_issue("QA-1")
    assert clock.now == 1000.0
    assert cloud.get_test_run(IssueRef("1", "QA-1"), IssueRef("2", "QA-2")) is None
    assert clock.now - 1000.0 == pytest.approx(paused)  # Xray waited for its pause


def test_a_caller_that_does_not_retry_does_not_wait_for_a_pause(clock: FakeClock) -> None:
    """With retries off (a readiness check) a spent budget is not waited for: the request
    goes and its answer says what the server thinks."""
    budget = JiraBudget(None, floor=60.0, clock=clock, sleep=clock.sleep, waits=False)
    budget.refused(None, 30.0)
    budget.acquire()
    assert clock.sleeps == []


class MemoryLedger:
    """A `SharedLedger` in memory on the test's clock: what the store keeps on PostgreSQL."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.paused_until: dict[str, float] = {}
        self.sent: dict[str, list[float]] = {}
        self.asked: list[tuple[str, list[tuple[str, int, float]]]] = []

    def admit(self, key: str, windows: Sequence[tuple[str, int, float]]) -> float:
        now = self.clock()
        self.asked.append((key, list(windows)))
        if self.paused_until.get(key, 0.0) > now:
            return self.paused_until[key] - now
        for name, most, span in windows:
            recent = [t for t in self.sent.get(f"{key}/{name}", []) if t > now - span]
            if len(recent) >= most:
                return recent[-most] + span - now
        for name, _, _ in windows:
            self.sent.setdefault(f"{key}/{name}", []).append(now)
        return 0.0

    def pause(self, key: str, seconds: float) -> float:
        now = self.clock()
        self.paused_until[key] = max(self.paused_until.get(key, 0.0), now + seconds)
        return self.paused_until[key] - now


def test_instances_sharing_a_ledger_keep_one_xray_window_between_them(
        clock: FakeClock) -> None:
    """Two instances' windows of three per ten seconds on one ledger: together they send
    three, and the fourth (whichever instance sends it) waits for the window."""
    ledger = MemoryLedger(clock)
    first, second = (XrayWindow(RateLimit(3, 10.0), clock=clock, sleep=clock.sleep,
                                shared=ledger, key="xray:k") for _ in range(2))
    for budget in (first, second, first):
        budget.acquire()
    assert clock.sleeps == []
    second.acquire()
    assert clock.now - 1000.0 == pytest.approx(10.1)
    assert ledger.asked[0] == ("xray:k", [("window", 3, 10.1)])


def test_a_refusal_seen_by_one_instance_pauses_every_instance(clock: FakeClock) -> None:
    """A bare 429 answered to one instance: the other, which saw none, waits it out too."""
    ledger = MemoryLedger(clock)
    first, second = (XrayWindow(RateLimit(300, 30.0), clock=clock, sleep=clock.sleep,
                                rng=lambda: 1.0, shared=ledger, key="xray:k")
                     for _ in range(2))
    assert first.refused(None, None) == pytest.approx(33.0)
    second.acquire()
    assert clock.now - 1000.0 == pytest.approx(33.0)


def test_a_shared_jira_cap_is_a_window_of_the_cluster(clock: FakeClock) -> None:
    """A configured Jira cap, shared, is counted as one window for every instance."""
    ledger = MemoryLedger(clock)
    budget = JiraBudget(RateLimit(2, 5.0), floor=60.0, clock=clock, sleep=clock.sleep,
                        shared=ledger, key="jira:k")
    for _ in range(3):
        budget.acquire()
    assert ledger.asked[0] == ("jira:k", [("cap", 2, 5.0)])
    assert clock.now - 1000.0 == pytest.approx(5.0)
