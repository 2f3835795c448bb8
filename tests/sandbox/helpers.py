"""Helpers shared by the sandbox tests: paths, credentials, small HTTP and GraphQL calls."""

from __future__ import annotations

from typing import Any

import jira
import requests

CLOUD_AUTH = ("sandbox@example.com", "sandbox-token")
DC_HEADERS = {"Authorization": "Bearer sandbox-token"}
TESTER_AUTH = ("tester@example.com", "tester-token")
TESTER_DC_HEADERS = {"Authorization": "Bearer tester-token"}
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


def library(url: str, deployment: str, version: str = "2",
            tester: bool = False) -> jira.JIRA:
    """A `jira.JIRA` on the sandbox: Cloud basic auth or a DC token, no retries."""
    options: dict[str, str | bool | Any] = {"rest_api_version": version}
    if deployment == "cloud":
        account = TESTER_AUTH if tester else CLOUD_AUTH
        return jira.JIRA(server=url, max_retries=0, options=options, basic_auth=account)
    return jira.JIRA(server=url, max_retries=0, options=options,
                     token_auth="tester-token" if tester else "sandbox-token")


def text(connection: jira.JIRA, words: str) -> Any:
    """A comment or description body for the connection's REST version (ADF on v3)."""
    if connection._options["rest_api_version"] != "3":
        return words
    return {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": words}]}]}


def plain(connection: jira.JIRA, body: Any) -> str:
    """A body the library read back, as text (v3 answers ADF)."""
    if isinstance(body, str):
        return body
    return "".join(node.text for block in body.content for node in block.content)


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
