"""The sandbox user's time zone: `myself` reports it and JQL reads absolute dates in it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from sandbox.jql import parse, parse_jql_date
from sandbox.server import RunningSandbox
from tests.sandbox.helpers import create

DAY = datetime(2026, 11, 30, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("zone", "utc_hour"), [
    ("UTC", 10.0), ("America/Los_Angeles", 18.0), ("Asia/Kolkata", 4.5)])
def test_an_absolute_date_is_a_wall_time_of_the_users_zone(zone: str, utc_hour: float) -> None:
    """"2026-11-30 10:00" is 10:00 in the user's zone, not in UTC."""
    assert parse_jql_date("2026-11-30 10:00", 0.0, ZoneInfo(zone)) == DAY + utc_hour * 3600


def test_a_repeated_wall_time_is_read_as_its_later_instant() -> None:
    """01:30 on the night Los Angeles leaves daylight time is read as 01:30 PST (09:30 UTC),
    the reading that hides the most changes from a client."""
    read = parse_jql_date("2026-11-01 01:30", 0.0, ZoneInfo("America/Los_Angeles"))
    assert read == datetime(2026, 11, 1, 9, 30, tzinfo=UTC).timestamp()


def test_relative_dates_need_no_zone() -> None:
    """"-5m" is five minutes before now whatever the user's zone."""
    now = DAY + 1234.0
    assert parse("updated >= -5m", now, "Asia/Kolkata").predicate is not None
    assert parse_jql_date("-5m", now, ZoneInfo("Pacific/Chatham")) == now - 300


def test_the_default_user_is_in_utc(cloud: RunningSandbox, http: requests.Session) -> None:
    """Unless told otherwise the sandbox's user reports UTC."""
    assert http.get(f"{cloud.url}/rest/api/3/myself").json()["timeZone"] == "UTC"


def test_a_zone_set_at_run_time_changes_myself_and_search(
    cloud: RunningSandbox, http: requests.Session
) -> None:
    """After POST /_sandbox/options {"time_zone": ...} `myself` reports the zone and a search
    by absolute date reads the date in it."""
    key = create(http, cloud.url, "Run", "Test Execution")["key"]
    made = datetime.fromtimestamp(cloud.state.issue(key).updated, UTC)
    stamp = made.strftime("%Y-%m-%d %H:%M")
    jql = f'updated >= "{stamp}"'
    try:
        assert http.post(f"{cloud.url}/_sandbox/options",
                         json={"time_zone": "America/Los_Angeles"}).status_code == 204
        me = http.get(f"{cloud.url}/rest/api/3/myself").json()
        found = http.get(f"{cloud.url}/rest/api/3/search/jql", params={"jql": jql}).json()
    finally:
        http.post(f"{cloud.url}/_sandbox/options", json={"time_zone": "UTC"})
    assert me["timeZone"] == "America/Los_Angeles"
    assert found["issues"] == []  # the UTC wall time, read in Los Angeles, is 8 hours later
    found = http.get(f"{cloud.url}/rest/api/3/search/jql", params={"jql": jql}).json()
    assert [hit["id"] for hit in found["issues"]] == [str(cloud.state.issue(key).id)]


def test_an_unknown_zone_is_refused(cloud: RunningSandbox, http: requests.Session) -> None:
    """A time zone the sandbox cannot read is a 400 that names the rule."""
    answer = http.post(f"{cloud.url}/_sandbox/options", json={"time_zone": "Mars/Base"})
    assert answer.status_code == 400
    assert "IANA" in answer.text
