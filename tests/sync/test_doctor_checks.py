"""The doctor's verdicts as plain functions: thresholds and the cases a sandbox run does
not reach (warnings, unknown zones, loopback addresses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.errors import RateLimited
from connector.site import SYNC_PERMISSIONS, Myself, ServerInfo
from sync.doctor import local_checks, site_checks

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _server(at: datetime) -> ServerInfo:
    return ServerInfo("cloud", "Cloud", "1001", at)


@pytest.mark.parametrize(("skew", "round_trip", "status"), [
    (0.0, 0.1, "ok"), (4.0, 0.1, "ok"), (20.0, 0.1, "warn"), (-20.0, 0.1, "warn"),
    (61.0, 0.1, "fail"), (-61.0, 0.1, "fail"), (61.0, 4.0, "warn"),
])
def test_clock_skew_is_judged_against_half_the_overlap(skew: float, round_trip: float,
                                                       status: str) -> None:
    """Within 5 s ok, up to half the overlap (120 s -> 60 s) a warning, beyond a failure;
    the round trip's half is given to the clock's benefit."""
    server_time = T0 - timedelta(seconds=skew)
    check = site_checks.clock(_server(server_time), T0 - timedelta(seconds=round_trip / 2),
                              T0 + timedelta(seconds=round_trip / 2), 120)
    assert check.status == status


def test_a_permission_only_an_unused_purge_needs_warns() -> None:
    """Lacking TRANSITION_ISSUES while on_purge does not transition is a warning."""
    held = dict.fromkeys(SYNC_PERMISSIONS, True) | {"TRANSITION_ISSUES": False}
    assert site_checks.permissions("QA", held, ("TRANSITION_ISSUES",)).status == "warn"
    assert site_checks.permissions("QA", held, ()).status == "fail"


@pytest.mark.parametrize(("zone", "status"), [
    ("Etc/UTC", "ok"), ("America/Los_Angeles", "ok"), ("Asia/Kolkata", "ok"),
    ("Mars/Olympus_Mons", "warn"), (None, "warn"),
])
def test_time_zone(zone: str | None, status: str) -> None:
    """Any zone this machine knows is fine (the connector writes JQL dates in it); an
    unknown zone or none at all warns (the connector widens its searches by 12 h)."""
    assert site_checks.time_zone(Myself("a", "A", zone, True)).status == status


def test_a_budget_near_its_limit_warns_and_a_429_fails() -> None:
    """NearLimit or Remaining 0 warns; a 429 met during the checks fails."""
    near = {"jira": {"X-RateLimit-NearLimit": "true"}}
    assert site_checks.rate_limits(near, ()).status == "warn"
    limited = RateLimited("x", retry_after=12.0)
    assert site_checks.rate_limits({}, (limited,)).status == "fail"
    assert site_checks.rate_limits({}, ()).status == "ok"


def test_a_loopback_public_url_fails_when_jira_is_elsewhere() -> None:
    """Jira on another host cannot reach 127.0.0.1 or localhost, however well it answers."""
    assert local_checks.public_url("http://localhost:8470", "https://acme.atlassian.net",
                                   200).status == "fail"
    assert local_checks.public_url("http://127.0.0.1:8470", "http://127.0.0.1:9000",
                                   200).status == "ok"


def test_a_missing_automation_secret_only_warns() -> None:
    """With the webhook secret set, a missing Automation secret is a warning."""
    assert local_checks.webhook_secret(True, False, "http://x").status == "warn"
    assert local_checks.webhook_secret(False, True, "http://x").status == "fail"
