"""The readers accept every real Jira/Xray payload in tests/data/third_party/fixtures/rest/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connector import readers
from connector.base import IssueRef
from connector.errors import InvalidResponse, Rejected
from connector.translate import messages_from_body
from tests.third_party import FIXTURES

REST = FIXTURES / "rest"


def load(name: str) -> Any:
    return json.loads((REST / name).read_text(encoding="utf-8"))


def test_every_rest_fixture_is_covered() -> None:
    """Each file in fixtures/rest has a reader test below (new files must get one)."""
    names = {p.relative_to(REST).as_posix() for p in REST.rglob("*.json")}
    assert names == set(COVERED)


def _created_trimmed(body: Any) -> None:
    assert readers.read_issue_ref(body).key == "TEST-3"


def _created_spec(body: Any) -> None:
    assert readers.read_issue_ref(body) == IssueRef("10000", "ED-24")


def _error_400(body: Any) -> None:
    assert messages_from_body(body) == ["Field 'priority' is required"]


def _cloud_page1(body: Any) -> None:
    page = readers.read_cloud_search_page(body)
    assert page.next_token == "EDIYx43FxpczIocAtNzEsQ1hQLTcyLENYUC03MyxDWFAtNzQp"
    assert readers.read_issue_ref(page.issues[0]).key == "CXP-15"


def _cloud_last(body: Any) -> None:
    page = readers.read_cloud_search_page(body)
    assert page.next_token is None
    assert [readers.read_issue_ref(i).key for i in page.issues][:2] == ["CXP-5", "CXP-4"]


def _cloud_spec_search(body: Any) -> None:
    page = readers.read_cloud_search_page(body)
    assert page.next_token is None
    issue = readers.read_issue(page.issues[0])
    assert issue.key == "ED-1"
    assert issue.updated == datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)


def _dc_search(body: Any) -> None:
    page = readers.read_dc_search_page(body)
    issues = [readers.read_issue(i) for i in page.issues]
    assert page.next_start is None
    assert [(i.key, i.status, i.session_id) for i in issues] == [
        ("PZ-2", "To Do", None), ("PZ-1", "To Do", None)]
    assert issues[0].updated == datetime(2026, 8, 14, 11, 32, 13, tzinfo=UTC)


def _dc_search_custom(body: Any) -> None:
    page = readers.read_dc_search_page(body)
    assert page.next_start is None
    assert [readers.read_issue_ref(i).key for i in page.issues[:4]] == [
        "CYP-333", "CYP-338", "CYP-332", "CYP-268"]
    # The recorded page has a hit without a key: named as such, never silently dropped.
    with pytest.raises(InvalidResponse, match="'key'"):
        readers.read_issue_ref(page.issues[4])


def _server_spec_search(body: Any) -> None:
    page = readers.read_dc_search_page(body)
    assert readers.read_issue_ref(page.issues[0]).key == "HSP-1"


def _dc_issue(body: Any) -> None:
    issue = readers.read_issue(body)
    assert (issue.key, issue.issue_type, issue.status) == ("PZ-1", "Task", "To Do")


def _graphql_tests(body: Any) -> None:
    data = readers.read_graphql(body)
    assert data["getTests"]["results"][0]["jira"]["key"] == "CYP-331"


def _not_an_issue(body: Any) -> None:
    # serverInfo / myself / index files are not issues: the reader says so, it does not crash.
    with pytest.raises(InvalidResponse):
        readers.read_issue(body)


COVERED = {
    "cloud_create-issue-201_trimmed__jira-cli.json": _created_trimmed,
    "atlassian-spec-examples/cloud_POST_issue_201.json": _created_spec,
    "atlassian-spec-examples/cloud_POST_issue_400.json": _error_400,
    "cloud_search-jql_page1_nextPageToken__cypress-xray-plugin.json": _cloud_page1,
    "cloud_search-jql_last_isLast__cypress-xray-plugin.json": _cloud_last,
    "atlassian-spec-examples/cloud_GET_search-jql_200.json": _cloud_spec_search,
    "dc-8.20.7_search-v2__jira-server-mcp.json": _dc_search,
    "dc_search-v2_customfields__cypress-xray-plugin.json": _dc_search_custom,
    "atlassian-spec-examples/server-8.4.3_GET_search_example.json": _server_spec_search,
    "dc-8.20.7_issue-expand-changelog__jira-server-mcp.json": _dc_issue,
    "xray-cloud-graphql_getTests_response__cypress-xray-plugin.json": _graphql_tests,
    "cloud_serverInfo__jira-cli.json": _not_an_issue,
    "dc-8.20.7_serverInfo__jira-server-mcp.json": _not_an_issue,
    "dc-8.20.7_myself__jira-server-mcp.json": _not_an_issue,
    "dc-8.20.7_INDEX-request-paths__jira-server-mcp.json": _not_an_issue,
    "atlassian-spec-examples/cloud_GET_serverInfo_200.json": _not_an_issue,
    "atlassian-spec-examples/server-8.4.3_GET_serverInfo_example.json": _not_an_issue,
}


@pytest.mark.parametrize("name", sorted(COVERED))
def test_fixture_reads(name: str) -> None:
    """The fixture parses through its reader into the values it holds."""
    COVERED[name](load(name))


def test_graphql_errors_are_rejected() -> None:
    """A GraphQL answer with errors raises Rejected carrying their messages."""
    with pytest.raises(Rejected, match="bad arg"):
        readers.read_graphql({"errors": [{"message": "bad arg"}], "data": None})


@pytest.mark.parametrize("stamp", ["2026-11-20T10:05:00.000+0000", "2026-11-20T11:05:00+01:00",
                                   "2026-11-20T10:05:00Z", "2026-11-20T10:05:00.000-00:00"])
def test_jira_timestamps_parse_to_utc(stamp: str) -> None:
    """Jira's timestamp spellings all parse to the same UTC instant."""
    assert readers.parse_jira_time(stamp) == datetime(2026, 11, 20, 10, 5, tzinfo=UTC)


def test_path_is_shared() -> None:
    """The fixtures are read from the shared folder next to the repository."""
    assert isinstance(REST, Path) and REST.is_dir()
