"""Any JSON body, however wrong, gets a 4xx answer naming the problem, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import create

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["fields", "summary", "project", "issuetype", "labels", "description",
                         "update", "transition", "id", "body", "object", "url", "title",
                         "tests", "testKey", "status", "info", "evidence", "issueUpdates",
                         "globalId", "key", "name", "add", "properties", "value", "defects",
                         "evidences", "remove", "testExecutionKey", "events", "filters",
                         "comment", "start", "finish", "data", "filename", "secret",
                         "testEnvironments", "startDate", "jql", "maxResults"]),
        inner, max_size=4),
    max_leaves=12)
TARGETS = [
    ("POST", "/rest/api/3/issue"), ("POST", "/rest/api/2/issue/bulk"),
    ("PUT", "/rest/api/3/issue/QA-1"), ("POST", "/rest/api/3/issue/QA-1/transitions"),
    ("POST", "/rest/api/3/issue/QA-1/comment"), ("POST", "/rest/api/2/issue/QA-1/remotelink"),
    ("POST", "/rest/api/3/issueLink"), ("POST", "/rest/api/3/search/jql"),
    ("POST", "/api/v2/import/execution"),
]


@pytest.mark.parametrize(("method", "path"), TARGETS)
@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(body=JSON)
def test_any_body_is_answered_without_a_server_error(
        cloud_server: RunningSandbox, method: str, path: str, body: Any) -> None:
    """Each write endpoint answers arbitrary JSON with a status below 500."""
    with requests.Session() as http:
        http.auth = ("sandbox@example.com", "sandbox-token")
        if "QA-1" not in cloud_server.state.key_to_id:
            create(http, cloud_server.url)
        if path.startswith("/api/"):
            http.auth = None
            token = http.post(f"{cloud_server.url}/api/v2/authenticate", json={
                "client_id": "sandbox", "client_secret": "sandbox-secret"}).json()
            http.headers["Authorization"] = f"Bearer {token}"
        answer = http.request(method, f"{cloud_server.url}{path}", json=body, timeout=10)
    assert answer.status_code < 500, answer.text


DC_TARGETS = [
    ("PUT", "/rest/raven/2.0/api/testrun/1"), ("POST", "/rest/raven/2.0/api/testexec/QA-2/test"),
    ("POST", "/rest/raven/2.0/import/execution"), ("POST", "/rest/raven/2.0/api/testrun/1/defect"),
    ("POST", "/rest/raven/2.0/api/testrun/1/attachment"), ("POST", "/rest/webhooks/1.0/webhook"),
]


@pytest.mark.parametrize(("method", "path"), DC_TARGETS)
@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(body=JSON)
def test_any_body_to_raven_is_answered_without_a_server_error(
        dc_server: RunningSandbox, method: str, path: str, body: Any) -> None:
    """Each Xray Server write endpoint answers arbitrary JSON with a status below 500."""
    with requests.Session() as http:
        http.headers["Authorization"] = "Bearer sandbox-token"
        if "QA-2" not in dc_server.state.key_to_id:
            create(http, dc_server.url)
            create(http, dc_server.url, kind="Test Execution")
            http.post(f"{dc_server.url}/rest/raven/2.0/api/testexec/QA-2/test",
                      json={"add": ["QA-1"]})
        answer = http.request(method, f"{dc_server.url}{path}", json=body, timeout=10)
    assert answer.status_code < 500, answer.text
