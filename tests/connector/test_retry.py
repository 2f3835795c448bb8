"""The one retry layer: what is retried, after how long, and that nothing goes early.

Time is a fake clock that moves only when the layer sleeps; each request records the
clock's time when it was sent, so "never before Retry-After" is checked exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses

from connector import IssueDraft, RateLimit, RetrySettings, make_backend
from connector.cloud import CloudBackend
from connector.errors import AmbiguousWrite, RateLimited, Unavailable
from connector.ratelimit import TokenBucket
from connector.retry import backoff, parse_retry_after
from tests.connector.conftest import JIRA, FakeClock, settings

ISSUE = f"{JIRA}/rest/api/3/issue/QA-1"
OK = {"id": "1", "key": "QA-1", "fields": {"updated": "2026-11-20T10:00:00.000+0000"}}
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class Timed:
    """A responses callback that answers from a script and notes when each call came."""

    def __init__(self, clock: FakeClock, script: list[tuple[int, dict[str, str]]]) -> None:
        self.clock = clock
        self.script = script
        self.times: list[float] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.times.append(self.clock.now)
        status, headers = self.script.pop(0)
        body = '{"id": "1", "key": "QA-1", "fields": {"updated": "2026-11-20T10:00:00.000+0000"}}'
        return status, headers, body if status < 300 else '{"errorMessages": ["slow down"]}'


def test_429_storm_waits_each_retry_after(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """Five 429s in a row are each waited out exactly, then the read succeeds."""
    script = [(429, {"Retry-After": str(n)}) for n in (1, 2, 3, 4, 5)] + [(200, {})]
    timed = Timed(clock, script)
    mocked.add_callback("GET", ISSUE, callback=timed)
    assert cloud.get_issue("QA-1").key == "QA-1"
    gaps = [b - a for a, b in zip(timed.times, timed.times[1:], strict=False)]
    assert gaps == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_a_storm_longer_than_attempts_is_waited_out(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """Rate limits do not use up `attempts`: ten 429s in a row are waited out and the read
    succeeds (no call fails for a limit that a wait serves)."""
    timed = Timed(clock, [(429, {"Retry-After": "2"})] * 10 + [(200, {})])
    mocked.add_callback("GET", ISSUE, callback=timed)
    assert cloud.get_issue("QA-1").key == "QA-1"
    assert len(timed.times) == 11


def test_a_storm_longer_than_the_longest_wait_raises_rate_limited(
    clock: FakeClock, mocked: responses.RequestsMock
) -> None:
    """Once rate limits have been waited for `max_rate_limit_wait` in all, the caller gets
    RateLimited with the last Retry-After."""
    backend = make_backend(settings("cloud", retry=RetrySettings(max_rate_limit_wait=10)),
                           clock=clock, sleep=clock.sleep)
    timed = Timed(clock, [(429, {"Retry-After": "4"})] * 4)
    mocked.add_callback("GET", ISSUE, callback=timed)
    with pytest.raises(RateLimited) as caught:
        backend.get_issue("QA-1")
    assert caught.value.retry_after == 4.0
    assert len(timed.times) == 3


def test_retry_after_as_http_date(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """A Retry-After given as an HTTP date is waited until that date."""
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    timed = Timed(clock, [(429, {"Retry-After": later}), (200, {})])
    mocked.add_callback("GET", ISSUE, callback=timed)
    cloud.get_issue("QA-1")
    assert 28.0 <= timed.times[1] - timed.times[0] <= 30.0


def test_429_without_retry_after_pauses_for_the_floor_with_jitter(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """A Jira 429 with neither Retry-After nor X-RateLimit-Reset waits the floor (60 s)
    stretched by its jitter (at its top here), never a burst of quick retries."""
    timed = Timed(clock, [(429, {}), (200, {})])
    mocked.add_callback("GET", ISSUE, callback=timed)
    cloud.get_issue("QA-1")
    assert timed.times[1] - timed.times[0] == pytest.approx(66.0)


def test_429_with_a_reset_waits_until_the_reset(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """A 429 with X-RateLimit-Reset (Jira Cloud's ISO 8601 form) and no Retry-After waits
    until that reset."""
    reset = (datetime.now(UTC) + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%MZ")
    timed = Timed(clock, [(429, {"X-RateLimit-Reset": reset}), (200, {})])
    mocked.add_callback("GET", ISSUE, callback=timed)
    cloud.get_issue("QA-1")
    assert 60.0 <= timed.times[1] - timed.times[0] <= 120.0


def test_503_without_retry_after_is_retried_with_backoff(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """A 503 without Retry-After on a read is retried after a backoff."""
    timed = Timed(clock, [(503, {}), (200, {})])
    mocked.add_callback("GET", ISSUE, callback=timed)
    cloud.get_issue("QA-1")
    assert clock.sleeps == [0.5]


def test_503_with_retry_after_on_create_is_retried(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """A 503 carrying Retry-After refused the create, so it is sent again after the wait."""
    mocked.post(f"{JIRA}/rest/api/3/issue/bulk", status=503, headers={"Retry-After": "7"})
    mocked.post(f"{JIRA}/rest/api/3/issue/bulk", status=201,
                json={"issues": [{"id": "1", "key": "QA-1"}], "errors": []})
    cloud.create_issues([IssueDraft("s1", "QA", "defect", "Bug")])
    assert clock.sleeps == [7.0]


def test_500_on_read_is_not_retried(cloud: CloudBackend, mocked: responses.RequestsMock) -> None:
    """A 500 is not among the retried statuses."""
    mocked.get(ISSUE, status=500, json={})
    with pytest.raises(Unavailable):
        cloud.get_issue("QA-1")
    assert len(mocked.calls) == 1


def test_ambiguous_create_is_never_resent(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """A create whose connection dropped is sent once only, then AmbiguousWrite."""
    mocked.post(f"{JIRA}/rest/api/3/issue/bulk", body=requests.ConnectionError("reset by peer"))
    with pytest.raises(AmbiguousWrite):
        cloud.create_issues([IssueDraft("s1", "QA", "defect", "Bug")])
    assert len(mocked.calls) == 1


def test_other_requests_wait_for_a_retry_after(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """After a Retry-After, Jira's budget holds back every Jira request until it has passed."""
    timed = Timed(clock, [(429, {"Retry-After": "12"}), (200, {}), (200, {})])
    mocked.add_callback("GET", ISSUE, callback=timed)
    cloud.get_issue("QA-1")
    cloud.channel.budget.pause_until(clock.now + 3)
    cloud.get_issue("QA-1")
    assert [t - timed.times[0] for t in timed.times] == [0.0, 12.0, 15.0]


def test_bucket_paces_at_its_rate(clock: FakeClock) -> None:
    """After the burst, requests go at the configured rate (300 per 300 s: one a second)."""
    bucket = TokenBucket(RateLimit(), clock, clock.sleep)
    times = []
    for _ in range(10):
        bucket.acquire()
        times.append(clock.now)
    assert times[4] - times[0] == 0
    assert times[9] - times[4] == pytest.approx(5.0)


def test_retry_after_longer_than_allowed_goes_to_caller(
    clock: FakeClock, mocked: responses.RequestsMock
) -> None:
    """A Retry-After beyond max_retry_after is raised at once for the caller to schedule."""
    backend = make_backend(settings("cloud", retry=RetrySettings(max_retry_after=60)),
                           clock=clock, sleep=clock.sleep)
    mocked.get(ISSUE, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited) as caught:
        backend.get_issue("QA-1")
    assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []


@pytest.mark.parametrize(("header", "expected"), [
    ("120", 120.0), (" 0 ", 0.0), ("Fri, 20 Nov 2026 10:01:00 GMT", 60.0),
    ("Fri, 20 Nov 2026 09:00:00 GMT", 0.0), ("", None), (None, None), ("soon", None),
])
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    """Retry-After is read as seconds or as an HTTP date (past dates wait zero)."""
    assert parse_retry_after(header, NOW) == expected


def test_backoff_grows_and_is_capped() -> None:
    """Backoff doubles per attempt, stays within [half, full] of its ceiling, and is capped."""
    retry = RetrySettings(base_delay=1.0, max_delay=8.0)
    assert [backoff(n, retry, lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 8]
    assert backoff(3, retry, lambda: 0.0) == 2.0


def test_jira_library_session_never_retries(
    clock: FakeClock, mocked: responses.RequestsMock
) -> None:
    """With our layer off, a 503 goes through the jira library's session exactly once."""
    backend = make_backend(settings("cloud", retry=RetrySettings(enabled=False)),
                           clock=clock, sleep=clock.sleep)
    assert isinstance(backend, CloudBackend)
    session = backend.channel.http
    assert (session.max_retries, session.timeout) == (0, 30.0)  # type: ignore[attr-defined]
    mocked.get(ISSUE, status=503, headers={"Retry-After": "1"})
    with pytest.raises(RateLimited):
        backend.get_issue("QA-1")
    assert len(mocked.calls) == 1
    assert clock.sleeps == []
