"""Sandboxes for the tests: one Cloud and one Data Center per module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import jira
import pytest
import requests

from sandbox.server import RunningSandbox, start_sandbox
from tests.sandbox.helpers import CLOUD_AUTH, DC_HEADERS, library


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


@pytest.fixture(params=["cloud", "datacenter"], scope="module")
def client(request: pytest.FixtureRequest) -> Iterator[tuple[RunningSandbox, jira.JIRA]]:
    """A sandbox of each deployment and a `jira.JIRA` (REST v2) talking to it."""
    running = start_sandbox(request.param)
    connection = library(running.url, request.param)
    yield running, connection
    connection.close()
    running.stop()


@pytest.fixture(params=[("cloud", "2"), ("cloud", "3"), ("datacenter", "2")],
                ids=["cloud-v2", "cloud-v3", "dc-v2"], scope="module")
def every_api(request: pytest.FixtureRequest) -> Iterator[tuple[RunningSandbox, jira.JIRA]]:
    """A sandbox and a `jira.JIRA` for each deployment and REST version (Cloud v2 and v3)."""
    deployment, version = request.param
    running = start_sandbox(deployment)
    connection = library(running.url, deployment, version)
    yield running, connection
    connection.close()
    running.stop()


@pytest.fixture
def api(every_api: tuple[RunningSandbox, jira.JIRA]) -> tuple[RunningSandbox, jira.JIRA]:
    """The module's sandbox for this deployment and version, emptied."""
    running, connection = every_api
    running.faults.clear()
    running.state.reset()
    return running, connection


@pytest.fixture
def tester(api: tuple[RunningSandbox, jira.JIRA]) -> Iterator[jira.JIRA]:
    """A `jira.JIRA` logged in as the tester (same sandbox and REST version as `api`)."""
    running, admin = api
    connection = library(running.url, running.runtime.deployment,
                         admin._options["rest_api_version"], tester=True)
    yield connection
    connection.close()
