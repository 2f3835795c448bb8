"""Resolvers of Xray Cloud's object types (Test, TestExecution, TestRun) over sandbox records.

Parents are issue ids (int) for Test and TestExecution and `TestRun` records for TestRun.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox import catalog
from sandbox.errors import BadRequest
from sandbox.jira_render import ALL_FIELDS, View, field_value
from sandbox.model import Issue
from sandbox.state import SandboxState
from sandbox.timefmt import iso_timestamp
from sandbox.xray_import import canonical_status
from sandbox.xray_model import TestRun, XrayTest

Resolver = Callable[..., Any]
MAX_LIMIT = 100
TEST_TYPES: dict[str, tuple[str, str]] = {  # name -> (id, kind)
    "Manual": ("5e42b1d4d0257f0016808eef", "Steps"),
    "Cucumber": ("5e42b1d4d0257f0016808ef0", "Gherkin"),
    "Generic": ("5e42b1d4d0257f0016808ef1", "Unstructured"),
}
STATUS_COLORS = {"TODO": "#A2A6AE", "EXECUTING": "#F1E069", "PASSED": "#95C160",
                 "FAILED": "#D45D52", "ABORTED": "#111111"}


@dataclass(frozen=True)
class XrayContext:
    """What resolvers see: the state and a v2-style view for Jira field values."""

    state: SandboxState
    view: View


def ctx(info: Any) -> XrayContext:
    """The resolver context."""
    found: XrayContext = info.context
    return found


def page(items: list[Any], limit: int, start: int | None) -> dict[str, Any]:
    """A `...Results` page; Xray refuses limits above 100."""
    if limit > MAX_LIMIT or limit < 0:
        raise BadRequest(f"The limit must be between 0 and {MAX_LIMIT}.")
    begin = start or 0
    return {"total": len(items), "start": begin, "limit": limit,
            "results": items[begin: begin + limit]}


def jira_json(issue: Issue, view: View, fields: list[str] | None) -> dict[str, Any]:
    """The `jira(fields:)` JSON: key and id at top level, then the named Jira fields."""
    names = fields if fields is not None else ["key", *ALL_FIELDS]
    out: dict[str, Any] = {}
    for name in names:
        if name == "key":
            out["key"] = issue.key
        elif name == "id":
            out["id"] = str(issue.id)
        else:
            out[name] = field_value(issue, name, view, lambda _: [])
    return out


def test_type(record: XrayTest) -> dict[str, str]:
    """A TestType object."""
    type_id, kind = TEST_TYPES[record.test_type]
    return {"id": type_id, "name": record.test_type, "kind": kind}


def test_record(state: SandboxState, issue_id: int) -> XrayTest:
    """Xray's side of a Test issue (created on first use)."""
    return state.xray.tests.setdefault(issue_id, XrayTest(issue_id))


def runs_where(state: SandboxState, **wanted: int) -> list[TestRun]:
    """Runs whose attributes equal the given ones, oldest first."""
    return [run for run in state.xray.runs.values()
            if all(getattr(run, k) == v for k, v in wanted.items())]


def status_object(status: str) -> dict[str, Any]:
    """A Status object."""
    return {"name": status, "color": STATUS_COLORS.get(status, "#A2A6AE"),
            "description": f"The test run is {status.lower()}", "coverageStatus": status,
            "final": status in ("PASSED", "FAILED", "ABORTED")}


def check_status(raw: str) -> str:
    """A Cloud run status."""
    return canonical_status(raw, cloud=True)


def _issue(info: Any, issue_id: int) -> Issue:
    return ctx(info).state.issue(issue_id)


TEST_FIELDS: dict[str, Resolver] = {
    "issueId": lambda p, info: str(p),
    "projectId": lambda p, info: catalog.PROJECT_ID,
    "jira": lambda p, info, fields=None: jira_json(_issue(info, p), ctx(info).view, fields),
    "testType": lambda p, info: test_type(test_record(ctx(info).state, p)),
    "unstructured": lambda p, info: test_record(ctx(info).state, p).unstructured,
    "gherkin": lambda p, info: test_record(ctx(info).state, p).gherkin,
    "lastModified": lambda p, info: iso_timestamp(_issue(info, p).updated),
    "folder": lambda p, info: {"name": "", "path": "/"},
    "testExecutions": lambda p, info, limit, start=None, issueIds=None: page(
        [e for e, rec in ctx(info).state.xray.executions.items() if p in rec.test_ids
         and (issueIds is None or str(e) in issueIds)], limit, start),
    "testRuns": lambda p, info, limit, start=None: page(
        runs_where(ctx(info).state, test_id=p), limit, start),
}
EXECUTION_FIELDS: dict[str, Resolver] = {
    "issueId": lambda p, info: str(p),
    "projectId": lambda p, info: catalog.PROJECT_ID,
    "jira": lambda p, info, fields=None: jira_json(_issue(info, p), ctx(info).view, fields),
    "testEnvironments": lambda p, info: list(
        ctx(info).state.xray.executions[p].environments
        if p in ctx(info).state.xray.executions else []),
    "lastModified": lambda p, info: iso_timestamp(_issue(info, p).updated),
    "tests": lambda p, info, limit, start=None, issueIds=None: page(
        [t for t in (ctx(info).state.xray.executions[p].test_ids
                     if p in ctx(info).state.xray.executions else [])
         if issueIds is None or str(t) in issueIds], limit, start),
    "testRuns": lambda p, info, limit, start=None: page(
        runs_where(ctx(info).state, execution_id=p), limit, start),
}


def _evidence(run: TestRun, info: Any) -> list[dict[str, Any]]:
    base = ctx(info).view.base
    return [{"id": str(e.id), "filename": e.filename, "storedInJira": False, "size": len(e.content),
             "downloadLink": f"{base}/api/v2/attachments/{e.id}",
             "createdOn": iso_timestamp(e.created)} for e in run.evidence]


def _when(value: float | None) -> str | None:
    return None if value is None else iso_timestamp(value)


RUN_FIELDS: dict[str, Resolver] = {
    "id": lambda r, info: r.cloud_id,
    "status": lambda r, info: status_object(r.status),
    "comment": lambda r, info: r.comment or None,
    "startedOn": lambda r, info: _when(r.started),
    "finishedOn": lambda r, info: _when(r.finished),
    "defects": lambda r, info: [str(d) for d in r.defect_ids],
    "evidence": _evidence,
    "executedById": lambda r, info: catalog.ACCOUNT_ID if r.status != "TODO" else None,
    "assigneeId": lambda r, info: None,
    "lastModified": lambda r, info: iso_timestamp(r.updated),
    "test": lambda r, info: r.test_id,
    "testExecution": lambda r, info: r.execution_id,
    "testType": lambda r, info: test_type(test_record(ctx(info).state, r.test_id)),
    "unstructured": lambda r, info: test_record(ctx(info).state, r.test_id).unstructured,
    "gherkin": lambda r, info: test_record(ctx(info).state, r.test_id).gherkin,
}
TYPE_RESOLVERS = {"Test": TEST_FIELDS, "TestExecution": EXECUTION_FIELDS, "TestRun": RUN_FIELDS}
