"""Every Cloud call, against `responses`, through the real `jira` library's session."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import responses
from responses import matchers

from connector import (
    Evidence,
    IssueDraft,
    IssueRef,
    RemoteLinkSpec,
    RunRecord,
    RunStatus,
    TestSpec,
)
from connector.cloud import CloudBackend
from connector.errors import AuthenticationFailed
from tests.connector.conftest import JIRA, SECRETS, XRAY, add_auth, add_myself

GRAPHQL = f"{XRAY}/api/v2/graphql"


def _body(call: responses.Call) -> dict:  # type: ignore[type-arg]
    return json.loads(call.request.body or b"{}")


def test_create_test_authenticates_then_sends_create_test(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """create_test authenticates once and sends createTest with the marker labels."""
    add_auth(mocked)
    mocked.post(GRAPHQL, json={"data": {"createTest": {
        "test": {"issueId": "10001", "jira": {"key": "QA-1"}}, "warnings": []}}})
    ref = cloud.create_test(TestSpec("s1", "QA", "Charter", "Explore checkout"))
    assert ref == IssueRef("10001", "QA-1")
    sent = _body(mocked.calls[1])
    assert sent["variables"]["jira"]["fields"]["labels"] == ["xray-sync", "xs-s1"]
    assert sent["variables"]["unstructured"] == "Explore checkout"
    assert mocked.calls[1].request.headers["Authorization"] == f"Bearer {SECRETS[2]}"


def test_token_is_renewed_once_on_401(cloud: CloudBackend, mocked: responses.RequestsMock) -> None:
    """A 401 from Xray renews the token and sends the request once more."""
    add_auth(mocked, "old-token")
    mocked.post(GRAPHQL, status=401, json={"error": "token expired"})
    add_auth(mocked, "new-token")
    mocked.post(GRAPHQL, json={"data": {"getTestRun": None}})
    assert cloud.get_test_run(IssueRef("2", "QA-2"), IssueRef("1", "QA-1")) is None
    assert mocked.calls[3].request.headers["Authorization"] == "Bearer new-token"


def test_refused_credentials_raise_authentication_failed(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """Xray refusing the client id/secret is AuthenticationFailed, without the secret."""
    mocked.post(f"{XRAY}/api/v2/authenticate", status=401, json={"error": "bad credentials"})
    try:
        cloud.get_test_run(IssueRef("2", "QA-2"), IssueRef("1", "QA-1"))
    except AuthenticationFailed as exc:
        assert "bad credentials" in str(exc)
        assert SECRETS[1] not in str(exc)
    else:
        raise AssertionError("expected AuthenticationFailed")


def test_update_test_renames_in_jira_and_redefines_in_xray(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """update_test PUTs the summary (v3) and sends updateUnstructuredTestDefinition."""
    mocked.put(f"{JIRA}/rest/api/3/issue/QA-1", status=204,
               match=[matchers.json_params_matcher({"fields": {"summary": "New"}})])
    add_auth(mocked)
    mocked.post(GRAPHQL, json={"data": {"updateUnstructuredTestDefinition": {"issueId": "1"}}})
    cloud.update_test(IssueRef("1", "QA-1"), summary="New", mission="Mission 2")
    assert _body(mocked.calls[2])["variables"] == {"issueId": "1", "unstructured": "Mission 2"}


def test_create_issues_sends_one_bulk_request(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """create_issues posts one bulk create (ADF description, marker labels and property)."""
    mocked.post(f"{JIRA}/rest/api/3/issue/bulk", status=201, json={
        "issues": [{"id": "11", "key": "QA-11", "self": "x"}, {"id": "12", "key": "QA-12"}],
        "errors": []})
    refs = cloud.create_issues([
        IssueDraft("s1", "QA", "execution", "Session", "line one"),
        IssueDraft("s1", "QA", "defect", "Bug found"),
    ])
    assert refs == (IssueRef("11", "QA-11"), IssueRef("12", "QA-12"))
    updates = _body(mocked.calls[0])["issueUpdates"]
    assert updates[0]["fields"]["issuetype"] == {"name": "Test Execution"}
    assert updates[0]["fields"]["description"]["type"] == "doc"
    assert updates[1]["properties"] == [
        {"key": "xray-sync", "value": {"session": "s1", "role": "defect"}}]


def test_record_run_imports_xray_json(cloud: CloudBackend, mocked: responses.RequestsMock) -> None:
    """record_run sends one Xray JSON import with status, comment, evidence and defects."""
    add_auth(mocked)
    mocked.post(f"{XRAY}/api/v2/import/execution", json={"id": "11", "key": "QA-11", "self": "x"})
    started = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    cloud.record_run(RunRecord(
        execution_key="QA-11", test_key="QA-1", summary="Session", status=RunStatus.FAILED,
        comment="notes", started=started, environments=("Chrome",),
        evidence=(Evidence("a.png", "image/png", b"PNG"),), defects=("QA-12",)))
    sent = _body(mocked.calls[1])
    assert sent["testExecutionKey"] == "QA-11"
    test = sent["tests"][0]
    assert (test["status"], test["comment"], test["defects"]) == ("FAILED", "notes", ["QA-12"])
    assert base64.b64decode(test["evidence"][0]["data"]) == b"PNG"
    assert sent["info"]["testEnvironments"] == ["Chrome"]
    assert test["start"] == "2026-11-20T10:00:00+00:00"


def test_remote_link_uses_a_global_id(cloud: CloudBackend, mocked: responses.RequestsMock) -> None:
    """add_remote_link posts a remote link whose globalId names the session."""
    mocked.post(f"{JIRA}/rest/api/3/issue/QA-11/remotelink", status=201, json={"id": 1})
    cloud.add_remote_link("QA-11", RemoteLinkSpec("s1", "http://console/s/s1", "Session"))
    assert _body(mocked.calls[0])["globalId"] == "xray-sync:s1"


def _hit(key: str, sid: str, updated: str = "2026-11-20T10:05:00.000+0000",
         kind: str = "Test Execution") -> dict:  # type: ignore[type-arg]
    return {"id": key.split("-")[1], "key": key, "fields": {
        "summary": f"S {key}", "status": {"name": "To Do"}, "updated": updated,
        "labels": ["xray-sync", f"xs-{sid}"], "issuetype": {"name": kind}}}


def test_search_changed_follows_next_page_token(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """search_changed pages with nextPageToken on /search/jql until the last page."""
    add_myself(mocked)
    url = f"{JIRA}/rest/api/3/search/jql"
    mocked.get(url, json={"issues": [_hit("QA-1", "a")], "nextPageToken": "T2", "isLast": False},
               match=[matchers.query_param_matcher({
                   "jql": 'project = "QA" AND labels = "xray-sync" AND updated >= '
                          '"2026-11-20 10:04" ORDER BY updated ASC',
                   "fields": "summary,status,updated,labels,issuetype", "maxResults": "100"})])
    mocked.get(url, json={"issues": [_hit("QA-2", "b")], "isLast": True},
               match=[matchers.query_param_matcher({"nextPageToken": "T2"}, strict_match=False)])
    found = cloud.search_changed("QA", datetime(2026, 11, 20, 10, 4, 59, tzinfo=UTC))
    assert [(i.key, i.session_id, i.status) for i in found] == [
        ("QA-1", "a", "To Do"), ("QA-2", "b", "To Do")]


def test_list_linked_asks_only_for_updated_and_labels(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """list_linked asks for the fields updated,labels only."""
    mocked.get(f"{JIRA}/rest/api/3/search/jql", json={"issues": [_hit("QA-3", "c")]},
               match=[matchers.query_param_matcher({"fields": "updated,labels"},
                                                   strict_match=False)])
    (row,) = cloud.list_linked("QA")
    assert (row.key, row.session_id) == ("QA-3", "c")


def test_find_by_marker_sorts_hits_by_issue_type(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """find_by_marker searches the session label and splits Tests, Executions and Bugs."""
    mocked.get(f"{JIRA}/rest/api/3/search/jql", json={"issues": [
        _hit("QA-1", "s1", kind="Test"), _hit("QA-2", "s1"), _hit("QA-3", "s1", kind="Bug")]},
        match=[matchers.query_param_matcher({"jql": 'labels = "xs-s1" ORDER BY key ASC'},
                                            strict_match=False)])
    hits = cloud.find_by_marker("s1")
    assert ([t.key for t in hits.tests], [e.key for e in hits.executions],
            [d.key for d in hits.defects]) == (["QA-1"], ["QA-2"], ["QA-3"])


def test_get_issue_reads_one_issue(cloud: CloudBackend, mocked: responses.RequestsMock) -> None:
    """get_issue reads key, summary, status and updated of one issue."""
    mocked.get(f"{JIRA}/rest/api/3/issue/QA-2", json=_hit("QA-2", "s1"))
    issue = cloud.get_issue("QA-2")
    assert issue.updated == datetime(2026, 11, 20, 10, 5, tzinfo=UTC)


def test_get_test_run_reads_the_run(cloud: CloudBackend, mocked: responses.RequestsMock) -> None:
    """get_test_run reads status, comment and defects from getTestRun."""
    add_auth(mocked)
    mocked.post(GRAPHQL, json={"data": {"getTestRun": {
        "id": "r1", "status": {"name": "PASSED"}, "comment": "ok", "startedOn": None,
        "finishedOn": "2026-11-20T10:55:00Z", "defects": ["QA-3"],
        "evidence": [{"filename": "a.png"}]}}})
    run = cloud.get_test_run(IssueRef("2", "QA-2"), IssueRef("1", "QA-1"))
    assert run is not None
    assert (run.status, run.defects, run.evidence) == ("PASSED", ("QA-3",), ("a.png",))
