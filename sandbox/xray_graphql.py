"""Xray Cloud's GraphQL API: the schema subset in `xray_schema.graphql`, executed by graphql-core.

Query and Mutation resolvers live here; object-type resolvers in `xray_types`.
"""

from __future__ import annotations

import base64
import binascii
from functools import cache
from pathlib import Path
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, build_schema, graphql_sync

from sandbox.errors import BadRequest, NotFound
from sandbox.jira_input import apply_changes, check_create
from sandbox.jql import parse as parse_jql
from sandbox.model import Issue
from sandbox.state import SandboxState
from sandbox.timefmt import parse_timestamp
from sandbox.xray_import import apply_run_changes
from sandbox.xray_model import Evidence, TestRun, XrayExecution
from sandbox.xray_types import (
    TEST_TYPES,
    TYPE_RESOLVERS,
    Resolver,
    XrayContext,
    check_status,
    ctx,
    page,
    test_record,
)

SCHEMA_PATH = Path(__file__).with_name("xray_schema.graphql")


def _state(info: Any) -> SandboxState:
    return ctx(info).state


def _issue(info: Any, issue_id: Any, kind: str) -> Issue:
    try:
        issue = _state(info).issue(str(issue_id))
    except NotFound:
        raise BadRequest(f"Issue with id {issue_id} not found.") from None
    if issue.type_name != kind:
        raise BadRequest(f"Issue with id {issue_id} is not a {kind}.")
    return issue


def _run(info: Any, run_id: Any) -> TestRun:
    run = _state(info).xray.run_by_id(str(run_id))
    if run is None:
        raise BadRequest(f"Test run with id {run_id} not found.")
    return run


def _after(since: str | None) -> float:
    if since is None:
        return float("-inf")
    try:
        return parse_timestamp(since)
    except ValueError:
        raise BadRequest(f"modifiedSince is not a date: {since}") from None


def _issues_of_type(info: Any, kind: str, jql: str | None, issue_ids: list[str] | None,
                    since: str | None) -> list[Issue]:
    state = _state(info)
    query = parse_jql(jql or "", state.now())
    found = [i for i in query.run(list(state.issues.values())) if i.type_name == kind]
    found.sort(key=lambda i: i.id)
    after = _after(since)
    return [i for i in found if (issue_ids is None or str(i.id) in issue_ids
                                 or i.key in issue_ids) and i.updated >= after]


def get_tests(_: Any, info: Any, limit: int, start: int | None = None, jql: str | None = None,
              issueIds: list[str] | None = None, projectId: str | None = None,
              testType: dict[str, Any] | None = None, modifiedSince: str | None = None,
              folder: Any = None) -> dict[str, Any]:
    """getTests: Tests by jql, ids, type, modification date."""
    tests = _issues_of_type(info, "Test", jql, issueIds, modifiedSince)
    if testType and testType.get("name"):
        tests = [t for t in tests
                 if test_record(_state(info), t.id).test_type == testType["name"]]
    return page([t.id for t in tests], limit, start)


def get_executions(_: Any, info: Any, limit: int, start: int | None = None,
                   jql: str | None = None, issueIds: list[str] | None = None,
                   projectId: str | None = None,
                   modifiedSince: str | None = None) -> dict[str, Any]:
    """getTestExecutions."""
    found = _issues_of_type(info, "Test Execution", jql, issueIds, modifiedSince)
    return page([e.id for e in found], limit, start)


def get_runs(_: Any, info: Any, limit: int, start: int | None = None,
             testIssueIds: list[str] | None = None,
             testExecIssueIds: list[str] | None = None,
             testRunAssignees: list[str] | None = None,
             modifiedSince: str | None = None) -> dict[str, Any]:
    """getTestRuns."""
    after = _after(modifiedSince)
    runs = [r for r in _state(info).xray.runs.values()
            if (testIssueIds is None or str(r.test_id) in testIssueIds)
            and (testExecIssueIds is None or str(r.execution_id) in testExecIssueIds)
            and r.updated >= after]
    return page(runs, limit, start)


def get_run(_: Any, info: Any, testExecIssueId: str | None = None,
            testIssueId: str | None = None) -> TestRun | None:
    """getTestRun: the run of a test in an execution, or null."""
    if not (testExecIssueId or "").isdigit() or not (testIssueId or "").isdigit():
        return None
    return _state(info).xray.run_of(int(testExecIssueId or 0), int(testIssueId or 0))


def _maybe(info: Any, issue_id: str | None, kind: str) -> int | None:
    state = _state(info)
    try:
        issue = state.issue(str(issue_id or ""))
    except NotFound:
        return None
    return issue.id if issue.type_name == kind else None


def _create_issue(info: Any, jira: Any, kind: str) -> Issue:
    if not isinstance(jira, dict) or not isinstance(jira.get("fields"), dict):
        raise BadRequest("jira must be an object with 'fields'.")
    fields = {**jira["fields"], "issuetype": {"name": kind}}
    view = ctx(info).view
    _, changes = check_create({"fields": fields}, 2, view.project_key)
    state = _state(info)
    issue = state.add_issue(kind, changes["summary"])
    apply_changes(issue, changes)
    state.touch(issue)
    return issue


def create_test(_: Any, info: Any, jira: Any, testType: dict[str, Any] | None = None,
                steps: Any = None, unstructured: str | None = None, gherkin: str | None = None,
                preconditionIssueIds: Any = None, folderPath: Any = None,
                ) -> dict[str, Any]:
    """createTest: a Test issue with its type and definition."""
    name = _type_name(testType) if testType else "Manual"
    issue = _create_issue(info, jira, "Test")
    record = test_record(_state(info), issue.id)
    record.test_type, record.unstructured, record.gherkin = name, unstructured, gherkin
    return {"test": issue.id, "warnings": []}


def _type_name(test_type: dict[str, Any]) -> str:
    for name, (type_id, _) in TEST_TYPES.items():
        if test_type.get("name") == name or test_type.get("id") == type_id:
            return name
    raise BadRequest(f"Test Type not found: {test_type}")


def _add_tests(info: Any, execution_id: int, ids: list[str]) -> tuple[list[str], str | None]:
    state = _state(info)
    valid = [_maybe(info, i, "Test") for i in ids]
    missing = [i for i, v in zip(ids, valid, strict=True) if v is None]
    added = state.xray.add_tests(execution_id, [v for v in valid if v is not None], state.now())
    warning = f"Tests with the following ids were not found: {', '.join(missing)}" \
        if missing else None
    return [str(a) for a in added], warning


def _test_ids(testIssueIds: list[str] | None, tests: Any) -> list[str]:
    ids = list(testIssueIds or [])
    ids += [str(t.get("issueId")) for t in tests or [] if isinstance(t, dict)]
    return ids


def create_execution(_: Any, info: Any, jira: Any, testIssueIds: list[str] | None = None,
                     tests: Any = None, testEnvironments: list[str] | None = None,
                     ) -> dict[str, Any]:
    """createTestExecution."""
    issue = _create_issue(info, jira, "Test Execution")
    state = _state(info)
    record = state.xray.executions.setdefault(issue.id, XrayExecution(issue.id))
    record.environments = list(dict.fromkeys(testEnvironments or []))
    _, warning = _add_tests(info, issue.id, _test_ids(testIssueIds, tests))
    return {"testExecution": issue.id, "warnings": [warning] if warning else [],
            "createdTestEnvironments": list(record.environments)}


def add_tests(_: Any, info: Any, issueId: str, testIssueIds: list[str] | None = None,
              tests: Any = None) -> dict[str, Any]:
    """addTestsToTestExecution."""
    execution = _issue(info, issueId, "Test Execution")
    added, warning = _add_tests(info, execution.id, _test_ids(testIssueIds, tests))
    _state(info).touch(execution)
    return {"addedTests": added, "warning": warning}


def remove_tests(_: Any, info: Any, issueId: str, testIssueIds: list[str]) -> None:
    """removeTestsFromTestExecution."""
    execution = _issue(info, issueId, "Test Execution")
    xray = _state(info).xray
    record = xray.executions.setdefault(execution.id, XrayExecution(execution.id))
    for raw in testIssueIds:
        if raw.isdigit() and int(raw) in record.test_ids:
            record.test_ids.remove(int(raw))
            run = xray.run_of(execution.id, int(raw))
            if run is not None:
                del xray.runs[run.number]
    return None


def _time(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        raise BadRequest(f"{name} is not a date: {value}") from None


def update_run(_: Any, info: Any, id: str, comment: str | None = None,
               startedOn: str | None = None, finishedOn: str | None = None,
               assigneeId: str | None = None, executedById: str | None = None,
               customFields: Any = None) -> dict[str, Any]:
    """updateTestRun: comment, start, finish."""
    run = _run(info, id)
    started, finished = _time(startedOn, "startedOn"), _time(finishedOn, "finishedOn")
    apply_run_changes(_state(info), run, comment=comment, started=started, finished=finished)
    return {"warnings": []}


def update_status(_: Any, info: Any, id: str, status: str) -> None:
    """updateTestRunStatus."""
    run = _run(info, id)
    apply_run_changes(_state(info), run, status=check_status(status))


def update_comment(_: Any, info: Any, id: str, comment: str) -> None:
    """updateTestRunComment."""
    apply_run_changes(_state(info), _run(info, id), comment=comment)


def add_evidence(_: Any, info: Any, id: str, evidence: list[dict[str, Any]]
                 ) -> dict[str, Any]:
    """addEvidenceToTestRun: base64 files."""
    run = _run(info, id)
    state = _state(info)
    decoded = []
    for item in evidence:
        if not item or not item.get("filename") or item.get("data") is None:
            raise BadRequest("Each evidence needs filename and data.")
        try:
            decoded.append((item["filename"], item.get("mimeType") or "application/octet-stream",
                            base64.b64decode(item["data"], validate=True)))
        except (binascii.Error, ValueError):
            raise BadRequest(f"Evidence {item['filename']} is not valid base64.") from None
    added = []
    for filename, mime, content in decoded:
        record = Evidence(state.child_id(), filename, mime, content, state.now())
        run.evidence.append(record)
        added.append(str(record.id))
    apply_run_changes(state, run)
    return {"addedEvidence": added, "warnings": []}


def remove_evidence(_: Any, info: Any, id: str,
                    evidenceIds: list[str] | None = None,
                    evidenceFilenames: list[str] | None = None) -> dict[str, Any]:
    """removeEvidenceFromTestRun."""
    run = _run(info, id)
    gone = [e for e in run.evidence if str(e.id) in (evidenceIds or [])
            or e.filename in (evidenceFilenames or [])]
    run.evidence = [e for e in run.evidence if e not in gone]
    apply_run_changes(_state(info), run)
    return {"removedEvidence": [str(e.id) for e in gone], "warnings": []}


def add_defects(_: Any, info: Any, id: str, issues: list[str]) -> dict[str, Any]:
    """addDefectsToTestRun: issue ids or keys."""
    run = _run(info, id)
    state = _state(info)
    added, warnings = [], []
    for ref in issues:
        try:
            defect = state.issue(str(ref))
        except NotFound:
            warnings.append(f"Issue {ref} not found.")
            continue
        if defect.id not in run.defect_ids:
            run.defect_ids.append(defect.id)
            added.append(str(defect.id))
    apply_run_changes(state, run)
    return {"addedDefects": added, "warnings": warnings}


def remove_defects(_: Any, info: Any, id: str, issues: list[str]) -> None:
    """removeDefectsFromTestRun."""
    run = _run(info, id)
    state = _state(info)
    for ref in issues:
        try:
            defect_id = state.issue(str(ref)).id
        except NotFound:
            continue
        if defect_id in run.defect_ids:
            run.defect_ids.remove(defect_id)
    apply_run_changes(state, run)


def update_unstructured(_: Any, info: Any, issueId: str, unstructured: str,
                        versionId: int | None = None) -> int:
    """updateUnstructuredTestDefinition: only for Generic tests."""
    test = _issue(info, issueId, "Test")
    record = test_record(_state(info), test.id)
    if record.test_type != "Generic":
        raise BadRequest(f"Test with id {issueId} is not of an unstructured test type.")
    record.unstructured = unstructured
    _state(info).touch(test)
    return test.id


def update_test_type(_: Any, info: Any, issueId: str, testType: dict[str, Any],
                     versionId: int | None = None) -> int:
    """updateTestType."""
    test = _issue(info, issueId, "Test")
    test_record(_state(info), test.id).test_type = _type_name(testType)
    _state(info).touch(test)
    return test.id


def add_environments(_: Any, info: Any, issueId: str,
                     testEnvironments: list[str]) -> dict[str, Any]:
    """addTestEnvironmentsToTestExecution."""
    execution = _issue(info, issueId, "Test Execution")
    record = _state(info).xray.executions.setdefault(execution.id, XrayExecution(execution.id))
    known = {env for rec in _state(info).xray.executions.values() for env in rec.environments}
    new = [env for env in testEnvironments if env not in record.environments]
    record.environments.extend(new)
    _state(info).touch(execution)
    return {"associatedTestEnvironments": new,
            "createdTestEnvironments": [env for env in new if env not in known], "warning": None}


def remove_environments(_: Any, info: Any, issueId: str,
                        testEnvironments: list[str]) -> None:
    """removeTestEnvironmentsFromTestExecution."""
    execution = _issue(info, issueId, "Test Execution")
    record = _state(info).xray.executions.setdefault(execution.id, XrayExecution(execution.id))
    record.environments = [e for e in record.environments if e not in testEnvironments]
    _state(info).touch(execution)


def delete_issue_of(kind: str) -> Resolver:
    """deleteTest / deleteTestExecution."""
    def resolve(_: Any, info: Any, issueId: str) -> None:
        _state(info).delete_issue(_issue(info, issueId, kind))
    return resolve


QUERY: dict[str, Resolver] = {
    "getTests": get_tests, "getTestExecutions": get_executions, "getTestRuns": get_runs,
    "getTestRun": get_run,
    "getTest": lambda _, info, issueId=None: _maybe(info, issueId, "Test"),
    "getTestExecution": lambda _, info, issueId=None: _maybe(info, issueId, "Test Execution"),
    "getTestRunById": lambda _, info, id=None: _state(info).xray.run_by_id(str(id)),
}
MUTATION: dict[str, Resolver] = {
    "createTest": create_test, "createTestExecution": create_execution,
    "addTestsToTestExecution": add_tests, "removeTestsFromTestExecution": remove_tests,
    "updateTestRun": update_run, "updateTestRunStatus": update_status,
    "updateTestRunComment": update_comment, "addEvidenceToTestRun": add_evidence,
    "removeEvidenceFromTestRun": remove_evidence, "addDefectsToTestRun": add_defects,
    "removeDefectsFromTestRun": remove_defects,
    "updateUnstructuredTestDefinition": update_unstructured, "updateTestType": update_test_type,
    "addTestEnvironmentsToTestExecution": add_environments,
    "removeTestEnvironmentsFromTestExecution": remove_environments,
    "deleteTest": delete_issue_of("Test"), "deleteTestExecution": delete_issue_of("Test Execution"),
}


@cache
def schema() -> GraphQLSchema:
    """The executable schema: the SDL subset with the sandbox's resolvers attached."""
    built = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    for type_name, resolvers in {"Query": QUERY, "Mutation": MUTATION, **TYPE_RESOLVERS}.items():
        kind = built.type_map[type_name]
        assert isinstance(kind, GraphQLObjectType)
        for field_name, resolver in resolvers.items():
            kind.fields[field_name].resolve = resolver
    return built


def execute(context: XrayContext, query: str, variables: dict[str, Any] | None,
            operation: str | None) -> dict[str, Any]:
    """Runs one GraphQL request and returns its JSON answer (`data`, and `errors` if any)."""
    with context.state.lock:
        result = graphql_sync(schema(), query, variable_values=variables,
                              operation_name=operation, context_value=context)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return body
