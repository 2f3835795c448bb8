"""Jira's webhook registration REST resource: `/rest/webhooks/1.0/webhook`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.errors import NotFound
from sandbox.http_util import jira_json, json_body, no_content
from sandbox.runtime import base_url, runtime_of

PREFIX = "/rest/webhooks/1.0/webhook"


async def register(request: Request) -> Response:
    """POST: registers a webhook; 201 with it."""
    runtime = runtime_of(request)
    made = runtime.webhooks.register(await json_body(request))
    return jira_json(made.as_json(base_url(request)), 201)


async def list_all(request: Request) -> Response:
    """GET: every registration."""
    state = runtime_of(request).state
    with state.lock:
        return jira_json([r.as_json(base_url(request)) for r in state.webhooks.values()])


async def get_one(request: Request) -> Response:
    """GET {id}."""
    state = runtime_of(request).state
    with state.lock:
        found = state.webhooks.get(request.path_params["id"])
        if found is None:
            raise NotFound(f"No webhook with id {request.path_params['id']}.")
        return jira_json(found.as_json(base_url(request)))


async def delete_one(request: Request) -> Response:
    """DELETE {id}: 204."""
    state = runtime_of(request).state
    with state.lock:
        if state.webhooks.pop(request.path_params["id"], None) is None:
            raise NotFound(f"No webhook with id {request.path_params['id']}.")
    return no_content()


ROUTES: list[BaseRoute] = [
    Route(PREFIX, register, methods=["POST"]),
    Route(PREFIX, list_all, methods=["GET"]),
    Route(f"{PREFIX}/{{id:int}}", get_one, methods=["GET"]),
    Route(f"{PREFIX}/{{id:int}}", delete_one, methods=["DELETE"]),
]
