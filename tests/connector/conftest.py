"""Fixtures of the connector tests: a fake clock whose sleep moves time, backends wired
to it (so nothing sleeps for real), and `responses` mocks that must all be fired."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import responses

from connector import ConnectorSettings, RateLimit, RetrySettings, make_backend
from connector.cloud import CloudBackend
from connector.datacenter import DataCenterBackend

JIRA = "https://jira.test"
XRAY = "https://xray.test"
SECRETS = ("s3cret-api-token", "very-secret-client", "xray-token-abc")


@dataclass
class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def settings(deployment: str, **overrides: object) -> ConnectorSettings:
    """Test settings with recognisable fake secrets."""
    base: dict[str, object] = {
        "deployment": deployment,
        "jira_url": JIRA,
        "token": SECRETS[0],
        "email": "qa@example.com",
        "xray_url": XRAY,
        "client_id": "client-id",
        "client_secret": SECRETS[1],
        "rate_limit": RateLimit(requests=1000, per_seconds=1.0, burst=1000),
        "retry": RetrySettings(attempts=6, base_delay=0.5, max_delay=30.0),
        "test_type_field": "customfield_10100",
        "definition_field": "customfield_10101",
    }
    base.update(overrides)
    return ConnectorSettings(**base)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def cloud(clock: FakeClock) -> CloudBackend:
    backend = make_backend(settings("cloud"), clock=clock, sleep=clock.sleep, rng=lambda: 1.0)
    assert isinstance(backend, CloudBackend)
    return backend


@pytest.fixture
def dc(clock: FakeClock) -> DataCenterBackend:
    backend = make_backend(
        settings("datacenter"), clock=clock, sleep=clock.sleep, rng=lambda: 1.0
    )
    assert isinstance(backend, DataCenterBackend)
    return backend


def add_auth(mocked: responses.RequestsMock, token: str = SECRETS[2]) -> None:
    """Xray Cloud's authenticate answers a JSON string."""
    mocked.post(f"{XRAY}/api/v2/authenticate", json=token)


def add_myself(mocked: responses.RequestsMock, api: str = "3", zone: str = "UTC") -> None:
    """Jira's `myself` with the service user's time zone (read before a search_changed)."""
    mocked.get(f"{JIRA}/rest/api/{api}/myself",
               json={"accountId": "5b10a2844c20165700ede21g", "timeZone": zone})
