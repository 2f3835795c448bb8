"""Every Data Center call, against `responses`, through the real `jira` library's session."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import responses
from responses import matchers

from connector import IssueDraft, IssueRef, RemoteLinkSpec, RunRecord, RunStatus, TestSpec
from connector.datacenter import DataCenterBackend
from connector.errors import InvalidResponse
from tests.connector.conftest import JIRA, SECRETS, FakeClock, add_myself, settings

API = f"{JIRA}/rest/api/2"


def _body(call: responses.Call) -> dict:  # type: ignore[type-arg]
    return json.loads(call.request.body or b"{}")


def test_create_test_sets_generic_type_and_definition(
    dc: DataCenterBackend, mocked: responses.RequestsMock
) -> None:
    """create_test posts a Test with Test Type Generic, the mission and the marker."""
    mocked.post(f"{API}/issue", status=201, json={"id": "10", "key": "QA-1", "self": "x"})
    assert dc.create_test(TestSpec("s1", "QA", "Charter", "Mission")) == IssueRef("10", "QA-1")
    fields = _body(mocked.calls[0])["fields"]
    assert fields["customfield_10100"] == {"value": "Generic"}
    assert fields["customfield_10101"] == "Mission"
    assert fields["labels"] == ["xray-sync", "xs-s1"]
    assert mocked.calls[0].request.headers["Authorization"] == f"Bearer {SECRETS[0]}"


def test_field_ids_are_discovered_once(clock: FakeClock, mocked: responses.RequestsMock) -> None:
    """Without configured field ids, GET /field runs once and its ids are used."""
    from connector import make_backend

    backend = make_backend(settings("datacenter", test_type_field="", definition_field=""),
                           clock=clock, sleep=clock.sleep)
    mocked.get(f"{API}/field", json=[
        {"id": "customfield_1", "name": "Test Type", "custom": True},
        {"id": "customfield_2", "name": "Generic Test Definition", "custom": True}])
    mocked.post(f"{API}/issue", status=201, json={"id": "10", "key": "QA-1"})
    mocked.post(f"{API}/issue", status=201, json={"id": "11", "key": "QA-2"})
    backend.create_test(TestSpec("s1", "QA", "A", "M"))
    backend.create_test(TestSpec("s2", "QA", "B", "M"))
    assert len(mocked.calls) == 3
    assert _body(mocked.calls[2])["fields"]["customfield_2"] == "M"


def test_missing_xray_fields_are_an_invalid_response(
    clock: FakeClock, mocked: responses.RequestsMock
) -> None:
    """A Jira without Xray's custom fields is reported, naming the missing field."""
    from connector import make_backend

    backend = make_backend(settings("datacenter", test_type_field="", definition_field=""),
                           clock=clock, sleep=clock.sleep)
    mocked.get(f"{API}/field", json=[{"id": "summary", "name": "Summary"}])
    try:
        backend.create_test(TestSpec("s1", "QA", "A", "M"))
    except InvalidResponse as exc:
        assert "Generic Test Definition" in str(exc)
    else:
        raise AssertionError("expected InvalidResponse")


def test_update_test_is_one_put(dc: DataCenterBackend, mocked: responses.RequestsMock) -> None:
    """update_test sends summary and definition in one PUT."""
    mocked.put(f"{API}/issue/QA-1", status=204, match=[matchers.json_params_matcher(
        {"fields": {"summary": "N", "customfield_10101": "M2"}})])
    dc.update_test(IssueRef("10", "QA-1"), summary="N", mission="M2")


def test_create_issues_plain_description(dc: DataCenterBackend, mocked: responses.RequestsMock
                                         ) -> None:
    """On DC the bulk create sends the description as plain text."""
    mocked.post(f"{API}/issue/bulk", status=201,
                json={"issues": [{"id": "11", "key": "QA-11"}], "errors": []})
    dc.create_issues([IssueDraft("s1", "QA", "execution", "Session", "text")])
    assert _body(mocked.calls[0])["issueUpdates"][0]["fields"]["description"] == "text"


def test_record_run_uses_server_statuses(dc: DataCenterBackend, mocked: responses.RequestsMock
                                         ) -> None:
    """record_run posts to /rest/raven/2.0/import/execution with PASS/FAIL statuses."""
    mocked.post(f"{JIRA}/rest/raven/2.0/import/execution",
                json={"testExecIssue": {"id": "11", "key": "QA-11", "self": "x"}})
    dc.record_run(RunRecord("QA-11", "QA-1", "Session", RunStatus.PASSED,
                            finished=datetime(2026, 11, 20, 11, tzinfo=UTC)))
    sent = _body(mocked.calls[0])
    assert sent["tests"][0]["status"] == "PASS"
    assert sent["info"]["finishDate"] == "2026-11-20T11:00:00+00:00"


def test_search_pages_with_start_at(dc: DataCenterBackend, mocked: responses.RequestsMock) -> None:
    """search_changed pages /rest/api/2/search by startAt until total is reached."""
    add_myself(mocked, api="2")
    def hit(n: int) -> dict:  # type: ignore[type-arg]
        return {"id": str(n), "key": f"QA-{n}", "fields": {
            "summary": "s", "status": {"name": "Open"}, "updated": "2026-11-20T10:05:00.000+0000",
            "labels": ["xray-sync", "xs-a"], "issuetype": {"name": "Bug"}}}
    mocked.get(f"{API}/search", json={"startAt": 0, "maxResults": 2, "total": 3,
                                       "issues": [hit(1), hit(2)]},
               match=[matchers.query_param_matcher({"startAt": "0"}, strict_match=False)])
    mocked.get(f"{API}/search", json={"startAt": 2, "maxResults": 2, "total": 3,
                                       "issues": [hit(3)]},
               match=[matchers.query_param_matcher({"startAt": "2"}, strict_match=False)])
    found = dc.search_changed("QA", datetime(2026, 11, 20, 10, tzinfo=UTC))
    assert [i.key for i in found] == ["QA-1", "QA-2", "QA-3"]


def test_get_test_run_reads_server_json(dc: DataCenterBackend, mocked: responses.RequestsMock
                                        ) -> None:
    """get_test_run reads Xray Server's test run by execution and test keys."""
    mocked.get(f"{JIRA}/rest/raven/2.0/api/testrun", json={
        "id": 77, "status": "FAIL", "comment": "c", "startedOn": "2026-11-20T10:00:00+00:00",
        "finishedOn": None, "defects": [{"key": "QA-5"}], "evidences": [{"fileName": "x.png"}]},
        match=[matchers.query_param_matcher({"testExecIssueKey": "QA-2", "testIssueKey": "QA-1"})])
    run = dc.get_test_run(IssueRef("2", "QA-2"), IssueRef("1", "QA-1"))
    assert run is not None
    assert (run.id, run.status) == ("77", "FAILED")
    assert (run.defects, run.evidence) == (("QA-5",), ("x.png",))


def test_missing_test_run_is_none(dc: DataCenterBackend, mocked: responses.RequestsMock) -> None:
    """A 404 for the test run means there is none."""
    mocked.get(f"{JIRA}/rest/raven/2.0/api/testrun", status=404, json={"error": "no run"})
    assert dc.get_test_run(IssueRef("2", "QA-2"), IssueRef("1", "QA-1")) is None


def test_remote_link_and_rename(dc: DataCenterBackend, mocked: responses.RequestsMock) -> None:
    """Remote link and rename use the v2 paths."""
    mocked.post(f"{API}/issue/QA-2/remotelink", status=201, json={"id": 1})
    mocked.put(f"{API}/issue/QA-2", status=204)
    dc.add_remote_link("QA-2", RemoteLinkSpec("s1", "http://c/s1", "S"))
    dc.update_summary("QA-2", "Renamed")
    assert _body(mocked.calls[1]) == {"fields": {"summary": "Renamed"}}
