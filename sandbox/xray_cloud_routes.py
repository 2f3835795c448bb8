"""Xray Cloud API v2: authenticate, GraphQL, Xray JSON import (plain and multipart)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.errors import BadRequest, Unauthorized
from sandbox.http_util import jira_json, json_body
from sandbox.runtime import runtime_of, view_of
from sandbox.xray_graphql import execute
from sandbox.xray_import import find_evidence, slow_import
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
    execution = await slow_import(runtime.state, await json_body(request), cloud=True)
    return jira_json(_created(request, execution.id, execution.key))


async def _json_part(form: Any, name: str) -> Any:
    part = form.get(name)
    if part is None:
        return None
    raw = await part.read() if isinstance(part, UploadFile) else str(part).encode()
    try:
        return json.loads(raw)
    except ValueError:
        raise BadRequest(f"The multipart part '{name}' is not JSON.") from None


async def import_multipart(request: Request) -> Response:
    """POST /api/v2/import/execution/multipart: parts `results` (Xray JSON) and `info`."""
    runtime = runtime_of(request)
    async with request.form() as form:
        results = await _json_part(form, "results")
        info = await _json_part(form, "info")
    if results is None:
        raise BadRequest("The multipart part 'results' is required.")
    fields = (info or {}).get("fields") if isinstance(info, dict) else None
    if isinstance(results, dict) and isinstance(fields, dict) and fields.get("summary"):
        results.setdefault("info", {}).setdefault("summary", fields["summary"])
    execution = await slow_import(runtime.state, results, cloud=True,
                                 extra_fields=fields if isinstance(fields, dict) else None)
    return jira_json(_created(request, execution.id, execution.key))


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
