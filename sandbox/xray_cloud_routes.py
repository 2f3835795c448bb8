"""Xray Cloud API v2: authenticate, GraphQL, Xray JSON import (plain and multipart)."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.errors import BadRequest, Unauthorized
from sandbox.http_util import jira_json, json_body
from sandbox.runtime import runtime_of, view_of
from sandbox.xray_graphql import execute
from sandbox.xray_import import find_evidence, slow_import
from sandbox.xray_import_new import (
    check_new_execution,
    json_part,
    make_execution,
    multipart_document,
)
from sandbox.xray_types import XrayContext


async def authenticate(request: Request) -> Response:
    """POST /api/v2/authenticate: client id and secret -> a JSON string token."""
    runtime = runtime_of(request)
    body = await json_body(request)
    creds = runtime.options.credentials
    if not isinstance(body, dict) or body.get("client_id") != creds.xray_client_id \
            or body.get("client_secret") != creds.xray_client_secret:
        raise Unauthorized("Authentication failed. Invalid client credentials!")
    token = "xs." + secrets.token_urlsafe(32)
    state = runtime.state
    with state.lock:
        state.xray.tokens[token] = state.now() + runtime.options.xray_token_ttl_seconds
    return jira_json(token)


async def graphql(request: Request) -> Response:
    """POST /api/v2/graphql: `{"query", "variables", "operationName"}`."""
    runtime = runtime_of(request)
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise BadRequest("The body must be a JSON object with a 'query' string.")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("'variables' must be an object.")
    context = XrayContext(runtime.state, view_of(request, 2))
    return jira_json(execute(context, body["query"], variables, body.get("operationName")))


def _created(request: Request, issue_id: int, key: str) -> dict[str, Any]:
    return {"id": str(issue_id), "key": key,
            "self": f"{view_of(request, 2).base}/rest/api/2/issue/{issue_id}"}


async def import_json(request: Request) -> Response:
    """POST /api/v2/import/execution: Xray JSON -> `{"id", "key", "self"}`."""
    runtime = runtime_of(request)
    imported = await slow_import(runtime.state, await json_body(request), cloud=True,
                                 view=view_of(request, 2))
    return jira_json(_created(request, imported.execution.id, imported.execution.key))


async def import_multipart(request: Request) -> Response:
    """POST /api/v2/import/execution/multipart: parts `results` (Xray JSON) and `info` (the
    new Test Execution's fields) -> `{"id", "key", "self"}` of the execution only."""
    runtime = runtime_of(request)
    view = view_of(request, 2)
    async with request.form() as form:
        results = await json_part(form, "results")
        info = await json_part(form, "info")
    if results is None:
        raise BadRequest("The multipart part 'results' is required.")
    new = check_new_execution(info, view)
    imported = await slow_import(runtime.state, multipart_document(results, new), cloud=True,
                                 view=view, create=lambda state: make_execution(state, new))
    return jira_json(_created(request, imported.execution.id, imported.execution.key))


async def evidence_content(request: Request) -> Response:
    """GET /api/v2/attachments/{id}: an evidence file's bytes."""
    item = find_evidence(runtime_of(request).state, request.path_params["id"])
    return Response(item.content, media_type=item.mime_type)


ROUTES: list[BaseRoute] = [
    Route("/api/v2/authenticate", authenticate, methods=["POST"]),
    Route("/api/v2/graphql", graphql, methods=["POST"]),
    Route("/api/v2/import/execution", import_json, methods=["POST"]),
    Route("/api/v2/import/execution/multipart", import_multipart, methods=["POST"]),
    Route("/api/v2/attachments/{id:int}", evidence_content, methods=["GET"]),
]
