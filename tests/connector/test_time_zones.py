"""Absolute JQL dates in the service user's time zone (`connector.jql_time`), and the
search that reads that zone from `myself`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from responses import matchers

from connector.cloud import CloudBackend
from connector.jql_time import JQL_FORMAT, jql_date, readings
from tests.connector.conftest import JIRA, FakeClock, add_myself

# Half-hour and 45-minute offsets, a 30-minute daylight-saving shift (Lord Howe), both
# hemispheres, and the extremes of the offsets in use.
ZONES = ("UTC", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe",
         "America/St_Johns", "Pacific/Chatham", "Europe/London", "Pacific/Kiritimati",
         "Etc/GMT+12", "Australia/Sydney")


def read_back(literal: str, zone: str) -> list[datetime]:
    """Every instant a Jira in `zone` may take the literal for."""
    return list(readings(datetime.strptime(literal, JQL_FORMAT), ZoneInfo(zone)))


@settings(max_examples=400, deadline=None)
@given(moment=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31),
                           timezones=st.just(UTC)),
       zone=st.sampled_from(ZONES))
def test_a_jql_date_never_reads_back_later_than_the_instant(moment: datetime, zone: str) -> None:
    """However the user's zone resolves the literal, it is at or before the instant meant,
    and at most one daylight-saving shift and a minute earlier."""
    found = read_back(jql_date(moment, zone), zone)
    assert max(found) <= moment
    assert moment - min(found) <= timedelta(hours=2, minutes=1)


@pytest.mark.parametrize(("moment", "zone", "literal"), [
    (datetime(2026, 11, 30, 10, 0, 30, tzinfo=UTC), "America/Los_Angeles", "2026-11-30 02:00"),
    (datetime(2026, 11, 30, 10, 0, tzinfo=UTC), "Asia/Kolkata", "2026-11-30 15:30"),
    (datetime(2026, 11, 30, 10, 0, tzinfo=UTC), "UTC", "2026-11-30 10:00"),
    # 01:30 PDT, whose wall time comes again an hour later as 01:30 PST: step back an hour
    (datetime(2026, 11, 1, 8, 30, tzinfo=UTC), "America/Los_Angeles", "2026-11-01 00:30"),
    # 01:30 PST, the second reading of the wall time: it may stay
    (datetime(2026, 11, 1, 9, 30, tzinfo=UTC), "America/Los_Angeles", "2026-11-01 01:30"),
])
def test_jql_dates_of_known_instants(moment: datetime, zone: str, literal: str) -> None:
    """Known instants become the expected wall times, stepping back out of a repeated hour."""
    assert jql_date(moment, zone) == literal


@pytest.mark.parametrize("zone", ["", "Mars/Olympus_Mons"])
def test_an_unknown_zone_widens_the_window_by_twelve_hours(zone: str) -> None:
    """A zone the connector cannot read asks from twelve hours earlier in UTC wall time,
    which no offset in use can read as later than the instant."""
    moment = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert jql_date(moment, zone) == "2026-11-29 22:00"


def test_a_naive_instant_is_refused() -> None:
    """A `since` without a zone names the rule instead of guessing."""
    with pytest.raises(Exception, match="aware_datetime_required"):
        jql_date(datetime(2026, 11, 30, 10, 0), "UTC")


def _search(mocked: responses.RequestsMock, stamp: str) -> None:
    mocked.get(f"{JIRA}/rest/api/3/search/jql", json={"issues": [], "isLast": True},
               match=[matchers.query_param_matcher({
                   "jql": f'project = "QA" AND labels = "xray-sync" AND updated >= "{stamp}" '
                          "ORDER BY updated ASC"}, strict_match=False)])


def test_search_changed_writes_the_date_in_the_users_zone_read_once_per_ttl(
    cloud: CloudBackend, mocked: responses.RequestsMock, clock: FakeClock
) -> None:
    """The zone comes from `myself`; a second search within the TTL reuses it, one after
    the TTL reads `myself` again and follows a changed zone."""
    since = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    add_myself(mocked, zone="America/Los_Angeles")
    _search(mocked, "2026-11-30 02:00")
    cloud.search_changed("QA", since)
    cloud.search_changed("QA", since)
    first = [str(c.request.url) for c in mocked.calls]
    mocked.reset()
    clock.now += 61.0
    add_myself(mocked, zone="Asia/Kolkata")
    _search(mocked, "2026-11-30 15:30")
    cloud.search_changed("QA", since)
    assert [url.endswith("/myself") for url in first] == [True, False, False]
    assert [str(c.request.url).endswith("/myself") for c in mocked.calls] == [True, False]


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_change_inside_a_repeated_hour_is_found(
    deployment: Literal["cloud", "datacenter"],
) -> None:
    """With the user in Los Angeles and the overlap starting in the hour repeated when
    daylight time ends, a change made in that hour is found by the sandbox, which reads a
    repeated wall time as its later instant."""
    from connector import ConnectorSettings, RateLimit, RetrySettings, make_backend
    from sandbox.options import SandboxOptions
    from sandbox.server import start_sandbox
    from tests.sandbox.helpers import FakeClock as SandboxClock

    start = datetime(2026, 11, 1, 8, 35, tzinfo=UTC)  # 01:35 PDT, before 01:35 PST
    clock = SandboxClock((start + timedelta(minutes=5)).timestamp())
    options = SandboxOptions(time_zone="America/Los_Angeles", clock=clock)
    with start_sandbox(deployment, options=options) as sandbox:
        sandbox.state.touch(sandbox.state.add_issue("Test Execution", "Run"))
        sandbox.state.issue("QA-1").labels = ["xray-sync", "xs-fold"]
        sandbox.state.touch(sandbox.state.issue("QA-1"))
        backend = make_backend(ConnectorSettings(
            deployment=deployment, jira_url=sandbox.url, xray_url=sandbox.url,
            email="sandbox@example.com", token="sandbox-token", client_id="sandbox",
            client_secret="sandbox-secret", timeout=10.0, retry=RetrySettings(enabled=False),
            rate_limit=RateLimit(requests=1000, per_seconds=1.0, burst=1000)))
        found = backend.search_changed("QA", start)
    assert [(i.key, i.session_id) for i in found] == [("QA-1", "fold")]
