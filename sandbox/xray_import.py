"""Xray JSON import (Cloud `/api/v2/import/execution`, DC `/rest/raven/2.0/import/execution`).

The whole document is checked first, then applied: a refused import changes nothing.
Semantics: `testExecutionKey` names an existing execution (else one is created from `info`,
or, in a multipart import, from the `info` part: `sandbox.xray_import_new`); `info.summary`
renames it, `testEnvironments` replace its environments; each test (by `testKey`, or by
`testInfo`, matched or made) is added to the execution if absent; status, comment, start and
finish replace the run's; evidence and defects are added.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.adf import text_to_adf
from sandbox.errors import BadRequest, NotFound
from sandbox.jira_render import View
from sandbox.model import Issue
from sandbox.state import SandboxState
from sandbox.timefmt import parse_timestamp
from sandbox.xray_import_new import NewTest, check_test_info, resolve_test
from sandbox.xray_model import Evidence, TestRun, XrayExecution

DC_TO_CLOUD = {"PASS": "PASSED", "FAIL": "FAILED"}
CLOUD_TO_DC = {v: k for k, v in DC_TO_CLOUD.items()}
CLOUD_STATUSES = ("TODO", "EXECUTING", "PASSED", "FAILED", "ABORTED")
DC_STATUSES = ("TODO", "EXECUTING", "PASS", "FAIL", "ABORTED")
BEGIN, END, ENVIRONMENTS = "customfield_10203", "customfield_10204", "customfield_10202"


@dataclass
class TestResult:
    """One checked entry of `tests`."""

    __test__ = False  # not a pytest class

    test: Issue | None  # None: named by `made` (testInfo), matched or made when applied
    status: str
    comment: str | None
    start: float | None
    finish: float | None
    evidence: list[tuple[str, str, bytes]] = field(default_factory=list)
    defects: list[Issue] = field(default_factory=list)
    made: NewTest | None = None


def canonical_status(raw: Any, cloud: bool) -> str:
    """A run status in the sandbox's (Cloud) vocabulary, refusing the other deployment's."""
    allowed = CLOUD_STATUSES if cloud else DC_STATUSES
    if raw not in allowed:
        raise BadRequest(f"Status '{raw}' is not valid; use one of {', '.join(allowed)}.")
    return DC_TO_CLOUD.get(str(raw), str(raw))


def shown_status(status: str, cloud: bool) -> str:
    """A run status in the deployment's vocabulary."""
    return status if cloud else CLOUD_TO_DC.get(status, status)


def _when(raw: Any, name: str) -> float | None:
    if raw is None:
        return None
    try:
        return parse_timestamp(str(raw))
    except ValueError:
        raise BadRequest(f"'{name}' is not an ISO 8601 date: {raw}") from None


def check_evidence(items: Any) -> list[tuple[str, str, bytes]]:
    """Evidence entries `{data (base64), filename, contentType}`."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise BadRequest("'evidence' must be a list.")
    out = []
    for item in items:
        if not isinstance(item, dict) or not item.get("filename") or "data" not in item:
            raise BadRequest("Each evidence needs 'data' and 'filename'.")
        try:
            content = base64.b64decode(str(item["data"]), validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest(f"Evidence '{item['filename']}' is not valid base64.") from None
        out.append((str(item["filename"]), str(item.get("contentType")
                                               or "application/octet-stream"), content))
    return out


def _issue_of_type(state: SandboxState, key: Any, kind: str) -> Issue:
    try:
        issue = state.issue(str(key))
    except NotFound:
        raise BadRequest(f"Issue with key {key} was not found.") from None
    if issue.type_name != kind:
        raise BadRequest(f"Issue with key {key} is not a {kind}.")
    return issue


def evidence_of(state: SandboxState, raw: dict[str, Any], cloud: bool) -> Any:
    """A test's files: `evidence` (Cloud, current Server; `evidences` accepted too), or only
    `evidences` on a legacy Xray Server, which does not know the newer key."""
    if not cloud and state.options.xray_server_version == "legacy":
        return raw.get("evidences")
    return raw.get("evidence", raw.get("evidences"))


def check_test(state: SandboxState, raw: Any, cloud: bool, view: View | None) -> TestResult:
    """One `tests` entry, checked."""
    if not isinstance(raw, dict) or not (raw.get("testKey") or raw.get("testInfo")):
        raise BadRequest("Each test needs a 'testKey' or a 'testInfo'.")
    made = None
    if not raw.get("testKey"):
        if view is None:
            raise BadRequest("'testInfo' cannot be used here.")
        made = check_test_info(raw["testInfo"], view)
    defects = raw.get("defects") or []
    if not isinstance(defects, list):
        raise BadRequest("'defects' must be a list of issue keys.")
    comment = raw.get("comment")
    return TestResult(
        test=_issue_of_type(state, raw["testKey"], "Test") if made is None else None,
        made=made,
        status=canonical_status(raw.get("status"), cloud),
        comment=None if comment is None else str(comment),
        start=_when(raw.get("start"), "start"), finish=_when(raw.get("finish"), "finish"),
        evidence=check_evidence(evidence_of(state, raw, cloud)),
        defects=[_issue_of(state, key) for key in defects],
    )


def _issue_of(state: SandboxState, key: Any) -> Issue:
    try:
        return state.issue(str(key))
    except NotFound:
        raise BadRequest(f"Issue with key {key} was not found.") from None


Create = Callable[[SandboxState], Issue]


@dataclass
class Imported:
    """What an import touched: the Test Execution and the Tests of its entries."""

    execution: Issue
    tests: list[Issue]


async def slow_import(state: SandboxState, document: Any, cloud: bool,
                      view: View | None = None, create: Create | None = None) -> Imported:
    """`import_execution` after the options' `import_delay_ms`, the body already read: a
    client whose timeout is shorter gets no answer, and the import lands all the same."""
    delay = state.options.import_delay_ms
    if delay > 0:
        await asyncio.sleep(delay / 1000)
    return import_execution(state, document, cloud, view, create)


def import_execution(state: SandboxState, document: Any, cloud: bool,
                     view: View | None = None, create: Create | None = None) -> Imported:
    """Applies an Xray JSON document: into `testExecutionKey`'s execution, else into the one
    `create` makes (a multipart import), else into a new one made from `info`."""
    if not isinstance(document, dict):
        raise BadRequest("The Xray JSON must be an object.")
    info = document.get("info") or {}
    tests_raw = document.get("tests") or []
    if not isinstance(info, dict) or not isinstance(tests_raw, list):
        raise BadRequest("'info' must be an object and 'tests' a list.")
    environments = info.get("testEnvironments")
    if environments is not None and (not isinstance(environments, list)
                                     or not all(isinstance(e, str) for e in environments)):
        raise BadRequest("'testEnvironments' must be a list of strings.")
    with state.lock:
        execution = (_issue_of_type(state, document["testExecutionKey"], "Test Execution")
                     if document.get("testExecutionKey") else None)
        results = [check_test(state, raw, cloud, view) for raw in tests_raw]
        begin, end = _when(info.get("startDate"), "startDate"), _when(info.get("finishDate"),
                                                                        "finishDate")
        if execution is None and create is not None:
            execution = create(state)
        elif execution is None:
            summary = str(info.get("summary") or "Execution results")
            execution = state.add_issue("Test Execution", summary)
        _apply_info(state, execution, info, environments, begin, end)
        tests = [_apply_result(state, execution, result) for result in results]
        state.touch(execution)
        return Imported(execution, tests)


def _apply_info(state: SandboxState, execution: Issue, info: dict[str, Any],
                environments: list[str] | None, begin: float | None, end: float | None,
                ) -> None:
    if info.get("summary"):
        execution.summary = str(info["summary"])
    if info.get("description"):
        execution.description = text_to_adf(str(info["description"]))
    record = state.xray.executions.setdefault(execution.id, XrayExecution(execution.id))
    if environments is not None:
        record.environments = list(dict.fromkeys(environments))
        execution.custom[ENVIRONMENTS] = list(record.environments)
    if begin is not None:
        execution.custom[BEGIN] = str(info["startDate"])
    if end is not None:
        execution.custom[END] = str(info["finishDate"])


def _apply_result(state: SandboxState, execution: Issue, result: TestResult) -> Issue:
    now = state.now()
    test = result.test
    if test is None:
        assert result.made is not None
        test = resolve_test(state, result.made)
    state.xray.add_tests(execution.id, [test.id], now)
    run = state.xray.run_of(execution.id, test.id)
    assert run is not None
    apply_run_changes(state, run, status=result.status, comment=result.comment,
                      started=result.start, finished=result.finish)
    for filename, mime, content in result.evidence:
        run.evidence.append(Evidence(state.child_id(), filename, mime, content, now))
    for defect in result.defects:
        if defect.id not in run.defect_ids:
            run.defect_ids.append(defect.id)
    return test


def apply_run_changes(state: SandboxState, run: TestRun, *, status: str | None = None,
                      comment: str | None = None, started: float | None = None,
                      finished: float | None = None) -> None:
    """Replaces what is given of a run, stamping its modification time."""
    if status is not None:
        run.status = status
        if status == "EXECUTING" and run.started is None and started is None:
            run.started = state.now()
    if comment is not None:
        run.comment = comment
    if started is not None:
        run.started = started
    if finished is not None:
        run.finished = finished
    run.updated = state.now()


def find_evidence(state: SandboxState, evidence_id: object) -> Evidence:
    """The evidence file of any test run with this id, for the download routes."""
    with state.lock:
        for run in state.xray.runs.values():
            for item in run.evidence:
                if item.id == evidence_id:
                    return item
    raise NotFound(f"Attachment {evidence_id} not found.")
