"""Priority, issue type changes, projects and link types through the real `jira` library."""

from __future__ import annotations

from typing import Any

import jira
import pytest
from jira.exceptions import JIRAError

from sandbox.server import RunningSandbox

Api = tuple[RunningSandbox, jira.JIRA]


def fields(summary: str, project: str = "QA", kind: str = "Bug", **extra: Any) -> dict[str, Any]:
    """The fields of a create request."""
    return {"project": {"key": project}, "summary": summary, "issuetype": {"name": kind},
            **extra}


def test_create_with_priority(api: Api) -> None:
    """A priority named on create is the issue's priority."""
    _, connection = api
    made = connection.create_issue(fields=fields("Urgent", priority={"name": "High"}))
    assert connection.issue(made.key).fields.priority.name == "High"


def test_bulk_create_across_projects_with_priority(api: Api) -> None:
    """create_issues with priorities makes issues in both seeded projects."""
    _, connection = api
    made = connection.create_issues([fields("One", priority={"name": "High"}),
                                     fields("Two", "DEMO", "Task", priority={"id": "4"})])
    read = [entry["issue"] for entry in made]
    assert [(i.fields.project.key, i.fields.priority.name) for i in read] == [
        ("QA", "High"), ("DEMO", "Low")]
    assert read[1].key == "DEMO-1"


def test_update_changes_issue_type_and_priority(api: Api) -> None:
    """Issue.update with issuetype and priority changes both."""
    _, connection = api
    made = connection.create_issue(fields=fields("Retyped"))
    made.update(fields={"issuetype": {"name": "Task"}, "priority": {"name": "Lowest"}})
    read = connection.issue(made.key)
    assert (read.fields.issuetype.name, read.fields.priority.name) == ("Task", "Lowest")


def test_unknown_issue_type_has_jiras_words(api: Api) -> None:
    """In a bulk create, an unknown issue type fails alone with Jira's words for it."""
    running, connection = api
    made = connection.create_issues([fields("Bad", kind="InvalidIssueType"), fields("Good")])
    expected = ("Specify an issue type" if running.runtime.deployment == "cloud"
                else "issue type is required")
    assert made[0]["error"] == {"issuetype": expected}
    assert made[1]["issue"].fields.summary == "Good"


def test_issue_type_outside_the_project_is_invalid(api: Api) -> None:
    """A Test in the plain project answers 400 'The issue type selected is invalid.'."""
    running, connection = api
    with pytest.raises(JIRAError) as refused:
        connection.create_issue(fields=fields("Xray type", "DEMO", "Test"))
    assert refused.value.status_code == 400
    assert "The issue type selected is invalid." in str(refused.value.text)
    assert running.state.issues == {}


@pytest.mark.parametrize("ref, words", [
    ({"name": "Urgentest"}, "Specify the Priority (name) in the string format"),
    ({"id": "99"}, "The priority selected is invalid."),
    ({}, "Specify the Priority (id or name) in the string format")])
def test_bad_priority_is_refused(api: Api, ref: dict[str, str], words: str) -> None:
    """An unknown priority answers 400 with Jira's words and creates nothing."""
    running, connection = api
    with pytest.raises(JIRAError) as refused:
        connection.create_issue(fields=fields("P", priority=ref))
    assert words in str(refused.value.text)
    assert running.state.issues == {}


def test_priorities_are_listed_and_read(api: Api) -> None:
    """priorities() lists the default scheme; priority(id) reads one."""
    _, connection = api
    assert [p.name for p in connection.priorities()] == [
        "Highest", "High", "Medium", "Low", "Lowest"]
    assert connection.priority("2").name == "High"


def test_issue_link_type_by_id(api: Api) -> None:
    """issue_link_type(id) reads the type issue_link_types() lists at that id."""
    _, connection = api
    listed = connection.issue_link_types()
    assert [connection.issue_link_type(t.id).name for t in listed] == [t.name for t in listed]


def test_projects_with_project_keys(api: Api) -> None:
    """projects(expand=projectKeys) lists both seeded projects with their keys."""
    _, connection = api
    found = connection.projects(expand="projectKeys")
    assert [(p.key, p.projectKeys) for p in found] == [("QA", ["QA"]), ("DEMO", ["DEMO"])]
    assert [t.name for t in connection.project("DEMO").issueTypes] == ["Bug", "Task"]
