"""Xray Cloud API v2 of the sandbox: authenticate, GraphQL (a faithful SDL subset), import."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests
from graphql import (
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    parse,
    validate,
)

from sandbox.server import RunningSandbox
from sandbox.xray_graphql import SCHEMA_PATH
from tests.sandbox.helpers import CREATE_TEST, GET_RUN, create, gql, token
from tests.third_party import FIXTURES, SPECS

REAL_SDL = SPECS / "xray" / "xray-cloud-schema.graphql"
def fields_of(schema: GraphQLSchema) -> dict[tuple[str, str], str]:
    """(type, field) -> printed type, with arguments, for object and input types."""
    out: dict[tuple[str, str], str] = {}
    for name, kind in schema.type_map.items():
        if name.startswith("__") or not isinstance(kind, GraphQLObjectType
                                                    | GraphQLInputObjectType):
            continue
        for field_name, field in kind.fields.items():
            args = getattr(field, "args", {}) or {}
            signature = ",".join(f"{a}:{v.type}" for a, v in sorted(args.items()))
            out[(name, field_name)] = f"({signature}){field.type}"
    return out


def test_schema_is_a_faithful_subset_of_the_real_sdl() -> None:
    """Every type, field and argument the sandbox serves exists with the same type in Xray's SDL."""
    ours = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    real = build_schema(REAL_SDL.read_text(encoding="utf-8"))
    mine, theirs = fields_of(ours), fields_of(real)
    assert mine
    differing = {key: value for key, value in mine.items() if theirs.get(key) != value}
    assert differing == {}
    assert all(name in real.type_map for name in ours.type_map)


def test_connector_documents_validate_against_the_subset() -> None:
    """The connector's GraphQL documents are valid against the sandbox's schema."""
    ours = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    update = """
mutation UpdateTestDefinition($issueId: String!, $unstructured: String!) {
  updateUnstructuredTestDefinition(issueId: $issueId, unstructured: $unstructured) { issueId }
}"""
    for document in (CREATE_TEST, GET_RUN, update):
        assert validate(ours, parse(document)) == []


def test_authenticate_returns_a_json_string(cloud: RunningSandbox) -> None:
    """Good client credentials give a JSON string token."""
    assert isinstance(token(cloud.url), str)


def test_authenticate_refuses_a_wrong_secret(cloud: RunningSandbox) -> None:
    """A wrong secret answers 401 with Xray's error body."""
    answer = requests.post(f"{cloud.url}/api/v2/authenticate", timeout=10,
                           json={"client_id": "sandbox", "client_secret": "nope"})
    assert answer.status_code == 401
    assert "error" in answer.json()


@pytest.mark.parametrize("header", ["", "Bearer unknown"])
def test_graphql_refuses_a_bad_token(cloud: RunningSandbox, header: str) -> None:
    """GraphQL without a valid token answers 401."""
    answer = requests.post(f"{cloud.url}/api/v2/graphql", json={"query": "{ __typename }"},
                           headers={"Authorization": header} if header else {}, timeout=10)
    assert answer.status_code == 401


def test_expired_token_is_refused(cloud: RunningSandbox) -> None:
    """A token past its lifetime answers 401."""
    bearer = token(cloud.url)
    cloud.state.xray.tokens[bearer] = cloud.state.now() - 1
    answer = requests.post(f"{cloud.url}/api/v2/graphql", json={"query": "{ __typename }"},
                           headers={"Authorization": f"Bearer {bearer}"}, timeout=10)
    assert answer.status_code == 401


def test_create_test_then_read_its_definition(cloud: RunningSandbox) -> None:
    """createTest makes a Generic Test whose definition getTest returns."""
    bearer = token(cloud.url)
    made = gql(cloud.url, bearer, CREATE_TEST, unstructured="Explore checkout",
               jira={"fields": {"project": {"key": "QA"}, "summary": "Charter",
                                "labels": ["xray-sync"]}})
    test = made["data"]["createTest"]["test"]
    assert test["jira"]["key"] == "QA-1"
    read = gql(cloud.url, bearer, "query($id: String) { getTest(issueId: $id) "
               "{ testType { name kind } unstructured jira(fields: [\"labels\"]) } }",
               id=test["issueId"])
    assert read["data"]["getTest"] == {"testType": {"name": "Generic", "kind": "Unstructured"},
                                       "unstructured": "Explore checkout",
                                       "jira": {"labels": ["xray-sync"]}}


def test_execution_run_lifecycle(cloud: RunningSandbox, http: requests.Session) -> None:
    """A run made by createTestExecution takes status, comment, evidence and defects."""
    bearer = token(cloud.url)
    test_id = gql(cloud.url, bearer, CREATE_TEST, unstructured="m", jira={
        "fields": {"project": {"key": "QA"}, "summary": "T"}})["data"]["createTest"]["test"][
        "issueId"]
    bug = create(http, cloud.url, kind="Bug")
    made = gql(cloud.url, bearer, "mutation($t: [String]) { createTestExecution(testIssueIds: $t,"
               " testEnvironments: [\"staging\"], jira: {fields: {summary: \"E\", project: "
               "{key: \"QA\"}}}) { testExecution { issueId testEnvironments } warnings } }",
               t=[test_id])
    exec_id = made["data"]["createTestExecution"]["testExecution"]["issueId"]
    run = gql(cloud.url, bearer, GET_RUN, testExecIssueId=exec_id, testIssueId=test_id)
    run_id = run["data"]["getTestRun"]["id"]
    data = base64.b64encode(b"zip").decode()
    for document in (
        f'mutation {{ updateTestRunStatus(id: "{run_id}", status: "FAILED") }}',
        f'mutation {{ updateTestRunComment(id: "{run_id}", comment: "notes") }}',
        f'mutation {{ addEvidenceToTestRun(id: "{run_id}", evidence: [{{filename: "s.xea", '
        f'mimeType: "application/zip", data: "{data}"}}]) {{ addedEvidence }} }}',
        f'mutation {{ addDefectsToTestRun(id: "{run_id}", issues: ["{bug["id"]}"]) '
        f'{{ addedDefects }} }}',
    ):
        assert "errors" not in gql(cloud.url, bearer, document)
    read = gql(cloud.url, bearer, GET_RUN, testExecIssueId=exec_id, testIssueId=test_id)
    assert read["data"]["getTestRun"] | {"id": None, "startedOn": None} == {
        "id": None, "status": {"name": "FAILED"}, "comment": "notes", "startedOn": None,
        "finishedOn": None, "defects": [bug["id"]], "evidence": [{"filename": "s.xea"}]}


def test_get_test_run_is_null_without_a_run(cloud: RunningSandbox) -> None:
    """getTestRun of a test not in the execution is null, not an error."""
    body = gql(cloud.url, token(cloud.url), GET_RUN, testExecIssueId="1", testIssueId="2")
    assert body == {"data": {"getTestRun": None}}


def test_unstructured_update_refuses_a_manual_test(cloud: RunningSandbox) -> None:
    """updateUnstructuredTestDefinition on a Manual test is a GraphQL error and changes nothing."""
    bearer = token(cloud.url)
    test_id = gql(cloud.url, bearer, 'mutation { createTest(testType: {name: "Manual"}, jira: '
                  '{fields: {summary: "M", project: {key: "QA"}}}) { test { issueId } } }'
                  )["data"]["createTest"]["test"]["issueId"]
    body = gql(cloud.url, bearer, f'mutation {{ updateUnstructuredTestDefinition(issueId: '
               f'"{test_id}", unstructured: "x") {{ issueId }} }}')
    assert body["errors"]
    assert cloud.state.xray.tests[int(test_id)].unstructured is None


def test_limit_above_100_is_refused(cloud: RunningSandbox) -> None:
    """getTests with limit 101 answers a GraphQL error, as Xray does."""
    body = gql(cloud.url, token(cloud.url), "{ getTests(limit: 101) { total } }")
    assert body["errors"]


def import_document(test_key: str, exec_key: str | None = None) -> dict[str, Any]:
    """An Xray JSON document like the connector's."""
    document: dict[str, Any] = {
        "info": {"summary": "Session", "startDate": "2026-11-20T10:00:00+00:00",
                 "finishDate": "2026-11-20T10:55:00+00:00", "testEnvironments": ["Chrome"]},
        "tests": [{"testKey": test_key, "status": "PASSED", "comment": "ok",
                   "start": "2026-11-20T10:00:00+00:00",
                   "evidence": [{"data": base64.b64encode(b"a").decode(), "filename": "a.txt",
                                 "contentType": "text/plain"}]}]}
    if exec_key:
        document["testExecutionKey"] = exec_key
    return document


def test_import_creates_an_execution_with_a_run(cloud: RunningSandbox,
                                                http: requests.Session) -> None:
    """Importing without testExecutionKey creates a Test Execution holding the test's run."""
    test = create(http, cloud.url)
    answer = requests.post(f"{cloud.url}/api/v2/import/execution", json=import_document(
        test["key"]), headers={"Authorization": f"Bearer {token(cloud.url)}"}, timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"id", "key", "self"}
    run = cloud.state.xray.run_of(int(body["id"]), int(test["id"]))
    assert run is not None and (run.status, run.comment, len(run.evidence)) == ("PASSED", "ok", 1)


def test_import_into_existing_execution_adds_evidence(cloud: RunningSandbox,
                                                      http: requests.Session) -> None:
    """A second import into the same execution adds evidence and replaces the status."""
    test = create(http, cloud.url)
    execution = create(http, cloud.url, kind="Test Execution")
    headers = {"Authorization": f"Bearer {token(cloud.url)}"}
    for status in ("PASSED", "FAILED"):
        document = import_document(test["key"], execution["key"])
        document["tests"][0]["status"] = status
        assert requests.post(f"{cloud.url}/api/v2/import/execution", json=document,
                             headers=headers, timeout=10).status_code == 200
    run = cloud.state.xray.run_of(int(execution["id"]), int(test["id"]))
    assert run is not None and (run.status, len(run.evidence)) == ("FAILED", 2)
    assert cloud.state.xray.executions[int(execution["id"])].environments == ["Chrome"]


def test_import_with_unknown_test_changes_nothing(cloud: RunningSandbox,
                                                  http: requests.Session) -> None:
    """An import naming a missing test answers 400 and creates no execution."""
    answer = requests.post(f"{cloud.url}/api/v2/import/execution", json=import_document("QA-77"),
                           headers={"Authorization": f"Bearer {token(cloud.url)}"}, timeout=10)
    assert answer.status_code == 400
    assert cloud.state.issues == {}


def test_import_refuses_server_statuses_on_cloud(cloud: RunningSandbox,
                                                 http: requests.Session) -> None:
    """Cloud refuses the Server vocabulary (PASS) with 400."""
    test = create(http, cloud.url)
    document = import_document(test["key"])
    document["tests"][0]["status"] = "PASS"
    answer = requests.post(f"{cloud.url}/api/v2/import/execution", json=document,
                           headers={"Authorization": f"Bearer {token(cloud.url)}"}, timeout=10)
    assert answer.status_code == 400


def test_get_tests_answer_has_the_shape_of_a_real_one(cloud: RunningSandbox) -> None:
    """getTests answers with the keys and test type ids of a real Xray Cloud answer."""
    real = json.loads((FIXTURES / "rest" /
                       "xray-cloud-graphql_getTests_response__cypress-xray-plugin.json"
                       ).read_text(encoding="utf-8"))
    bearer = token(cloud.url)
    gql(cloud.url, bearer, CREATE_TEST, unstructured="m",
        jira={"fields": {"project": {"key": "QA"}, "summary": "Generic one"}})
    ours = gql(cloud.url, bearer, '{ getTests(limit: 10) { total start results { testType '
               '{ id name kind } jira(fields: ["key", "summary"]) } } }')["data"]["getTests"]
    real_tests = real["data"]["getTests"]
    assert set(ours) == set(real_tests)
    assert set(ours["results"][0]) == set(real_tests["results"][0])
    assert set(ours["results"][0]["jira"]) == set(real_tests["results"][0]["jira"])
    real_generic = next(r["testType"] for r in real_tests["results"]
                        if r["testType"]["name"] == "Generic")
    assert ours["results"][0]["testType"] == real_generic


def test_imported_evidence_downloads_by_its_id(cloud: RunningSandbox,
                                               http: requests.Session) -> None:
    """An evidence file imported with a run is served back, byte for byte, at its id."""
    test = create(http, cloud.url)
    xray = {"Authorization": f"Bearer {token(cloud.url)}"}
    answer = requests.post(f"{cloud.url}/api/v2/import/execution", json=import_document(
        test["key"]), headers=xray, timeout=10)
    run = cloud.state.xray.run_of(int(answer.json()["id"]), int(test["id"]))
    assert run is not None
    url = f"{cloud.url}/api/v2/attachments"
    got = requests.get(f"{url}/{run.evidence[0].id}", headers=xray, timeout=10)
    missing = requests.get(f"{url}/999999", headers=xray, timeout=10)
    assert (got.status_code, got.content, missing.status_code) == (200, b"a", 404)
