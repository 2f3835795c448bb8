"""The second, non-admin account and the second project, through the real `jira` library."""

from __future__ import annotations

import jira
import pytest
from jira.exceptions import JIRAError

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import plain, text

Api = tuple[RunningSandbox, jira.JIRA]


def new_key(connection: jira.JIRA, project: str = "QA") -> str:
    """A fresh Bug."""
    made = connection.create_issue(fields={"project": {"key": project}, "summary": "Shared",
                                           "issuetype": {"name": "Bug"}})
    return str(made.key)


def test_tester_is_someone_else(api: Api, tester: jira.JIRA) -> None:
    """myself() answers the tester, and an issue they create has them as reporter."""
    _, admin = api
    assert tester.myself()["displayName"] == "Sandbox Tester"
    key = new_key(tester, "DEMO")
    assert admin.issue(key).fields.reporter.displayName == "Sandbox Tester"


def test_tester_cannot_delete_issues(api: Api, tester: jira.JIRA) -> None:
    """Deleting an issue needs the Administrators role: 403 for the tester, 204 for the admin."""
    running, admin = api
    key = new_key(admin)
    with pytest.raises(JIRAError) as refused:
        tester.issue(key).delete()
    assert refused.value.status_code == 403
    admin.issue(key).delete()
    assert key not in running.state.key_to_id


def test_restricted_comment_is_hidden_from_outsiders(api: Api, tester: jira.JIRA) -> None:
    """A comment restricted to Administrators is listed for the admin, not for the tester."""
    _, admin = api
    key = new_key(admin)
    secret = admin.add_comment(key, text(admin, "admins only"),
                               visibility={"type": "role", "value": "Administrators"})
    tester.add_comment(key, text(tester, "for all"))
    assert [plain(admin, c.body) for c in admin.comments(key)] == ["admins only", "for all"]
    assert [plain(tester, c.body) for c in tester.comments(key)] == ["for all"]
    with pytest.raises(JIRAError) as hidden:
        tester.comment(key, secret.id)
    assert hidden.value.status_code == 404


def test_only_the_author_or_an_admin_edits_a_comment(api: Api, tester: jira.JIRA) -> None:
    """The tester cannot edit the admin's comment (403); the admin can edit the tester's."""
    _, admin = api
    key = new_key(admin)
    mine = admin.add_comment(key, text(admin, "admin's"))
    theirs = tester.add_comment(key, text(tester, "tester's"))
    with pytest.raises(JIRAError) as refused:
        tester.comment(key, mine.id).update(body=text(tester, "hijacked"))
    assert refused.value.status_code == 403
    admin.comment(key, theirs.id).update(body=text(admin, "moderated"))
    assert [plain(admin, c.body) for c in admin.comments(key)] == ["admin's", "moderated"]


def test_moving_to_another_project_is_refused(api: Api) -> None:
    """An edit naming another project answers Jira's 400 and leaves the issue where it is."""
    running, admin = api
    key = new_key(admin)
    with pytest.raises(JIRAError) as refused:
        admin.issue(key).update(fields={"project": {"key": "DEMO"}})
    assert refused.value.status_code == 400
    assert "Field 'project' cannot be set" in str(refused.value.text)
    assert running.state.issue(key).project_key == "QA"


def test_tester_is_refused_with_a_wrong_token(api: Api) -> None:
    """The tester's e-mail with the admin's token (or a wrong PAT) answers 401."""
    running, _ = api
    with pytest.raises(JIRAError) as refused:
        if running.runtime.deployment == "cloud":
            jira.JIRA(server=running.url, max_retries=0,
                      basic_auth=("tester@example.com", "sandbox-token")).myself()
        else:
            jira.JIRA(server=running.url, max_retries=0, token_auth="wrong").myself()
    assert refused.value.status_code == 401
