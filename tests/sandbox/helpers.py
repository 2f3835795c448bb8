"""Helpers shared by the sandbox tests: paths, credentials, small HTTP and GraphQL calls."""

from __future__ import annotations

from typing import Any

import requests

CLOUD_AUTH = ("sandbox@example.com", "sandbox-token")
DC_HEADERS = {"Authorization": "Bearer sandbox-token"}
CREATE_TEST = """
mutation CreateTest($jira: JSON!, $unstructured: String) {
  createTest(jira: $jira, testType: {name: "Generic"}, unstructured: $unstructured) {
    test { issueId jira(fields: ["key", "updated"]) }
    warnings
  }
}"""
GET_RUN = """
query GetTestRun($testExecIssueId: String!, $testIssueId: String!) {
  getTestRun(testExecIssueId: $testExecIssueId, testIssueId: $testIssueId) {
    id status { name } comment startedOn finishedOn defects evidence { filename }
  }
}"""



def create(http: requests.Session, url: str, summary: str = "A test", kind: str = "Test",
           version: int = 2, **fields: object) -> dict[str, str]:
    """Creates an issue over HTTP and returns the 201 body."""
    body = {"fields": {"project": {"key": "QA"}, "issuetype": {"name": kind},
                       "summary": summary, **fields}}
    answer = http.post(f"{url}/rest/api/{version}/issue", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    result: dict[str, str] = answer.json()
    return result


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def token(url: str) -> str:
    """A fresh Xray token."""
    answer = requests.post(f"{url}/api/v2/authenticate", timeout=10,
                           json={"client_id": "sandbox", "client_secret": "sandbox-secret"})
    assert answer.status_code == 200
    value: str = answer.json()
    return value


def gql(url: str, bearer: str, query: str, **variables: Any) -> dict[str, Any]:
    """Posts a GraphQL request and returns its JSON answer."""
    answer = requests.post(f"{url}/api/v2/graphql", json={"query": query, "variables": variables},
                           headers={"Authorization": f"Bearer {bearer}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
