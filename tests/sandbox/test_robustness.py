"""Any JSON body, however wrong, gets a 4xx answer naming the problem, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.server import RunningSandbox
from tests.sandbox.conftest import create

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["fields", "summary", "project", "issuetype", "labels", "description",
                         "update", "transition", "id", "body", "object", "url", "title",
                         "tests", "testKey", "status", "info", "evidence", "issueUpdates",
                         "globalId", "key", "name", "add", "properties", "value"]),
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
