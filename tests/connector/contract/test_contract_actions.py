"""Transitions, comments, the ping and typed searches, on every backend (fake, sandbox
Cloud, sandbox Data Center)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connector.errors import Rejected
from connector.fake import FakeBackend
from tests.connector.contract.conftest import Subject
from tests.connector.contract.helpers import first_push


def _text(node: Any) -> str:
    if isinstance(node, dict):
        return node.get("text", "") + "".join(_text(c) for c in node.get("content", []))
    return ""


def _comments(subject: Subject, key: str) -> list[str]:
    if isinstance(subject.backend, FakeBackend):
        return list(subject.backend.issues[key].comments)
    return [_text(c.body) for c in subject.sandbox.state.issue(key).comments]


def test_transition_moves_the_issue_to_the_status(subject: Subject, session_id: str) -> None:
    """transition_issue to a status name leaves the issue in that status."""
    pushed = first_push(subject, session_id)
    subject.backend.transition_issue(pushed.execution.key, "Cancelled")
    assert subject.backend.get_issue(pushed.execution.key).status == "Cancelled"


def test_transition_again_is_harmless(subject: Subject, session_id: str) -> None:
    """A second transition to the status the issue is in changes nothing and raises nothing."""
    pushed = first_push(subject, session_id)
    subject.backend.transition_issue(pushed.execution.key, "Cancelled")
    subject.backend.transition_issue(pushed.execution.key, "Cancelled")
    assert subject.backend.get_issue(pushed.execution.key).status == "Cancelled"


def test_transition_to_an_unknown_status_is_rejected(subject: Subject, session_id: str) -> None:
    """A status the workflow does not offer is Rejected and the issue stays where it was."""
    pushed = first_push(subject, session_id)
    with pytest.raises(Rejected):
        subject.backend.transition_issue(pushed.execution.key, "No such status")
    assert subject.backend.get_issue(pushed.execution.key).status == "To Do"


def test_comment_is_added_with_its_text(subject: Subject, session_id: str) -> None:
    """add_comment leaves exactly one comment with the text on the issue."""
    pushed = first_push(subject, session_id)
    subject.backend.add_comment(pushed.execution.key, "The session was deleted in xray-sync.")
    assert _comments(subject, pushed.execution.key) == ["The session was deleted in xray-sync."]


def test_ping_answers(subject: Subject) -> None:
    """A reachable Jira that accepts the credentials answers the ping."""
    subject.backend.ping(timeout=5.0)


def test_search_restricted_to_executions_lists_only_them(
    subject: Subject, session_id: str
) -> None:
    """search_changed with ("Test Execution",) leaves the session's Test and Bug out."""
    since = datetime.now(UTC) - timedelta(minutes=2)
    pushed = first_push(subject, session_id)
    found = {i.key: i.issue_type
             for i in subject.backend.search_changed("QA", since, ("Test Execution",))}
    assert found[pushed.execution.key] == "Test Execution"
    assert pushed.test.key not in found
    assert set(found.values()) == {"Test Execution"}


def test_listing_restricted_to_types_lists_only_them(subject: Subject, session_id: str) -> None:
    """list_linked with types lists the Execution and Test, never the Bug."""
    pushed = first_push(subject, session_id)
    listed = {row.key for row in subject.backend.list_linked("QA", ("Test Execution", "Test"))}
    assert {pushed.execution.key, pushed.test.key} <= listed
    assert pushed.new_defects[0].key not in listed
