"""The sandbox's multipart import (Cloud `results` + `info`, Server/DC `result` + `info`) and
`testInfo`, played as Xray documents them at their least convenient."""

from __future__ import annotations

import json
from typing import Any

import requests

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import token

INFO = {"fields": {"project": {"key": "QA"}, "issuetype": {"name": "Test Execution"},
                   "summary": "From info", "labels": ["xray-sync", "xs-s1"]}}


def info_of_test(definition: str = "Explore\n\n(xray-sync session s1)") -> dict[str, Any]:
    """A `testInfo` like the connector's."""
    return {"projectKey": "QA", "summary": "Made", "type": "Generic",
            "definition": definition, "labels": ["xray-sync", "xs-s1"]}


def results(**test: Any) -> dict[str, Any]:
    """Xray JSON with one test, PASSED unless told."""
    return {"tests": [{"status": "PASSED", **test}]}


def cloud_import(cloud: RunningSandbox, results_doc: Any, info: Any = INFO) -> requests.Response:
    """POST the two parts to Xray Cloud's multipart import."""
    return requests.post(
        f"{cloud.url}/api/v2/import/execution/multipart", timeout=10,
        headers={"Authorization": f"Bearer {token(cloud.url)}"},
        files={"results": ("r.json", json.dumps(results_doc), "application/json"),
               "info": ("i.json", json.dumps(info), "application/json")})


def test_multipart_makes_the_execution_from_the_info_part(cloud: RunningSandbox) -> None:
    """The new Test Execution takes its summary and labels from `info`."""
    answer = cloud_import(cloud, results(testInfo=info_of_test()))
    assert answer.status_code == 200, answer.text
    execution = cloud.state.issue(answer.json()["key"])
    assert (execution.type_name, execution.summary) == ("Test Execution", "From info")
    assert execution.labels == ["xray-sync", "xs-s1"]


def test_cloud_answer_names_the_execution_only(cloud: RunningSandbox) -> None:
    """Xray Cloud answers `{"id", "key", "self"}`: nothing names the Test it made."""
    answer = cloud_import(cloud, results(testInfo=info_of_test()))
    assert set(answer.json()) == {"id", "key", "self"}


def test_test_info_makes_a_marked_generic_test(cloud: RunningSandbox) -> None:
    """A test named by `testInfo` is made Generic, with its definition and labels."""
    answer = cloud_import(cloud, results(testInfo=info_of_test()))
    execution = cloud.state.issue(answer.json()["key"])
    (test_id,) = cloud.state.xray.executions[execution.id].test_ids
    test = cloud.state.issues[test_id]
    record = cloud.state.xray.tests[test_id]
    assert (test.type_name, test.summary, test.labels) == ("Test", "Made", ["xray-sync", "xs-s1"])
    assert (record.test_type, record.unstructured) == ("Generic", info_of_test()["definition"])


def test_test_info_reuses_the_generic_test_with_the_same_definition(
    cloud: RunningSandbox,
) -> None:
    """Xray matches a Generic Test of the project by its definition: a second import with
    the same definition runs the same Test instead of making another."""
    first = cloud.state.issue(cloud_import(cloud, results(testInfo=info_of_test())).json()["key"])
    other = dict(info_of_test(), summary="Other summary", labels=[])
    second = cloud.state.issue(cloud_import(cloud, results(testInfo=other)).json()["key"])
    executions = cloud.state.xray.executions
    assert executions[first.id].test_ids == executions[second.id].test_ids
    assert len([i for i in cloud.state.issues.values() if i.type_name == "Test"]) == 1


def test_results_info_is_ignored_and_xray_fields_set_environments(
    cloud: RunningSandbox,
) -> None:
    """The execution's environments come from `info.xrayFields`; the results' own `info`
    (summary, environments) is not read by a multipart import."""
    doc = dict(results(testInfo=info_of_test()),
               info={"summary": "Ignored", "testEnvironments": ["Ignored"]})
    answer = cloud_import(cloud, doc, dict(INFO, xrayFields={"environments": ["Chrome"]}))
    execution = cloud.state.issue(answer.json()["key"])
    assert execution.summary == "From info"
    assert cloud.state.xray.executions[execution.id].environments == ["Chrome"]


def test_info_of_another_issue_type_is_refused_and_nothing_made(cloud: RunningSandbox) -> None:
    """`info` must describe a Test Execution; otherwise 400 and no issue is made."""
    bug = {"fields": dict(INFO["fields"], issuetype={"name": "Bug"})}
    answer = cloud_import(cloud, results(testInfo=info_of_test()), bug)
    assert answer.status_code == 400
    assert "Test Execution" in answer.text
    assert not cloud.state.issues


def test_test_info_of_a_manual_test_is_refused(cloud: RunningSandbox) -> None:
    """The sandbox makes Generic Tests only; another type is refused by name, nothing made."""
    answer = cloud_import(cloud, results(testInfo=dict(info_of_test(), type="Manual")))
    assert answer.status_code == 400
    assert "Manual" in answer.text
    assert not cloud.state.issues


def test_test_info_without_a_definition_is_refused(cloud: RunningSandbox) -> None:
    """A Generic `testInfo` needs its definition (how Xray matches it)."""
    info = {k: v for k, v in info_of_test().items() if k != "definition"}
    answer = cloud_import(cloud, results(testInfo=info))
    assert answer.status_code == 400
    assert "definition" in answer.text


def test_dc_multipart_answer_names_the_test_it_made(dc: RunningSandbox,
                                                    dc_http: requests.Session) -> None:
    """Xray Server/DC's multipart (`result` + `info`) answers with the execution and the
    Tests of the import (`testIssues.success`)."""
    info = {"fields": dict(INFO["fields"], customfield_10202=["Firefox"])}
    answer = dc_http.post(
        f"{dc.url}/rest/raven/2.0/import/execution/multipart", timeout=10,
        files={"result": ("r.json", json.dumps(results(status="PASS", testInfo=info_of_test())),
                          "application/json"),
               "info": ("i.json", json.dumps(info), "application/json")})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    (made,) = body["testIssues"]["success"]
    execution = dc.state.issue(body["testExecIssue"]["key"])
    assert dc.state.issue(made["key"]).type_name == "Test"
    assert dc.state.xray.executions[execution.id].environments == ["Firefox"]
