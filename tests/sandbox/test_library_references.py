"""What an issue's links name, read through the real `jira` library (both deployments)."""

from __future__ import annotations

from typing import Any

import jira
import pytest
from jira.exceptions import JIRAError

from sandbox.server import RunningSandbox

Api = tuple[RunningSandbox, jira.JIRA]


def new_key(connection: jira.JIRA, summary: str = "Linked") -> str:
    """A fresh Bug."""
    made = connection.create_issue(fields={"project": {"key": "QA"}, "summary": summary,
                                           "issuetype": {"name": "Bug"}})
    return str(made.key)


def test_status_and_category_by_id(api: Api) -> None:
    """status(id) and statuscategory(id) read what an issue's status names."""
    _, connection = api
    status = connection.issue(new_key(connection)).fields.status
    assert connection.status(status.id).name == status.name == "To Do"
    assert connection.statuscategory(status.statusCategory.id).key == "new"
    assert "Done" in [s.name for s in connection.statuses()]


def test_resolution_of_a_cancelled_issue(api: Api) -> None:
    """A cancelled issue is resolved Won't Do, and resolution(id) reads it."""
    _, connection = api
    key = new_key(connection)
    connection.transition_issue(key, "41")
    resolution = connection.issue(key).fields.resolution
    assert resolution is not None
    assert connection.resolution(resolution.id).name == resolution.name == "Won't Do"
    assert [r.name for r in connection.resolutions()] == ["Done", "Won't Do"]


def test_issue_type_by_id(api: Api) -> None:
    """issue_type(id) reads the type an issue names."""
    _, connection = api
    kind = connection.issue(new_key(connection)).fields.issuetype
    assert connection.issue_type(kind.id).name == "Bug"


def test_issue_link_read_and_deleted(api: Api) -> None:
    """issue_link(id) reads both sides of a link; delete_issue_link removes it from both."""
    _, connection = api
    first, second = new_key(connection, "one"), new_key(connection, "two")
    connection.create_issue_link("Blocks", first, second)
    link_id = connection.issue(first).fields.issuelinks[0].id
    link = connection.issue_link(link_id)
    assert (link.inwardIssue.key, link.outwardIssue.key, link.type.name) == (
        first, second, "Blocks")
    connection.delete_issue_link(link_id)
    assert connection.issue(first).fields.issuelinks == []
    assert connection.issue(second).fields.issuelinks == []
    with pytest.raises(JIRAError) as gone:
        connection.issue_link(link_id)
    assert gone.value.status_code == 404


def test_watchers_added_and_removed(api: Api) -> None:
    """The reporter watches a new issue; add_watcher and remove_watcher change the list."""
    _, connection = api
    key = new_key(connection)
    assert connection.watchers(key).watchCount == 1
    connection.add_watcher(key, "tester")
    assert sorted(w.displayName for w in connection.watchers(key).watchers) == [
        "Sandbox Tester", "Sandbox User"]
    connection.remove_watcher(key, "tester")
    assert connection.issue(key).fields.watches.watchCount == 1


def test_votes_and_the_reporters_own(api: Api, tester: jira.JIRA) -> None:
    """Another user's vote counts and can be withdrawn; a reporter cannot vote."""
    _, connection = api
    key = new_key(connection)
    with pytest.raises(JIRAError) as refused:
        connection.add_vote(key)
    assert "cannot vote for an issue you have reported" in str(refused.value.text)
    tester.add_vote(key)
    assert connection.votes(key).votes == 1 and tester.issue(key).fields.votes.hasVoted
    tester.remove_vote(key)
    assert connection.votes(key).votes == 0


def test_tester_cannot_make_others_watch(api: Api, tester: jira.JIRA) -> None:
    """Only an administrator manages other users' watching: 403 for the tester."""
    _, connection = api
    key = new_key(connection)
    with pytest.raises(JIRAError) as refused:
        tester.remove_watcher(key, "sandbox")
    assert refused.value.status_code == 403


def test_users_who_can_see_an_issue_or_be_assigned_in_projects(api: Api) -> None:
    """search_allowed_users_for_issue and the multi-project assignable search find users."""
    _, connection = api
    key = new_key(connection)
    seen = connection.search_allowed_users_for_issue("tester", issueKey=key)
    assert [u.displayName for u in seen] == ["Sandbox Tester"]
    both = connection.search_assignable_users_for_projects("tester", "QA,DEMO")
    assert "Sandbox Tester" in [u.displayName for u in both]


def test_comments_by_id_and_approximate_count(api: Api) -> None:
    """POST comment/list answers the comments named; Cloud's approximate count counts hits."""
    running, connection = api
    key = new_key(connection)
    text_body = connection._options["rest_api_version"] == "2"
    body: Any = "hello" if text_body else {"type": "doc", "version": 1, "content": []}
    note = connection.add_comment(key, body)
    base = connection._get_url("")
    listed = connection._session.post(f"{base}comment/list", json={"ids": [int(note.id)]})
    assert [c["id"] for c in listed.json()["values"]] == [note.id]
    counted = connection._session.post(f"{base}search/approximate-count",
                                       json={"jql": "project = QA"}) \
        if running.runtime.deployment == "cloud" else None
    assert counted is None or counted.json() == {"count": 1}
