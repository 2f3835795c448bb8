"""Jira's metadata endpoints: serverInfo, myself, field, project, issuetype, issueLinkType."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import catalog
from sandbox.errors import NotFound
from sandbox.http_util import jira_json
from sandbox.jira_render import LINK_TYPES
from sandbox.runtime import runtime_of, view_of
from sandbox.timefmt import jira_timestamp


async def server_info(request: Request) -> Response:
    """GET serverInfo."""
    view = view_of(request)
    now = jira_timestamp(runtime_of(request).state.now())
    if view.deployment == "cloud":
        return jira_json({
            "baseUrl": view.base, "version": "1001.0.0-SNAPSHOT", "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud", "buildNumber": 100252,
            "buildDate": "2026-11-01T00:00:00.000+0000", "serverTime": now,
            "scmInfo": "0000000000000000000000000000000000000000", "serverTitle": "Jira",
            "serverTimeZone": "Etc/UTC"})
    return jira_json({
        "baseUrl": view.base, "version": "8.20.7", "versionNumbers": [8, 20, 7],
        "deploymentType": "Server", "buildNumber": 820007,
        "buildDate": "2022-03-31T00:00:00.000+0000", "databaseBuildNumber": 820007,
        "serverTime": now, "scmInfo": "0000000000000000000000000000000000000000",
        "serverTitle": "Jira"})


async def myself(request: Request) -> Response:
    """GET myself."""
    view = view_of(request)
    body = view.user()
    body["timeZone"] = runtime_of(request).options.time_zone
    body["locale"] = "en_US"
    body["groups"] = {"size": 1, "items": []}
    body["applicationRoles"] = {"size": 1, "items": []}
    body["expand"] = "groups,applicationRoles"
    if view.deployment == "datacenter":
        body["deleted"] = False
    return jira_json(body)


async def fields(request: Request) -> Response:
    """GET field."""
    view = view_of(request)
    return jira_json(catalog.render_fields(view.base, view.deployment))


async def project(request: Request) -> Response:
    """GET project/{projectIdOrKey}."""
    view = view_of(request)
    wanted = request.path_params["key"]
    if wanted not in (view.project_key, catalog.PROJECT_ID):
        raise NotFound(f"No project could be found with key '{wanted}'.")
    return jira_json(catalog.render_project(view.project_key, view.project_name, view.base,
                                            view.api, view.deployment, view.email))


async def projects(request: Request) -> Response:
    """GET project: every project the user sees."""
    view = view_of(request)
    body = catalog.render_project(view.project_key, view.project_name, view.base, view.api,
                                  view.deployment, view.email)
    for detail in ("lead", "components", "versions", "roles", "issueTypes"):
        body.pop(detail, None)
    return jira_json([body])


async def issue_types(request: Request) -> Response:
    """GET issuetype."""
    view = view_of(request)
    return jira_json([catalog.render_issue_type(k, view.base, view.api, view.deployment)
                      for k in catalog.ISSUE_TYPES])


async def link_types(request: Request) -> Response:
    """GET issueLinkType."""
    view = view_of(request)
    return jira_json({"issueLinkTypes": [
        {"id": type_id, "name": name, "inward": inward, "outward": outward,
         "self": f"{view.base}{view.api}/issueLinkType/{type_id}"}
        for name, (type_id, inward, outward) in LINK_TYPES.items()]})


def routes(prefix: str) -> list[Route]:
    """The metadata routes under a REST prefix."""
    return [
        Route(f"{prefix}/serverInfo", server_info, methods=["GET"]),
        Route(f"{prefix}/myself", myself, methods=["GET"]),
        Route(f"{prefix}/field", fields, methods=["GET"]),
        Route(f"{prefix}/project", projects, methods=["GET"]),
        Route(f"{prefix}/project/{{key}}", project, methods=["GET"]),
        Route(f"{prefix}/issuetype", issue_types, methods=["GET"]),
        Route(f"{prefix}/issueLinkType", link_types, methods=["GET"]),
    ]
