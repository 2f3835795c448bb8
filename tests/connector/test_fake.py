"""The fake's own fault controls, which the sync's tests rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector import FakeBackend, IssueDraft
from connector.errors import AmbiguousWrite, Unavailable


def test_fail_next_raises_once_and_changes_nothing() -> None:
    """An injected error is raised by the next call only, and nothing is created."""
    fake = FakeBackend()
    fake.fail_next(Unavailable("down", status=503))
    with pytest.raises(Unavailable):
        fake.create_issues([IssueDraft("s1", "QA", "defect", "Bug")])
    assert fake.issues == {}
    assert len(fake.create_issues([IssueDraft("s1", "QA", "defect", "Bug")])) == 1


def test_lost_create_is_applied() -> None:
    """A lost create raises AmbiguousWrite although the issue exists."""
    fake = FakeBackend()
    fake.lose_next_create()
    with pytest.raises(AmbiguousWrite):
        fake.create_issues([IssueDraft("s1", "QA", "execution", "S")])
    assert [i.issue_type for i in fake.issues.values()] == ["Test Execution"]


def test_remote_edit_shows_in_search_changed() -> None:
    """An edit made 'in Jira' bumps updated and appears in the next search."""
    now = [datetime(2026, 11, 20, 10, tzinfo=UTC)]
    fake = FakeBackend(clock=lambda: now[0])
    (ref,) = fake.create_issues([IssueDraft("s1", "QA", "execution", "S")])
    now[0] += timedelta(minutes=10)
    fake.edit_remotely(ref.key, status="Done")
    (changed,) = fake.search_changed("QA", now[0])
    assert (changed.key, changed.status) == (ref.key, "Done")


def test_a_deleted_issues_key_is_never_given_again() -> None:
    """Like Jira, a new issue never gets the key of an issue deleted before it."""
    fake = FakeBackend()
    first, second = fake.create_issues([IssueDraft("s1", "QA", "execution", "A"),
                                        IssueDraft("s1", "QA", "defect", "B")])
    fake.delete_issue(second.key)
    (third,) = fake.create_issues([IssueDraft("s2", "QA", "execution", "C")])
    assert third.key not in (first.key, second.key)
