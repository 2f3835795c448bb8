"""Expansions, filters, create metadata, users and remote links through the real `jira` library."""

from __future__ import annotations

import warnings

import jira
import pytest
from jira.exceptions import JIRAError

from sandbox.server import RunningSandbox

Api = tuple[RunningSandbox, jira.JIRA]


def new_key(connection: jira.JIRA, project: str = "QA", kind: str = "Test") -> str:
    """A fresh issue."""
    made = connection.create_issue(fields={"project": {"key": project}, "summary": "Meta",
                                           "issuetype": {"name": kind}})
    return str(made.key)


def test_issue_expand_editmeta(api: Api) -> None:
    """issue(expand=editmeta,schema) carries the edit screen's fields, as editmeta() does."""
    _, connection = api
    key = new_key(connection)
    issue = connection.issue(key, expand="editmeta,schema")
    assert issue.raw["editmeta"] == connection.editmeta(key)
    fields = issue.raw["editmeta"]["fields"]
    assert fields["labels"]["operations"] == ["add", "set", "remove"]
    assert [v["name"] for v in fields["priority"]["allowedValues"]][:2] == ["Highest", "High"]
    assert "customfield_10200" in fields and hasattr(issue, "schema")


def test_transitions_filtered_and_with_fields(api: Api) -> None:
    """transitions(id=) answers only that transition; expand=transitions.fields adds fields."""
    _, connection = api
    key = new_key(connection)
    assert [t["name"] for t in connection.transitions(key, id="31")] == ["Done"]
    assert connection.transitions(key, id="51") == []
    expanded = connection.transitions(key, expand="transitions.fields")
    assert all(t["fields"] == {} for t in expanded) and len(expanded) == 3


def test_find_transition_by_name(api: Api) -> None:
    """find_transitionid_by_name finds the id of a transition available now."""
    _, connection = api
    key = new_key(connection)
    # the library's hints say int; Jira's ids are strings, and so is what it returns
    assert str(connection.find_transitionid_by_name(key, "In Progress")) == "21"


def test_createmeta_filters_projects_and_types(api: Api) -> None:
    """createmeta filters by project keys and type names; the fields come on expand."""
    _, connection = api
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # deprecated on DC 8.4+
        both = connection.createmeta(projectKeys=("QA", "DEMO"), issuetypeNames="Task")
        one = connection.createmeta(projectKeys="QA", issuetypeNames="Test",
                                    expand="projects.issuetypes.fields")
    assert [(p["key"], [t["name"] for t in p["issuetypes"]]) for p in both["projects"]] == [
        ("QA", ["Task"]), ("DEMO", ["Task"])]
    fields = one["projects"][0]["issuetypes"][0]["fields"]
    assert fields["summary"]["required"] and "customfield_10200" in fields


def test_createmeta_is_not_an_issue_key(api: Api) -> None:
    """issue/createmeta answers the metadata, never 'issue does not exist'."""
    running, connection = api
    answer = connection._session.get(f"{running.url}/rest/api/2/issue/createmeta")
    assert [p["key"] for p in answer.json()["projects"]] == ["QA", "DEMO"]


def test_project_issue_types_and_fields_on_dc(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """project_issue_types and project_issue_fields page createmeta/{project}/issuetypes (DC);
    the library refuses them on Cloud."""
    running, connection = client
    if running.runtime.deployment == "cloud":
        with pytest.raises(JIRAError):
            connection.project_issue_types("DEMO")
        return
    kinds = connection.project_issue_types("DEMO")
    assert [k.name for k in kinds] == ["Bug", "Task"]
    fields = connection.project_issue_fields("QA", "10100")
    assert {f.fieldId for f in fields} >= {"summary", "project", "customfield_10200"}


def test_assignable_users_and_assign(api: Api) -> None:
    """The assignable-user search finds the tester, and assign_issue assigns them."""
    running, connection = api
    key = new_key(connection)
    cloud = running.runtime.deployment == "cloud"
    found = connection.search_assignable_users_for_issues(
        query="tester" if cloud else None, username=None if cloud else "tester", issueKey=key)
    assert [u.displayName for u in found] == ["Sandbox Tester"]
    assert connection.assign_issue(key, "tester")
    assignee = connection.issue(key).fields.assignee
    assert assignee is not None
    assert assignee.displayName == "Sandbox Tester"
    assert connection.user(assignee.accountId if cloud else assignee.name).displayName == \
        "Sandbox Tester"


def test_delete_remote_link_by_global_id(api: Api) -> None:
    """delete_remote_link(global_id=) removes that link and keeps the others."""
    _, connection = api
    key = new_key(connection)
    connection.add_remote_link(key, {"url": "http://x/1", "title": "One"}, globalId="g:1")
    connection.add_remote_link(key, {"url": "http://x/2", "title": "Two"}, globalId="g:2")
    connection.delete_remote_link(key, global_id="g:1")
    assert [link.globalId for link in connection.remote_links(key)] == ["g:2"]


def test_session_names_the_user(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """session() (GET /rest/auth/1/session) names the logged-in user on Data Center; Cloud
    answers a Jira-shaped 404."""
    running, connection = client
    if running.runtime.deployment == "cloud":
        with pytest.raises(JIRAError) as missing:
            connection.session()
        assert missing.value.status_code == 404
        return
    assert connection.session().name == "sandbox"
