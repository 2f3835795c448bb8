"""Comments through the real `jira` library: Cloud REST v2 and v3, Data Center REST v2."""

from __future__ import annotations

import jira
import pytest
from jira.exceptions import JIRAError

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import plain, text

Api = tuple[RunningSandbox, jira.JIRA]


def new_key(connection: jira.JIRA) -> str:
    """A fresh Task in QA."""
    made = connection.create_issue(fields={"project": {"key": "QA"}, "summary": "Talked about",
                                           "issuetype": {"name": "Task"}})
    return str(made.key)


def add(connection: jira.JIRA, key: str, words: str, **extra: object) -> jira.resources.Comment:
    """Adds a comment in the connection's body format."""
    return connection.add_comment(key, text(connection, words), **extra)


def test_comment_self_url_reads_the_comment(api: Api) -> None:
    """comment(issue, id) reads the comment at the URL the sandbox gave as its self."""
    _, connection = api
    key = new_key(connection)
    made = add(connection, key, "Hello")
    read = connection.comment(key, made.id)
    assert (read.id, plain(connection, read.body)) == (made.id, "Hello")


def test_update_and_delete(api: Api) -> None:
    """Comment.update changes the body; Comment.delete removes the comment."""
    _, connection = api
    key = new_key(connection)
    made = add(connection, key, "updating soon")
    made.update(body=text(connection, "updated"), notify=False)
    assert plain(connection, connection.comment(key, made.id).body) == "updated"
    made.delete()
    assert connection.comments(key) == []


def test_paging_and_order(api: Api) -> None:
    """startAt, maxResults and orderBy=-created page and order the comments."""
    _, connection = api
    key = new_key(connection)
    for number in range(1, 7):
        add(connection, key, f"Comment #{number}")
    later = connection.comments(key, start_at=4)
    first = connection.comments(key, max_results=2)
    newest = connection.comments(key, order_by="-created")
    assert [plain(connection, c.body) for c in later] == ["Comment #5", "Comment #6"]
    assert [plain(connection, c.body) for c in first] == ["Comment #1", "Comment #2"]
    assert plain(connection, newest[0].body) == "Comment #6"


def test_rendered_body_only_when_expanded(api: Api) -> None:
    """expand=renderedBody adds the HTML body; without it there is none."""
    _, connection = api
    key = new_key(connection)
    made = add(connection, key, "a <b> note")
    expanded = connection.comment(key, made.id, expand="renderedBody")
    listed = connection.comments(key, expand="renderedBody")
    assert expanded.renderedBody == listed[0].renderedBody == "<p>a &lt;b&gt; note</p>"
    assert not hasattr(connection.comment(key, made.id), "renderedBody")


@pytest.mark.parametrize("kind, value", [("role", "Administrators"),
                                         ("group", "jira-administrators")])
def test_visibility_is_kept(api: Api, kind: str, value: str) -> None:
    """A comment restricted to a role or group keeps its visibility."""
    _, connection = api
    key = new_key(connection)
    made = add(connection, key, "admins only", visibility={"type": kind, "value": value})
    read = connection.comment(key, made.id)
    assert (read.visibility.type, read.visibility.value) == (kind, value)


def test_visibility_outside_ones_roles_is_refused(api: Api) -> None:
    """A role the user is not in answers Jira's commentLevel 400 and adds nothing."""
    running, connection = api
    key = new_key(connection)
    with pytest.raises(JIRAError) as refused:
        add(connection, key, "x", visibility={"type": "role", "value": "Auditors"})
    assert refused.value.status_code == 400
    assert "not a member of the project role: Auditors" in str(refused.value.text)
    assert running.state.issue(key).comments == []


def test_unknown_comment_is_404(api: Api) -> None:
    """A comment id the issue does not have answers 404."""
    _, connection = api
    key = new_key(connection)
    with pytest.raises(JIRAError) as missing:
        connection.comment(key, "424242")
    assert missing.value.status_code == 404
