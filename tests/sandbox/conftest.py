"""Sandboxes for the tests: one Cloud and one Data Center per module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.server import RunningSandbox, start_sandbox

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CLOUD_AUTH = ("sandbox@example.com", "sandbox-token")
DC_HEADERS = {"Authorization": "Bearer sandbox-token"}


@pytest.fixture(scope="module")
def cloud_server() -> Iterator[RunningSandbox]:
    """A Cloud sandbox shared by a module."""
    running = start_sandbox("cloud")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def dc_server() -> Iterator[RunningSandbox]:
    """A Data Center sandbox shared by a module."""
    running = start_sandbox("datacenter")
    yield running
    running.stop()


@pytest.fixture
def cloud(cloud_server: RunningSandbox) -> RunningSandbox:
    """The module's Cloud sandbox, emptied."""
    cloud_server.faults.clear()
    cloud_server.state.reset()
    return cloud_server


@pytest.fixture
def dc(dc_server: RunningSandbox) -> RunningSandbox:
    """The module's Data Center sandbox, emptied."""
    dc_server.faults.clear()
    dc_server.state.reset()
    return dc_server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A plain HTTP session authenticated for Jira Cloud."""
    with requests.Session() as session:
        session.auth = CLOUD_AUTH
        yield session


@pytest.fixture
def dc_http() -> Iterator[requests.Session]:
    """A plain HTTP session with the Data Center personal access token."""
    with requests.Session() as session:
        session.headers.update(DC_HEADERS)
        yield session


def create(http: requests.Session, url: str, summary: str = "A test", kind: str = "Test",
           version: int = 2, **fields: object) -> dict[str, str]:
    """Creates an issue over HTTP and returns the 201 body."""
    body = {"fields": {"project": {"key": "QA"}, "issuetype": {"name": kind},
                       "summary": summary, **fields}}
    answer = http.post(f"{url}/rest/api/{version}/issue", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    result: dict[str, str] = answer.json()
    return result
