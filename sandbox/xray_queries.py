"""Xray Cloud GraphQL: the Query resolvers and the lookups mutations share."""

from __future__ import annotations

from typing import Any

from sandbox.errors import BadRequest, NotFound
from sandbox.jql import parse as parse_jql
from sandbox.model import Issue
from sandbox.state import SandboxState
from sandbox.timefmt import parse_timestamp
from sandbox.xray_model import TestRun
from sandbox.xray_types import (
    Resolver,
    ctx,
    page,
    test_record,
)


def state_of(info: Any) -> SandboxState:
    """The sandbox state behind a resolver."""
    return ctx(info).state


def issue_of_type(info: Any, issue_id: Any, kind: str) -> Issue:
    """The issue with this id or key, which must be of `kind` (else a GraphQL error)."""
    try:
        issue = state_of(info).issue(str(issue_id))
    except NotFound:
        raise BadRequest(f"Issue with id {issue_id} not found.") from None
    if issue.type_name != kind:
        raise BadRequest(f"Issue with id {issue_id} is not a {kind}.")
    return issue


def run_by_id(info: Any, run_id: Any) -> TestRun:
    """The test run with this id (else a GraphQL error)."""
    run = state_of(info).xray.run_by_id(str(run_id))
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
    state = state_of(info)
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
                 if test_record(state_of(info), t.id).test_type == testType["name"]]
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
    runs = [r for r in state_of(info).xray.runs.values()
            if (testIssueIds is None or str(r.test_id) in testIssueIds)
            and (testExecIssueIds is None or str(r.execution_id) in testExecIssueIds)
            and r.updated >= after]
    return page(runs, limit, start)


def get_run(_: Any, info: Any, testExecIssueId: str | None = None,
            testIssueId: str | None = None) -> TestRun | None:
    """getTestRun: the run of a test in an execution, or null."""
    if not (testExecIssueId or "").isdigit() or not (testIssueId or "").isdigit():
        return None
    return state_of(info).xray.run_of(int(testExecIssueId or 0), int(testIssueId or 0))


def maybe_issue(info: Any, issue_id: str | None, kind: str) -> int | None:
    """The id of the issue of `kind` named so, or None (queries answer null)."""
    state = state_of(info)
    try:
        issue = state.issue(str(issue_id or ""))
    except NotFound:
        return None
    return issue.id if issue.type_name == kind else None


QUERY: dict[str, Resolver] = {
    "getTests": get_tests, "getTestExecutions": get_executions, "getTestRuns": get_runs,
    "getTestRun": get_run,
    "getTest": lambda _, info, issueId=None: maybe_issue(info, issueId, "Test"),
    "getTestExecution": lambda _, info, issueId=None: maybe_issue(info, issueId, "Test Execution"),
    "getTestRunById": lambda _, info, id=None: state_of(info).xray.run_by_id(str(id)),
}
