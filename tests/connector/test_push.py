"""Pushing a session: the request budget (docs/design.md section 7) and no duplicate after a
lost response."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import responses

from connector import (
    Backend,
    DefectSpec,
    Evidence,
    FakeBackend,
    IssueDraft,
    IssueRef,
    RunStatus,
    SessionPush,
    SessionPusher,
)
from connector import TestSpec as CharterSpec
from connector.cloud import CloudBackend
from connector.datacenter import DataCenterBackend
from connector.errors import AmbiguousWrite
from tests.connector.conftest import JIRA, XRAY
from tests.connector.stub_servers import StubAtlassian, form_parts

PUSH = SessionPush(
    session_id="s1", project="QA", summary="Checkout", status=RunStatus.EXECUTING,
    test=CharterSpec("s1", "QA", "Checkout", "Explore checkout"), comment="n",
    started=datetime(2026, 11, 20, 10, tzinfo=UTC), environments=("Chrome",),
    new_evidence=(Evidence("s.xea", "application/zip", b"z"),),
    new_defects=(DefectSpec("Bug A"), DefectSpec("Bug B")), console_url="http://c/s/s1")


def _by_service(requests_sent: list[requests.PreparedRequest]) -> tuple[list[str], list[str]]:
    """The paths of the Xray requests (Xray Cloud's host but authenticate, or Xray Server's
    `/rest/raven/`) and of the Jira ones."""
    xray: list[str] = []
    jira: list[str] = []
    for request in requests_sent:
        path = (request.path_url or "").split("?")[0]
        if path.endswith("/authenticate"):
            continue  # once per token, not per session
        on_xray = (request.url or "").startswith(XRAY) or "/rest/raven/" in path
        (xray if on_xray else jira).append(path)
    return xray, jira


@pytest.mark.parametrize("deployment", ["cloud", "dc"])
def test_first_push_costs_one_xray_request(
    deployment: str, cloud: CloudBackend, dc: DataCenterBackend, mocked: responses.RequestsMock
) -> None:
    """A first push with its own Test, two defects, evidence and an environment is one Xray
    request (the multipart import); Jira's: the Bugs' bulk create, the remote link, and on
    Cloud the search for the Test the import made (on DC the field list, once)."""
    stub = StubAtlassian()
    stub.install(mocked, cloud=deployment == "cloud")
    backend: Backend = cloud if deployment == "cloud" else dc
    pushed = SessionPusher(backend).push(PUSH)
    xray, jira = _by_service(stub.requests)
    assert xray == [("/api/v2" if deployment == "cloud" else "/rest/raven/2.0")
                    + "/import/execution/multipart"]
    assert len(jira) == 3
    assert len(pushed.new_defects) == 2


@pytest.mark.parametrize("deployment", ["cloud", "dc"])
def test_update_costs_one_xray_request(
    deployment: str, cloud: CloudBackend, dc: DataCenterBackend, mocked: responses.RequestsMock
) -> None:
    """An update with a new defect and a new status is one Xray request (the import) and
    one Jira request (the Bug's bulk create)."""
    stub = StubAtlassian()
    stub.install(mocked, cloud=deployment == "cloud")
    backend: Backend = cloud if deployment == "cloud" else dc
    pusher = SessionPusher(backend)
    pushed = pusher.push(PUSH)
    before = len(stub.requests)
    update = SessionPush(session_id="s1", project="QA", summary="Checkout 2",
                         status=RunStatus.FAILED, new_defects=(DefectSpec("Bug C"),),
                         known_defects=tuple(d.key for d in pushed.new_defects))
    pusher.push(update, pushed)
    xray, jira = _by_service(stub.requests[before:])
    assert len(xray) == 1
    assert len(jira) == 1


def test_first_push_with_charter_test_makes_no_test(mocked: responses.RequestsMock,
                                                      cloud: CloudBackend) -> None:
    """A session run from a charter imports its run against the charter's Test by key."""
    stub = StubAtlassian()
    stub.install(mocked, cloud=True)
    charter = IssueRef("7", "QA-7")
    pushed = SessionPusher(cloud).push(SessionPush("s2", "QA", "S", RunStatus.TODO,
                                                    charter_test=charter))
    assert pushed.test == charter
    imported = next(r for r in stub.requests if "import/execution" in (r.url or ""))
    assert form_parts(imported)["results"]["tests"][0] == {"testKey": "QA-7", "status": "TODO"}


def test_first_push_makes_the_test_from_test_info(mocked: responses.RequestsMock,
                                                  cloud: CloudBackend) -> None:
    """A session without a charter has its Test made by the import's `testInfo`: Generic,
    marked, its definition the mission and a line naming the session (so that Xray, which
    matches a Generic Test by its definition, never gives it another session's Test)."""
    stub = StubAtlassian()
    stub.install(mocked, cloud=True)
    SessionPusher(cloud).push(PUSH)
    imported = next(r for r in stub.requests if "import/execution" in (r.url or ""))
    assert form_parts(imported)["results"]["tests"][0]["testInfo"] == {
        "projectKey": "QA", "summary": "Checkout", "type": "Generic",
        "definition": "Explore checkout\n\n(xray-sync session s1)",
        "labels": ["xray-sync", "xs-s1"]}


def test_first_push_info_part_carries_marker_and_environments(
    mocked: responses.RequestsMock, cloud: CloudBackend
) -> None:
    """The `info` part makes the Test Execution with our labels; Cloud's environments go
    in `xrayFields`."""
    stub = StubAtlassian()
    stub.install(mocked, cloud=True)
    SessionPusher(cloud).push(PUSH)
    imported = next(r for r in stub.requests if "import/execution" in (r.url or ""))
    assert form_parts(imported)["info"] == {
        "fields": {"project": {"key": "QA"}, "issuetype": {"name": "Test Execution"},
                   "summary": "Checkout", "labels": ["xray-sync", "xs-s1"]},
        "xrayFields": {"environments": ["Chrome"]}}


def test_lost_response_on_bulk_create_adopts_what_was_made(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """A bulk create of Bugs whose answer is lost is not resent: the marker search finds
    them, and the import goes on with their keys."""
    mocked.post(f"{JIRA}/rest/api/3/issue/bulk", body=requests.ConnectionError("reset"))

    def hit(key: str, kind: str, summary: str) -> dict:  # type: ignore[type-arg]
        return {"id": key[3:], "key": key, "fields": {
            "summary": summary, "status": {"name": "To Do"}, "issuetype": {"name": kind},
            "updated": "2026-11-20T10:00:00.000+0000", "labels": ["xray-sync", "xs-s3"]}}
    mocked.get(f"{JIRA}/rest/api/3/search/jql", json={"isLast": True, "issues": [
        hit("QA-21", "Bug", "Bug A")]})
    mocked.post("https://xray.test/api/v2/authenticate", json="t")
    mocked.post("https://xray.test/api/v2/import/execution/multipart",
                json={"id": "20", "key": "QA-20"})
    push = SessionPush("s3", "QA", "S", RunStatus.TODO, charter_test=IssueRef("7", "QA-7"),
                       new_defects=(DefectSpec("Bug A"),))
    pushed = SessionPusher(cloud).push(push)
    assert pushed.execution.key == "QA-20"
    assert [d.key for d in pushed.new_defects] == ["QA-21"]
    assert len([c for c in mocked.calls if str(c.request.url).endswith("/issue/bulk")]) == 1


def test_lost_response_with_fake_leaves_no_duplicate() -> None:
    """With the fake: a lost create is adopted by marker; one Test, one Execution exist."""
    fake = FakeBackend()
    fake.lose_next_create()
    pushed = SessionPusher(fake).push(PUSH)
    kinds = sorted(i.issue_type for i in fake.issues.values())
    assert kinds == ["Bug", "Bug", "Test", "Test Execution"]
    assert pushed.test.key in fake.issues


def test_marker_not_yet_visible_goes_to_caller_then_check_first_recovers() -> None:
    """If the marker search cannot see the lost create, AmbiguousWrite reaches the caller;
    pushing again with check_marker_first adopts instead of duplicating."""
    fake = FakeBackend()
    pusher = SessionPusher(fake)
    fake.lose_next_create()
    original = fake.find_by_marker
    fake.find_by_marker = lambda session_id: type(original(session_id))()  # type: ignore[method-assign]
    with pytest.raises(AmbiguousWrite):
        pusher.push(PUSH)
    fake.find_by_marker = original  # type: ignore[method-assign]
    pusher.push(PUSH, check_marker_first=True)
    tests = [i for i in fake.issues.values() if i.issue_type == "Test"]
    assert len(tests) == 1


def test_a_charter_test_whose_create_was_lost_is_made_once() -> None:
    """A lost create of a charter's Test is adopted by its marker; pushed again with
    check_marker_first, the found Test is brought up to date instead of a second one made."""
    fake = FakeBackend()
    pusher = SessionPusher(fake)
    fake.lose_next_create()
    first = pusher.push_test(CharterSpec("c1", "QA", "Charter", "Explore"))
    again = pusher.push_test(CharterSpec("c1", "QA", "Charter 2", "Explore more"),
                             check_marker_first=True)
    tests = [i for i in fake.issues.values() if i.issue_type == "Test"]
    assert first == again and len(tests) == 1
    assert (tests[0].summary, tests[0].mission) == ("Charter 2", "Explore more")


def test_fake_counts_calls_like_requests() -> None:
    """The fake's call counts follow the same budget as the real backends."""
    fake = FakeBackend()
    SessionPusher(fake).push(PUSH)
    assert sum(fake.calls.values()) == 4


def test_update_with_lost_defect_create_adopts_it() -> None:
    """An update whose Bug create lost its answer adopts the Bug by marker and summary."""
    fake = FakeBackend()
    pusher = SessionPusher(fake)
    pushed = pusher.push(PUSH)
    update = SessionPush("s1", "QA", "Checkout", RunStatus.FAILED,
                         new_defects=(DefectSpec("Bug C"),),
                         known_defects=tuple(d.key for d in pushed.new_defects))
    fake.lose_next_create()
    again = pusher.push(update, pushed)
    bugs = [i for i in fake.issues.values() if i.issue_type == "Bug"]
    assert len(bugs) == 3
    assert fake.issues[again.new_defects[0].key].summary == "Bug C"


def test_update_with_marker_check_creates_only_missing_defects() -> None:
    """check_marker_first on an update reuses Bugs already made and creates the others."""
    fake = FakeBackend()
    pusher = SessionPusher(fake)
    pushed = pusher.push(PUSH)
    known = tuple(d.key for d in pushed.new_defects)
    (made,) = fake.create_issues([IssueDraft("s1", "QA", "defect", "Bug C")])
    update = SessionPush("s1", "QA", "Checkout", RunStatus.FAILED,
                         new_defects=(DefectSpec("Bug C"), DefectSpec("Bug D")),
                         known_defects=known)
    again = pusher.push(update, pushed, check_marker_first=True)
    assert again.new_defects[0] == made
    summaries = sorted(i.summary for i in fake.issues.values() if i.issue_type == "Bug")
    assert summaries == ["Bug A", "Bug B", "Bug C", "Bug D"]


def test_naive_since_is_refused() -> None:
    """search_changed needs an aware datetime, naming the rule."""
    from connector.errors import InvalidInput
    from connector.payloads import jql_changed

    with pytest.raises(InvalidInput, match="aware_datetime_required"):
        jql_changed("QA", datetime(2026, 11, 20, 10))


def test_push_that_failed_before_the_link_is_completed_by_marker_check() -> None:
    """A first push failing at the remote link is completed by a marker-checked push:
    no second Execution, and the link is there."""
    from connector.errors import Unavailable

    fake = FakeBackend()
    pusher = SessionPusher(fake)
    fake.fail_next(Unavailable("down", status=503), call="add_remote_link")
    with pytest.raises(Unavailable):
        pusher.push(PUSH)
    pushed = pusher.push(PUSH, check_marker_first=True)
    executions = [i for i in fake.issues.values() if i.issue_type == "Test Execution"]
    assert [e.key for e in executions] == [pushed.execution.key]
    assert list(executions[0].remote_links) == ["xray-sync:s1"]
    assert len([i for i in fake.issues.values() if i.issue_type == "Bug"]) == 2


def test_session_without_any_test_is_refused() -> None:
    """A push with neither a charter Test nor a Test to make names the rule."""
    from connector.errors import InvalidInput

    with pytest.raises(InvalidInput, match="test_or_charter_test"):
        SessionPusher(FakeBackend()).push(SessionPush("s5", "QA", "S", RunStatus.TODO))
