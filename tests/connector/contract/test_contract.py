"""The same behaviours, against every backend: fake, sandbox Cloud, sandbox Data Center."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector import (
    DefectSpec,
    Evidence,
    IssueRef,
    RunStatus,
    SessionPush,
    SessionPusher,
)
from connector import TestSpec as CharterSpec
from connector.errors import AmbiguousWrite, NotFound
from tests.connector.contract.conftest import Subject
from tests.connector.contract.helpers import STARTED, first_push, push_spec


def _same_issue(listed: str, ref: IssueRef) -> bool:
    return listed in (ref.id, ref.key)


def test_first_push_is_found_by_marker(subject: Subject, session_id: str) -> None:
    """After a first push, the session's marker finds its Test, Execution and Bug."""
    pushed = first_push(subject, session_id)
    hits = subject.backend.find_by_marker(session_id)
    assert [t.key for t in hits.tests] == [pushed.test.key]
    assert [e.key for e in hits.executions] == [pushed.execution.key]
    assert [(d.key, d.summary) for d in hits.defects] == [(pushed.new_defects[0].key, "Bug A")]


def test_run_holds_status_comment_evidence_and_defect(subject: Subject, session_id: str) -> None:
    """The Test Run reflects the pushed status, comment, start, evidence and defect."""
    pushed = first_push(subject, session_id)
    run = subject.backend.get_test_run(pushed.execution, pushed.test)
    assert run is not None
    assert (run.status, run.comment, run.started) == ("FAILED", "first notes", STARTED)
    assert [name.split(".")[0] for name in run.evidence] == ["one"]
    assert len(run.defects) == 1 and _same_issue(run.defects[0], pushed.new_defects[0])


def test_update_changes_status_and_adds(subject: Subject, session_id: str) -> None:
    """An update replaces the status, keeps an omitted comment, adds evidence and defects."""
    pusher = SessionPusher(subject.backend)
    pushed = pusher.push(push_spec(session_id))
    update = SessionPush(
        session_id=session_id, project="QA", summary="Renamed session", status=RunStatus.PASSED,
        new_evidence=(Evidence("two.png", "image/png", b"PNG2"),),
        new_defects=(DefectSpec("Bug B"),),
        known_defects=tuple(d.key for d in pushed.new_defects))
    again = pusher.push(update, pushed)
    run = subject.backend.get_test_run(pushed.execution, pushed.test)
    assert run is not None
    assert (run.status, run.comment) == ("PASSED", "first notes")
    assert sorted(name.split(".")[0] for name in run.evidence) == ["one", "two"]
    assert len(run.defects) == 2
    assert subject.backend.get_issue(pushed.execution.key).summary == "Renamed session"
    assert again.execution == pushed.execution


def test_search_changed_sees_our_issues_with_session(subject: Subject, session_id: str) -> None:
    """search_changed since before the push lists our issues with their session id."""
    since = datetime.now(UTC) - timedelta(minutes=2)
    pushed = first_push(subject, session_id)
    found = {i.key: i for i in subject.backend.search_changed("QA", since)}
    assert found[pushed.execution.key].session_id == session_id
    assert found[pushed.execution.key].issue_type == "Test Execution"


def test_search_changed_in_the_future_is_empty(subject: Subject, session_id: str) -> None:
    """Nothing has changed since a minute that has not come yet."""
    first_push(subject, session_id)
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert subject.backend.search_changed("QA", later) == ()


def test_list_linked_lists_every_marked_issue(subject: Subject, session_id: str) -> None:
    """The cheap listing holds each created issue with its session id."""
    pushed = first_push(subject, session_id)
    listed = {row.key: row.session_id for row in subject.backend.list_linked("QA")}
    for ref in (pushed.test, pushed.execution, *pushed.new_defects):
        assert listed[ref.key] == session_id


def test_rename_and_redefine_test(subject: Subject, session_id: str) -> None:
    """update_test renames the Test (its definition change is accepted)."""
    pushed = first_push(subject, session_id)
    subject.backend.update_test(pushed.test, summary="New charter", mission="New mission")
    assert subject.backend.get_issue(pushed.test.key).summary == "New charter"


def test_unknown_issue_is_not_found(subject: Subject) -> None:
    """Reading an issue that does not exist raises NotFound."""
    with pytest.raises(NotFound):
        subject.backend.get_issue("QA-99999")


def test_unknown_marker_finds_nothing(subject: Subject) -> None:
    """A session never pushed has no issues."""
    hits = subject.backend.find_by_marker("never-pushed")
    assert (hits.tests, hits.executions, hits.defects) == ((), (), ())


def test_lost_response_on_create_makes_no_duplicate(subject: Subject, session_id: str) -> None:
    """When the answer to the bulk create is lost, the push adopts what was made."""
    pusher = SessionPusher(subject.backend)
    test = subject.backend.create_test(CharterSpec(session_id, "QA", "Charter", "M"))
    subject.lose_next_create()
    pushed = pusher.push(push_spec(session_id, test=None, charter_test=test))
    hits = subject.backend.find_by_marker(session_id)
    assert [e.key for e in hits.executions] == [pushed.execution.key]
    assert len(hits.defects) == 1


def test_lost_answer_to_the_first_import_is_resolved_by_marker(
    subject: Subject, session_id: str
) -> None:
    """A first push's one Xray request applied without an answer is not sent again: the
    markers find the Test Execution and the Test it made, with the run's evidence once."""
    subject.lose_next_import()
    pushed = SessionPusher(subject.backend).push(push_spec(session_id))
    hits = subject.backend.find_by_marker(session_id)
    assert [e.key for e in hits.executions] == [pushed.execution.key]
    assert [t.key for t in hits.tests] == [pushed.test.key]
    run = subject.backend.get_test_run(pushed.execution, pushed.test)
    assert run is not None and [name.split(".")[0] for name in run.evidence] == ["one"]


def test_dropped_create_then_marker_check_makes_exactly_one(
    subject: Subject, session_id: str
) -> None:
    """A create whose connection dropped unapplied reaches the caller as AmbiguousWrite;
    pushing again with check_marker_first then creates exactly one Execution."""
    pusher = SessionPusher(subject.backend)
    test = subject.backend.create_test(CharterSpec(session_id, "QA", "Charter", "M"))
    push = push_spec(session_id, test=None, charter_test=test)
    subject.drop_next_create()
    with pytest.raises(AmbiguousWrite):
        pusher.push(push)
    pushed = pusher.push(push, check_marker_first=True)
    hits = subject.backend.find_by_marker(session_id)
    assert [e.key for e in hits.executions] == [pushed.execution.key]


def test_rate_limited_read_waits_and_succeeds(subject: Subject, session_id: str) -> None:
    """A 429 with Retry-After is waited out and the read then succeeds, never early."""
    pushed = first_push(subject, session_id)
    subject.refuse_next_read(1)
    assert subject.backend.get_issue(pushed.execution.key).key == pushed.execution.key
    if subject.sandbox is not None:
        log = subject.sandbox.state.log
        assert log.statuses[429] >= 1
        assert log.early_requests == 0


def test_attach_session_file(subject: Subject, session_id: str) -> None:
    """A session file attached to the Execution is accepted and gets an id."""
    import io

    pushed = first_push(subject, session_id)
    data = b"PK\x03\x04" + b"x" * 200_000
    first = subject.backend.attach_file(pushed.execution.key, "session.xea", "application/zip",
                                        lambda: io.BytesIO(data))
    second = subject.backend.attach_file(pushed.execution.key, "session.xea", "application/zip",
                                         lambda: io.BytesIO(data))
    assert first and second and first != second
