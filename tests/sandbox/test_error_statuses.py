"""Each endpoint's error statuses, in one table per deployment."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import create

CLOUD_CASES: list[tuple[str, str, Any, int]] = [
    ("GET", "/rest/api/3/project/NOPE", None, 404),
    ("GET", "/rest/api/4/myself", None, 404),
    ("GET", "/rest/api/3/nothing-here", None, 404),
    ("DELETE", "/rest/api/3/myself", None, 501),
    ("PUT", "/rest/api/3/priority/1", {}, 501),
    ("POST", "/rest/api/3/issue/QA-1/watchers", {"not": "a string"}, 400),
    ("POST", "/rest/api/3/issue", {"fields": {"project": {"key": "QA"},
                                              "issuetype": {"name": "Bug"}}}, 400),
    ("POST", "/rest/api/3/issue", {"fields": {"project": {"key": "NOPE"},
                                              "issuetype": {"name": "Bug"}, "summary": "s"}}, 400),
    ("POST", "/rest/api/3/issue", "not an object", 400),
    ("POST", "/rest/api/3/issue/bulk", {"issueUpdates": []}, 400),
    ("PUT", "/rest/api/3/issue/QA-1", {"fields": {"summary": ""}}, 400),
    ("PUT", "/rest/api/3/issue/QA-404", {"fields": {"summary": "x"}}, 404),
    ("DELETE", "/rest/api/3/issue/QA-404", None, 404),
    ("GET", "/rest/api/3/issue/QA-1/properties/none", None, 404),
    ("DELETE", "/rest/api/3/issue/QA-1/properties/none", None, 404),
    ("POST", "/rest/api/3/issue/QA-404/comment", {"body": {"type": "doc", "version": 1,
                                                           "content": []}}, 404),
    ("GET", "/rest/api/3/issue/QA-1/remotelink?globalId=missing", None, 404),
    ("POST", "/rest/api/3/issue/QA-1/transitions", {"transition": {}}, 400),
    ("POST", "/rest/api/3/issueLink", {"type": {"name": "Relates"}, "inwardIssue": {"key": "QA-1"},
                                       "outwardIssue": {"key": "QA-404"}}, 404),
    ("GET", "/rest/api/3/search/jql?jql=project%20%3D&maxResults=1", None, 400),
    ("GET", "/rest/api/3/search/jql?jql=project%20%3D%20QA&maxResults=-1", None, 400),
    ("GET", "/rest/api/3/search/jql?jql=project%20%3D%20QA&nextPageToken=bogus", None, 400),
    ("GET", "/rest/api/3/attachment/424242", None, 404),
    ("GET", "/rest/webhooks/1.0/webhook/424242", None, 404),
    ("POST", "/api/v2/authenticate", {"client_id": "sandbox"}, 401),
    ("POST", "/api/v2/graphql", {"query": "{ x }"}, 401),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), CLOUD_CASES)
def test_cloud_error_statuses(cloud: RunningSandbox, http: requests.Session, method: str,
                              path: str, body: Any, status: int) -> None:
    """Each bad Cloud request answers its documented status with a JSON error body."""
    create(http, cloud.url)
    answer = http.request(method, f"{cloud.url}{path}", json=body)
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error.get("errorMessages") or error.get("errors") or error.get("error")


DC_CASES: list[tuple[str, str, Any, int]] = [
    ("GET", "/rest/api/3/serverInfo", None, 404),
    ("GET", "/rest/api/2/search?jql=labels%20~%20x", None, 400),
    ("GET", "/rest/api/2/search?jql=project%20%3D%20QA&startAt=x", None, 400),
    ("GET", "/rest/raven/2.0/api/testrun?testExecIssueKey=QA-1", None, 400),
    ("GET", "/rest/raven/2.0/api/testrun?testExecIssueKey=QA-1&testIssueKey=QA-1", None, 400),
    ("GET", "/rest/raven/2.0/api/testexec/QA-404/test", None, 404),
    ("POST", "/rest/raven/2.0/api/testexec/QA-1/test", {"add": ["QA-1"]}, 400),
    ("PUT", "/rest/raven/2.0/api/testrun/999/status?status=PASS", None, 404),
    ("POST", "/rest/raven/2.0/import/execution", {"tests": [{"testKey": "QA-1"}]}, 400),
    ("POST", "/rest/raven/2.0/import/execution", {"testExecutionKey": "QA-404"}, 400),
    ("POST", "/api/v2/graphql", {"query": "{ x }"}, 404),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), DC_CASES)
def test_dc_error_statuses(dc: RunningSandbox, dc_http: requests.Session, method: str,
                           path: str, body: Any, status: int) -> None:
    """Each bad Data Center request answers its status with a JSON error body."""
    create(dc_http, dc.url, kind="Test Execution")
    answer = dc_http.request(method, f"{dc.url}{path}", json=body)
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error.get("errorMessages") or error.get("errors") or error.get("error")
