"""Assembles the sandbox's ASGI app for one deployment: routes, error handling, the gate."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sandbox import (
    control,
    jira_comments,
    jira_createmeta,
    jira_issues,
    jira_lists,
    jira_meta,
    jira_parts,
    jira_permissions,
    jira_refs,
    jira_search,
    jira_users,
    raven_routes,
    raven_settings,
    webhook_routes,
    xray_cloud_routes,
)
from sandbox.errors import ApiError
from sandbox.gate import ASGIApp, Gate
from sandbox.http_util import jira_json
from sandbox.options import Deployment
from sandbox.runtime import Runtime

JIRA_PREFIX = "/rest/api/{version}"


def jira_routes(cloud: bool) -> list[BaseRoute]:
    """Jira REST routes; the version (2, 3, latest) is checked per request."""
    return [
        # before `{id}` routes: `project/search`, `priority/search`... are not ids
        *jira_lists.routes(JIRA_PREFIX),
        *jira_meta.routes(JIRA_PREFIX), *jira_permissions.routes(JIRA_PREFIX),
        *jira_search.routes(JIRA_PREFIX, cloud),
        # before issue/{idOrKey}: `createmeta` is not an issue key
        *jira_createmeta.routes(JIRA_PREFIX),
        *jira_issues.routes(JIRA_PREFIX), *jira_parts.routes(JIRA_PREFIX),
        *jira_comments.routes(JIRA_PREFIX), *jira_users.routes(JIRA_PREFIX),
        *jira_refs.routes(JIRA_PREFIX),
        *jira_parts.CONTENT_ROUTES,
    ]


def product_routes(runtime: Runtime) -> list[BaseRoute]:
    """Every route of the runtime's deployment."""
    return deployment_routes(runtime.deployment)


def deployment_routes(deployment: Deployment) -> list[BaseRoute]:
    """Every route a deployment serves (what `scripts/sandbox_coverage.py` counts)."""
    cloud = deployment == "cloud"
    routes: list[BaseRoute] = [*control.ROUTES, *jira_routes(cloud), *webhook_routes.ROUTES]
    routes.extend(xray_cloud_routes.ROUTES if cloud
                  else [*raven_routes.ROUTES, *raven_settings.ROUTES])
    return routes


async def api_error(request: Request, exc: Exception) -> Response:
    """An ApiError as its status and body (Xray Cloud's shape on /api/ paths)."""
    assert isinstance(exc, ApiError)
    if request.url.path.startswith("/api/"):
        answer = jira_json({"error": "; ".join(exc.messages) or str(exc.errors)}, exc.status)
    else:
        answer = jira_json(exc.body(), exc.status)
    for name, value in exc.headers:
        answer.headers[name.decode()] = value.decode()
    return answer


async def http_error(request: Request, exc: Exception) -> Response:
    """Routing's refusals in Jira's shape: an unknown path is Jira's 404 (`null for uri`); a
    method the sandbox does not serve on a path it knows is 501, naming what is missing."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return jira_json({"errorMessages": ["null for uri: " + str(request.url)],
                          "errors": {}}, 404)
    if exc.status_code == 405:
        missing = f"{request.method} {request.url.path}"
        return jira_json({"errorMessages": [f"The sandbox does not serve {missing} "
                                            "(docs/sandbox.md lists what it serves)."],
                          "errors": {}}, 501)
    return jira_json({"errorMessages": [exc.detail], "errors": {}}, exc.status_code)


def build_app(runtime: Runtime) -> ASGIApp:
    """The full ASGI app: the gate in front of the routed Starlette app."""
    routes = product_routes(runtime)
    app = Starlette(routes=routes,
                    exception_handlers={ApiError: api_error, HTTPException: http_error})
    app.state.runtime = runtime
    return Gate(app, runtime, routes)
