"""Xray Server/Data Center REST (`/rest/raven/2.0`): import, test execution tests, test runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox import catalog
from sandbox.errors import BadRequest, NotFound
from sandbox.http_util import jira_json, json_body, json_list, json_object
from sandbox.model import Issue
from sandbox.runtime import base_url, runtime_of, view_of
from sandbox.state import SandboxState
from sandbox.xray_import import (
    Imported,
    apply_run_changes,
    canonical_status,
    check_evidence,
    find_evidence,
    shown_status,
    slow_import,
)
from sandbox.xray_import_new import (
    check_new_execution,
    json_part,
    make_execution,
    multipart_document,
)
from sandbox.xray_model import Evidence, TestRun
from sandbox.xray_types import STATUS_COLORS

RAVEN = "/rest/raven/2.0"
EVIDENCE = "/plugins/servlet/raven/attachment"  # where Xray Server serves evidence files


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _display(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%A %I:%M %p")


def _times(run: TestRun, version: str) -> dict[str, str | None]:
    """startedOn/finishedOn: ISO 8601, or on a legacy Xray Server display strings
    ("Friday 10:13 AM"); the ISO values are in startedOnIso/finishedOnIso either way."""
    shown = _display if version == "legacy" else _iso
    return {"startedOn": shown(run.started), "finishedOn": shown(run.finished),
            "startedOnIso": _iso(run.started), "finishedOnIso": _iso(run.finished)}


def render_run(run: TestRun, state: SandboxState, base: str) -> dict[str, Any]:
    """A test run as Xray Server's REST API returns it."""
    test, execution = state.issues[run.test_id], state.issues[run.execution_id]
    environments = state.xray.executions.get(run.execution_id)
    return {
        "id": run.number, "status": shown_status(run.status, cloud=False),
        "color": STATUS_COLORS.get(run.status, "#A2A6AE"),
        "testKey": test.key, "testExecKey": execution.key,
        "executedBy": catalog.DC_USER_NAME if run.status != "TODO" else None,
        "assignee": None, **_times(run, state.options.xray_server_version),
        "duration": None if run.started is None or run.finished is None
        else int((run.finished - run.started) * 1000),
        "comment": run.comment, "defects": [_defect(state, d) for d in run.defect_ids
                                            if d in state.issues],
        "evidences": [_evidence(e, run, base) for e in run.evidence],
        "testEnvironments": list(environments.environments) if environments else [],
        "fixVersions": [], "customFields": [], "steps": [], "examples": [],
    }


def _defect(state: SandboxState, issue_id: int) -> dict[str, Any]:
    issue = state.issues[issue_id]
    return {"id": issue.id, "key": issue.key, "summary": issue.summary, "status": issue.status}


def _evidence(item: Evidence, run: TestRun, base: str) -> dict[str, Any]:
    return {"id": item.id, "fileName": item.filename, "fileSize": f"{len(item.content)} B",
            "fileSizeBytes": len(item.content), "created": _iso(item.created),
            "author": catalog.DC_USER_NAME, "contentType": item.mime_type,
            "fileURL": f"{base}{EVIDENCE}/{item.id}/{item.filename}"}


def _run(request: Request) -> TestRun:
    state = runtime_of(request).state
    run = state.xray.run_by_id(str(request.path_params["id"]))
    if run is None:
        raise NotFound(f"Test run with id {request.path_params['id']} not found.")
    return run


def _issue(state: SandboxState, key: Any, kind: str) -> Issue:
    issue = state.issue(str(key))
    if issue.type_name != kind:
        raise BadRequest(f"Issue {key} is not a {kind}.")
    return issue


def _import_answer(request: Request, imported: Imported) -> Response:
    """`{"testExecIssue": {...}, "testIssues": {"success": [...]}}` as Xray Server answers."""
    def ref(issue: Issue) -> dict[str, str]:
        return {"id": str(issue.id), "key": issue.key,
                "self": f"{base_url(request)}/rest/api/2/issue/{issue.id}"}
    return jira_json({"testExecIssue": ref(imported.execution),
                      "testIssues": {"success": [ref(t) for t in imported.tests]}})


async def import_json(request: Request) -> Response:
    """POST import/execution: Xray JSON into an existing or a new execution."""
    state = runtime_of(request).state
    imported = await slow_import(state, await json_body(request), cloud=False,
                                 view=view_of(request, 2))
    return _import_answer(request, imported)


async def import_multipart(request: Request) -> Response:
    """POST import/execution/multipart: parts `result` (Xray JSON) and `info` (the new
    Test Execution's fields, the environments in their custom field)."""
    state, view = runtime_of(request).state, view_of(request, 2)
    async with request.form() as form:
        results = await json_part(form, "result")
        info = await json_part(form, "info")
    if results is None:
        raise BadRequest("The multipart part 'result' is required.")
    new = check_new_execution(info, view)
    imported = await slow_import(state, multipart_document(results, new), cloud=False,
                                 view=view, create=lambda st: make_execution(st, new))
    return _import_answer(request, imported)


async def exec_tests(request: Request) -> Response:
    """GET api/testexec/{key}/test: the tests with their run ids and statuses."""
    state = runtime_of(request).state
    with state.lock:
        execution = _issue(state, request.path_params["key"], "Test Execution")
        record = state.xray.executions.get(execution.id)
        out = []
        for rank, test_id in enumerate(record.test_ids if record else [], start=1):
            run = state.xray.run_of(execution.id, test_id)
            assert run is not None
            out.append({"id": run.number, "status": shown_status(run.status, cloud=False),
                        "key": state.issues[test_id].key, "rank": rank})
    return jira_json(out)


async def change_exec_tests(request: Request) -> Response:
    """POST api/testexec/{key}/test: `{"add": [keys], "remove": [keys]}`."""
    state = runtime_of(request).state
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The body must be {\"add\": [...], \"remove\": [...]}.")
    with state.lock:
        execution = _issue(state, request.path_params["key"], "Test Execution")
        adding = [_issue(state, key, "Test").id for key in json_list(body.get("add"), "add")]
        removing = [_issue(state, key, "Test").id
                    for key in json_list(body.get("remove"), "remove")]
        state.xray.add_tests(execution.id, adding, state.now())
        for test_id in removing:
            state.xray.remove_run(execution.id, test_id)
        state.touch(execution)
    return jira_json([])


async def find_run(request: Request) -> Response:
    """GET api/testrun?testExecIssueKey=&testIssueKey=."""
    state = runtime_of(request).state
    params = request.query_params
    if not params.get("testExecIssueKey") or not params.get("testIssueKey"):
        raise BadRequest("testExecIssueKey and testIssueKey are required.")
    with state.lock:
        execution = _issue(state, params["testExecIssueKey"], "Test Execution")
        test = _issue(state, params["testIssueKey"], "Test")
        run = state.xray.run_of(execution.id, test.id)
        if run is None:
            raise NotFound(f"No test run of {test.key} in {execution.key}.")
        return jira_json(render_run(run, state, base_url(request)))


async def list_runs(request: Request) -> Response:
    """GET api/testruns?testExecKey=|testKey=: test runs, paged with page/limit."""
    state = runtime_of(request).state
    params = request.query_params
    with state.lock:
        runs = list(state.xray.runs.values())
        if params.get("testExecKey"):
            execution = _issue(state, params["testExecKey"], "Test Execution")
            runs = [r for r in runs if r.execution_id == execution.id]
        if params.get("testKey"):
            test = _issue(state, params["testKey"], "Test")
            runs = [r for r in runs if r.test_id == test.id]
        limit = int(params.get("limit") or 100)
        page = max(1, int(params.get("page") or 1))
        chosen = runs[(page - 1) * limit: page * limit]
        return jira_json([render_run(r, state, base_url(request)) for r in chosen])


async def get_run(request: Request) -> Response:
    """GET api/testrun/{id}."""
    state = runtime_of(request).state
    with state.lock:
        return jira_json(render_run(_run(request), state, base_url(request)))


async def put_run(request: Request) -> Response:
    """PUT api/testrun/{id}: status, comment, defects add/remove, evidences add/remove."""
    state = runtime_of(request).state
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    with state.lock:
        run = _run(request)
        status = canonical_status(body["status"], cloud=False) if "status" in body else None
        defects = json_object(body.get("defects"), "defects")
        evidences = json_object(body.get("evidences"), "evidences")
        adding = [state.issue(str(k)).id for k in json_list(defects.get("add"), "defects.add")]
        removing = {state.issue(str(k)).id
                    for k in json_list(defects.get("remove"), "defects.remove")}
        gone_files = json_list(evidences.get("remove"), "evidences.remove")
        new_files = check_evidence(evidences.get("add"))
        comment = body.get("comment")
        apply_run_changes(state, run, status=status,
                          comment=None if comment is None else str(comment))
        run.defect_ids = [d for d in run.defect_ids if d not in removing]
        run.defect_ids += [d for d in adding if d not in run.defect_ids]
        run.evidence = [e for e in run.evidence if e.filename not in gone_files]
        for filename, mime, content in new_files:
            run.evidence.append(Evidence(state.child_id(), filename, mime, content, state.now()))
    return jira_json({})


async def get_status(request: Request) -> Response:
    """GET api/testrun/{id}/status."""
    state = runtime_of(request).state
    with state.lock:
        return jira_json(shown_status(_run(request).status, cloud=False))


async def put_status(request: Request) -> Response:
    """PUT api/testrun/{id}/status?status=."""
    state = runtime_of(request).state
    with state.lock:
        run = _run(request)
        apply_run_changes(state, run, status=canonical_status(
            request.query_params.get("status"), cloud=False))
    return Response(status_code=200)


async def get_comment(request: Request) -> Response:
    """GET api/testrun/{id}/comment: the raw comment."""
    state = runtime_of(request).state
    with state.lock:
        return PlainTextResponse(_run(request).comment)


async def put_comment(request: Request) -> Response:
    """PUT api/testrun/{id}/comment: the raw body becomes the comment."""
    state = runtime_of(request).state
    text = (await request.body()).decode("utf-8", errors="replace")
    with state.lock:
        apply_run_changes(state, _run(request), comment=text)
    return Response(status_code=200)


async def get_attachments(request: Request) -> Response:
    """GET api/testrun/{id}/attachment."""
    state = runtime_of(request).state
    with state.lock:
        run = _run(request)
        return jira_json([_evidence(e, run, base_url(request)) for e in run.evidence])


async def add_attachment(request: Request) -> Response:
    """POST api/testrun/{id}/attachment: `{data, filename, contentType}` or a list of them."""
    state = runtime_of(request).state
    body = await json_body(request)
    files = check_evidence(body if isinstance(body, list) else [body])
    with state.lock:
        run = _run(request)
        added = []
        for filename, mime, content in files:
            item = Evidence(state.child_id(), filename, mime, content, state.now())
            run.evidence.append(item)
            added.append(_evidence(item, run, base_url(request)))
        apply_run_changes(state, run)
    return jira_json(added)


async def get_defects(request: Request) -> Response:
    """GET api/testrun/{id}/defect."""
    state = runtime_of(request).state
    with state.lock:
        return jira_json([_defect(state, d) for d in _run(request).defect_ids
                          if d in state.issues])


async def add_defects(request: Request) -> Response:
    """POST api/testrun/{id}/defect: a list of issue keys."""
    state = runtime_of(request).state
    body = await json_body(request)
    if not isinstance(body, list):
        raise BadRequest("The body must be a list of issue keys.")
    with state.lock:
        run = _run(request)
        ids = [state.issue(str(key)).id for key in body]
        run.defect_ids += [d for d in dict.fromkeys(ids) if d not in run.defect_ids]
        apply_run_changes(state, run)
    return jira_json([])


async def evidence_content(request: Request) -> Response:
    """GET /plugins/servlet/raven/attachment/{id}/{filename}: an evidence file's bytes."""
    item = find_evidence(runtime_of(request).state, request.path_params["id"])
    return Response(item.content, media_type=item.mime_type)


ROUTES: list[BaseRoute] = [
    Route(f"{EVIDENCE}/{{id:int}}/{{filename}}", evidence_content, methods=["GET"]),
    Route(f"{RAVEN}/import/execution", import_json, methods=["POST"]),
    Route(f"{RAVEN}/import/execution/multipart", import_multipart, methods=["POST"]),
    Route(f"{RAVEN}/api/testexec/{{key}}/test", exec_tests, methods=["GET"]),
    Route(f"{RAVEN}/api/testexec/{{key}}/test", change_exec_tests, methods=["POST"]),
    Route(f"{RAVEN}/api/testrun", find_run, methods=["GET"]),
    Route(f"{RAVEN}/api/testruns", list_runs, methods=["GET"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}", get_run, methods=["GET"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}", put_run, methods=["PUT"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}/status", get_status, methods=["GET"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}/status", put_status, methods=["PUT"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}/comment", get_comment, methods=["GET"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}/comment", put_comment, methods=["PUT"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}/attachment", get_attachments, methods=["GET"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}/attachment", add_attachment, methods=["POST"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}/defect", get_defects, methods=["GET"]),
    Route(f"{RAVEN}/api/testrun/{{id:int}}/defect", add_defects, methods=["POST"]),
]

