"""Xray Server/DC REST (`/rest/raven/2.0`) of the sandbox over real HTTP."""

from __future__ import annotations

import base64
from typing import Any

import requests

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import create

EVIDENCE = {"data": base64.b64encode(b"zip").decode(), "filename": "s.xea",
            "contentType": "application/zip"}


def raven(dc: RunningSandbox) -> str:
    """The raven base URL."""
    return f"{dc.url}/rest/raven/2.0"


def setup_run(dc: RunningSandbox, http: requests.Session) -> tuple[str, str, dict[str, Any]]:
    """A Test, a Test Execution and an import that runs it; returns keys and the import answer."""
    test = create(http, dc.url)["key"]
    execution = create(http, dc.url, kind="Test Execution")["key"]
    answer = http.post(f"{raven(dc)}/import/execution", json={
        "testExecutionKey": execution, "info": {"summary": "Session", "testEnvironments": ["a"]},
        "tests": [{"testKey": test, "status": "FAIL", "comment": "notes",
                   "start": "2026-11-20T10:00:00+00:00", "finish": "2026-11-20T10:55:00+00:00",
                   "evidences": [EVIDENCE]}]})
    assert answer.status_code == 200, answer.text
    return test, execution, answer.json()


def test_import_answers_test_exec_issue(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """The DC import answers {"testExecIssue": {id, key, self}} naming the execution."""
    _, execution, body = setup_run(dc, dc_http)
    assert body["testExecIssue"]["key"] == execution
    assert set(body["testExecIssue"]) == {"id", "key", "self"}


def test_find_run_by_keys(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """GET api/testrun by execution and test keys returns the run in Server's shape."""
    test, execution, _ = setup_run(dc, dc_http)
    run = dc_http.get(f"{raven(dc)}/api/testrun", params={
        "testExecIssueKey": execution, "testIssueKey": test}).json()
    assert (run["status"], run["comment"], run["testKey"], run["testExecKey"]) == (
        "FAIL", "notes", test, execution)
    assert run["startedOn"].startswith("2026-11-20T10:00:00")
    assert [e["fileName"] for e in run["evidences"]] == ["s.xea"]


def test_missing_run_is_404(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """A test not in the execution has no run: 404."""
    test = create(dc_http, dc.url)["key"]
    execution = create(dc_http, dc.url, kind="Test Execution")["key"]
    answer = dc_http.get(f"{raven(dc)}/api/testrun", params={
        "testExecIssueKey": execution, "testIssueKey": test})
    assert answer.status_code == 404


def test_import_refuses_cloud_statuses(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """DC refuses PASSED (the Cloud word) with 400 and creates no execution."""
    test = create(dc_http, dc.url)["key"]
    answer = dc_http.post(f"{raven(dc)}/import/execution", json={
        "tests": [{"testKey": test, "status": "PASSED"}]})
    assert answer.status_code == 400
    assert [i.type_name for i in dc.state.issues.values()] == ["Test"]


def test_exec_tests_add_and_list(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """POST testexec/{key}/test adds tests whose runs GET lists as TODO."""
    test = create(dc_http, dc.url)["key"]
    execution = create(dc_http, dc.url, kind="Test Execution")["key"]
    assert dc_http.post(f"{raven(dc)}/api/testexec/{execution}/test",
                        json={"add": [test]}).status_code == 200
    listed = dc_http.get(f"{raven(dc)}/api/testexec/{execution}/test").json()
    assert [(t["key"], t["status"]) for t in listed] == [(test, "TODO")]


def test_run_status_comment_defect_attachment(dc: RunningSandbox,
                                              dc_http: requests.Session) -> None:
    """The run's status, comment, defects and attachments can each be set and read back."""
    test, execution, _ = setup_run(dc, dc_http)
    bug = create(dc_http, dc.url, kind="Bug")["key"]
    run_id = dc_http.get(f"{raven(dc)}/api/testrun", params={
        "testExecIssueKey": execution, "testIssueKey": test}).json()["id"]
    url = f"{raven(dc)}/api/testrun/{run_id}"
    assert dc_http.put(f"{url}/status", params={"status": "PASS"}).status_code == 200
    assert dc_http.put(f"{url}/comment", data="new notes").status_code == 200
    assert dc_http.post(f"{url}/defect", json=[bug]).status_code == 200
    assert dc_http.post(f"{url}/attachment", json=EVIDENCE).status_code == 200
    run = dc_http.get(url).json()
    assert (run["status"], run["comment"]) == ("PASS", "new notes")
    assert [d["key"] for d in dc_http.get(f"{url}/defect").json()] == [bug]
    assert len(dc_http.get(f"{url}/attachment").json()) == 2
    assert dc_http.get(f"{url}/status").json() == "PASS"


def test_put_run_updates_several_things(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """PUT testrun/{id} sets status and comment and adds defects in one call."""
    _, execution, _ = setup_run(dc, dc_http)
    bug = create(dc_http, dc.url, kind="Bug")["key"]
    runs = dc_http.get(f"{raven(dc)}/api/testruns", params={"testExecKey": execution}).json()
    answer = dc_http.put(f"{raven(dc)}/api/testrun/{runs[0]['id']}", json={
        "status": "EXECUTING", "comment": "again", "defects": {"add": [bug]}})
    assert answer.status_code == 200
    run = dc_http.get(f"{raven(dc)}/api/testrun/{runs[0]['id']}").json()
    assert (run["status"], run["comment"], [d["key"] for d in run["defects"]]) == (
        "EXECUTING", "again", [bug])


def test_raven_needs_the_token(dc: RunningSandbox) -> None:
    """Raven without the personal access token answers 401."""
    answer = requests.get(f"{raven(dc)}/api/testruns", timeout=10)
    assert answer.status_code == 401


def test_unknown_run_is_404(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """A run id that does not exist answers 404 with a Jira-shaped body."""
    answer = dc_http.get(f"{raven(dc)}/api/testrun/999")
    assert answer.status_code == 404
    assert answer.json()["errorMessages"]


def test_exec_tests_remove_drops_the_run(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """POST testexec/{key}/test with remove takes the test and its run out."""
    test, execution, _ = setup_run(dc, dc_http)
    assert dc_http.post(f"{raven(dc)}/api/testexec/{execution}/test",
                        json={"remove": [test]}).status_code == 200
    assert dc_http.get(f"{raven(dc)}/api/testexec/{execution}/test").json() == []
    assert dc.state.xray.runs == {}


def test_evidence_file_url_downloads_the_bytes(dc: RunningSandbox,
                                               dc_http: requests.Session) -> None:
    """A run's evidence fileURL serves the file that was imported."""
    test, execution, _ = setup_run(dc, dc_http)
    run = dc_http.get(f"{raven(dc)}/api/testrun", params={
        "testExecIssueKey": execution, "testIssueKey": test}).json()
    assert dc_http.get(run["evidences"][0]["fileURL"]).content == b"zip"
