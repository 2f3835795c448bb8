"""The real `jira` library against the sandbox, Cloud (basic auth) and Data Center (token)."""

from __future__ import annotations

import io

import jira

from sandbox.server import RunningSandbox


def new_issue(connection: jira.JIRA, summary: str = "Made by jira") -> jira.Issue:
    """Creates a Test in QA."""
    return connection.create_issue(fields={"project": {"key": "QA"}, "summary": summary,
                                           "issuetype": {"name": "Test"}, "labels": ["lib"]})


def test_create_and_read(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """create_issue then issue() reads back the summary and labels."""
    _, connection = client
    made = new_issue(connection, "Readable")
    read = connection.issue(made.key)
    assert (read.fields.summary, read.fields.labels) == ("Readable", ["lib"])


def test_search_finds_the_issue(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """search_issues by label finds a created issue (the library picks the deployment's API)."""
    _, connection = client
    made = new_issue(connection, "Searchable")
    found = connection.search_issues(f'key = "{made.key}"')
    assert [issue.key for issue in found] == [made.key]


def test_attachment_is_stored(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """add_attachment stores the bytes under the issue."""
    running, connection = client
    made = new_issue(connection)
    connection.add_attachment(made.key, io.BytesIO(b"session bytes"), filename="s.xea")
    stored = running.state.issue(made.key).attachments
    assert [(a.filename, a.content) for a in stored] == [("s.xea", b"session bytes")]


def test_remote_link_is_added(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """add_simple_link adds a remote link that remote_links() lists."""
    _, connection = client
    made = new_issue(connection)
    connection.add_simple_link(made.key, {"url": "http://console/s/1", "title": "Session"})
    links = connection.remote_links(made.key)
    assert [link.object.url for link in links] == ["http://console/s/1"]


def test_transition_changes_status(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """transition_issue by name moves the issue to that status."""
    _, connection = client
    made = new_issue(connection)
    connection.transition_issue(made.key, "Done")
    assert connection.issue(made.key).fields.status.name == "Done"


def test_comment_round_trip(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """add_comment (a v2 string body) reads back as the same text."""
    _, connection = client
    made = new_issue(connection)
    connection.add_comment(made.key, "A note")
    assert [c.body for c in connection.comments(made.key)] == ["A note"]


def test_bulk_create_and_link(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """create_issues makes several issues and create_issue_link links two of them."""
    running, connection = client
    made = connection.create_issues([
        {"project": {"key": "QA"}, "summary": "Execution", "issuetype": {"name": "Test Execution"}},
        {"project": {"key": "QA"}, "summary": "Defect", "issuetype": {"name": "Bug"}}])
    keys = [entry["issue"].key for entry in made]
    connection.create_issue_link("Relates", keys[0], keys[1])
    assert [i.summary for i in (running.state.issue(k) for k in keys)] == ["Execution", "Defect"]
    assert running.state.issue(keys[0]).link_ids == running.state.issue(keys[1]).link_ids != []


def test_issue_property_through_the_library(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """add_issue_property stores a value that issue_property reads back."""
    _, connection = client
    made = new_issue(connection)
    connection.add_issue_property(made.key, "xray-sync", {"session": "s1"})
    assert connection.issue_property(made.key, "xray-sync").value.session == "s1"


def test_delete_through_the_library(client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """Issue.delete() removes the issue from the sandbox."""
    running, connection = client
    made = new_issue(connection)
    made.delete()
    assert made.key not in running.state.key_to_id
