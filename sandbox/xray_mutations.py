"""Xray Cloud GraphQL: the Mutation resolvers."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sandbox.errors import BadRequest, NotFound
from sandbox.jira_input import apply_changes, check_create
from sandbox.model import Issue
from sandbox.timefmt import parse_timestamp
from sandbox.xray_import import apply_run_changes
from sandbox.xray_model import Evidence, XrayExecution
from sandbox.xray_queries import issue_of_type, maybe_issue, run_by_id, state_of
from sandbox.xray_types import (
    TEST_TYPES,
    Resolver,
    check_status,
    ctx,
    test_record,
)


def _create_issue(info: Any, jira: Any, kind: str) -> Issue:
    if not isinstance(jira, dict) or not isinstance(jira.get("fields"), dict):
        raise BadRequest("jira must be an object with 'fields'.")
    fields = {**jira["fields"], "issuetype": {"name": kind}}
    view = ctx(info).view
    made = check_create({"fields": fields}, view)
    state = state_of(info)
    issue = state.add_issue(kind, made.changes["summary"], made.project.key)
    apply_changes(issue, made.changes)
    state.touch(issue)
    return issue


def create_test(_: Any, info: Any, jira: Any, testType: dict[str, Any] | None = None,
                steps: Any = None, unstructured: str | None = None, gherkin: str | None = None,
                preconditionIssueIds: Any = None, folderPath: Any = None,
                ) -> dict[str, Any]:
    """createTest: a Test issue with its type and definition."""
    name = _type_name(testType) if testType else "Manual"
    issue = _create_issue(info, jira, "Test")
    record = test_record(state_of(info), issue.id)
    record.test_type, record.unstructured, record.gherkin = name, unstructured, gherkin
    return {"test": issue.id, "warnings": []}


def _type_name(test_type: dict[str, Any]) -> str:
    for name, (type_id, _) in TEST_TYPES.items():
        if test_type.get("name") == name or test_type.get("id") == type_id:
            return name
    raise BadRequest(f"Test Type not found: {test_type}")


def _add_tests(info: Any, execution_id: int, ids: list[str]) -> tuple[list[str], str | None]:
    state = state_of(info)
    valid = [maybe_issue(info, i, "Test") for i in ids]
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
    state = state_of(info)
    record = state.xray.executions.setdefault(issue.id, XrayExecution(issue.id))
    record.environments = list(dict.fromkeys(testEnvironments or []))
    _, warning = _add_tests(info, issue.id, _test_ids(testIssueIds, tests))
    return {"testExecution": issue.id, "warnings": [warning] if warning else [],
            "createdTestEnvironments": list(record.environments)}


def add_tests(_: Any, info: Any, issueId: str, testIssueIds: list[str] | None = None,
              tests: Any = None) -> dict[str, Any]:
    """addTestsToTestExecution."""
    execution = issue_of_type(info, issueId, "Test Execution")
    added, warning = _add_tests(info, execution.id, _test_ids(testIssueIds, tests))
    state_of(info).touch(execution)
    return {"addedTests": added, "warning": warning}


def remove_tests(_: Any, info: Any, issueId: str, testIssueIds: list[str]) -> None:
    """removeTestsFromTestExecution."""
    execution = issue_of_type(info, issueId, "Test Execution")
    xray = state_of(info).xray
    record = xray.executions.setdefault(execution.id, XrayExecution(execution.id))
    for raw in testIssueIds:
        if raw.isdigit() and int(raw) in record.test_ids:
            xray.remove_run(execution.id, int(raw))
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
    run = run_by_id(info, id)
    started, finished = _time(startedOn, "startedOn"), _time(finishedOn, "finishedOn")
    apply_run_changes(state_of(info), run, comment=comment, started=started, finished=finished)
    return {"warnings": []}


def update_status(_: Any, info: Any, id: str, status: str) -> None:
    """updateTestRunStatus."""
    run = run_by_id(info, id)
    apply_run_changes(state_of(info), run, status=check_status(status))


def update_comment(_: Any, info: Any, id: str, comment: str) -> None:
    """updateTestRunComment."""
    apply_run_changes(state_of(info), run_by_id(info, id), comment=comment)


def add_evidence(_: Any, info: Any, id: str, evidence: list[dict[str, Any]]
                 ) -> dict[str, Any]:
    """addEvidenceToTestRun: base64 files."""
    run = run_by_id(info, id)
    state = state_of(info)
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
    run = run_by_id(info, id)
    gone = [e for e in run.evidence if str(e.id) in (evidenceIds or [])
            or e.filename in (evidenceFilenames or [])]
    run.evidence = [e for e in run.evidence if e not in gone]
    apply_run_changes(state_of(info), run)
    return {"removedEvidence": [str(e.id) for e in gone], "warnings": []}


def add_defects(_: Any, info: Any, id: str, issues: list[str]) -> dict[str, Any]:
    """addDefectsToTestRun: issue ids or keys."""
    run = run_by_id(info, id)
    state = state_of(info)
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
    run = run_by_id(info, id)
    state = state_of(info)
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
    test = issue_of_type(info, issueId, "Test")
    record = test_record(state_of(info), test.id)
    if record.test_type != "Generic":
        raise BadRequest(f"Test with id {issueId} is not of an unstructured test type.")
    record.unstructured = unstructured
    state_of(info).touch(test)
    return test.id


def update_test_type(_: Any, info: Any, issueId: str, testType: dict[str, Any],
                     versionId: int | None = None) -> int:
    """updateTestType."""
    test = issue_of_type(info, issueId, "Test")
    test_record(state_of(info), test.id).test_type = _type_name(testType)
    state_of(info).touch(test)
    return test.id


def add_environments(_: Any, info: Any, issueId: str,
                     testEnvironments: list[str]) -> dict[str, Any]:
    """addTestEnvironmentsToTestExecution."""
    execution = issue_of_type(info, issueId, "Test Execution")
    record = state_of(info).xray.executions.setdefault(execution.id, XrayExecution(execution.id))
    known = {env for rec in state_of(info).xray.executions.values() for env in rec.environments}
    new = [env for env in testEnvironments if env not in record.environments]
    record.environments.extend(new)
    state_of(info).touch(execution)
    return {"associatedTestEnvironments": new,
            "createdTestEnvironments": [env for env in new if env not in known], "warning": None}


def remove_environments(_: Any, info: Any, issueId: str,
                        testEnvironments: list[str]) -> None:
    """removeTestEnvironmentsFromTestExecution."""
    execution = issue_of_type(info, issueId, "Test Execution")
    record = state_of(info).xray.executions.setdefault(execution.id, XrayExecution(execution.id))
    record.environments = [e for e in record.environments if e not in testEnvironments]
    state_of(info).touch(execution)


def delete_issue_of(kind: str) -> Resolver:
    """deleteTest / deleteTestExecution."""
    def resolve(_: Any, info: Any, issueId: str) -> None:
        state_of(info).delete_issue(issue_of_type(info, issueId, kind))
    return resolve


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


