"""Jira's metadata: serverInfo, myself, field, project, issuetype, issueLinkType, priority."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import catalog
from sandbox.errors import NotFound
from sandbox.http_util import jira_json
from sandbox.jira_render import LINK_TYPES, View
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
    missing = runtime_of(request).options.missing_fields
    return jira_json([f for f in catalog.render_fields(view.base, view.deployment)
                      if f["name"] not in missing])


async def project(request: Request) -> Response:
    """GET project/{projectIdOrKey}."""
    view = view_of(request)
    wanted = request.path_params["key"]
    found = view.project(wanted)
    if found is None:
        raise NotFound(f"No project could be found with key '{wanted}'.")
    body = catalog.render_project(found, view.base, view.api, view.deployment, view.email)
    missing = runtime_of(request).options.missing_issue_types
    body["issueTypes"] = [k for k in body["issueTypes"] if k["name"] not in missing]
    return jira_json(_expanded(body, found, request))


def _expanded(body: dict[str, Any], found: catalog.Project, request: Request) -> dict[str, Any]:
    """A project with the expansions asked for that the sandbox knows (projectKeys)."""
    if "projectKeys" in request.query_params.get("expand", "").split(","):
        body["projectKeys"] = [found.key]
    return body


async def projects(request: Request) -> Response:
    """GET project: every project the user sees."""
    view = view_of(request)
    listed = []
    for found in view.projects:
        body = catalog.render_project(found, view.base, view.api, view.deployment, view.email)
        for detail in ("lead", "components", "versions", "roles", "issueTypes"):
            body.pop(detail, None)
        listed.append(_expanded(body, found, request))
    return jira_json(listed)


async def issue_types(request: Request) -> Response:
    """GET issuetype."""
    view = view_of(request)
    return jira_json([catalog.render_issue_type(k, view.base, view.api, view.deployment)
                      for k in catalog.ISSUE_TYPES])


async def link_types(request: Request) -> Response:
    """GET issueLinkType."""
    view = view_of(request)
    return jira_json({"issueLinkTypes": [_link_type(type_id, view)
                                         for type_id, _, _ in LINK_TYPES.values()]})


async def priorities(request: Request) -> Response:
    """GET priority: the default scheme's priorities."""
    view = view_of(request)
    return jira_json([catalog.render_priority(p, view.base, view.api, full=True)
                      for p in catalog.PRIORITIES])


async def priority(request: Request) -> Response:
    """GET priority/{id}."""
    view = view_of(request)
    wanted = request.path_params["id"]
    for found in catalog.PRIORITIES:
        if found.id == wanted:
            return jira_json(catalog.render_priority(found, view.base, view.api, full=True))
    raise NotFound(f"The priority with ID {wanted} doesn't exist.")


def _link_type(type_id: str, view: View) -> dict[str, Any] | None:
    for name, (found_id, inward, outward) in LINK_TYPES.items():
        if found_id == type_id:
            return {"id": found_id, "name": name, "inward": inward, "outward": outward,
                    "self": f"{view.base}{view.api}/issueLinkType/{found_id}"}
    return None


async def link_type(request: Request) -> Response:
    """GET issueLinkType/{id}."""
    view = view_of(request)
    wanted = request.path_params["id"]
    found = _link_type(wanted, view)
    if found is None:
        raise NotFound(f"No issue link type with id '{wanted}' exists.")
    return jira_json(found)


async def application_links(request: Request) -> Response:
    """GET /rest/applinks/{version}/listApplicationlinks: a fresh Jira has none."""
    view_of(request, version=2)
    return jira_json([])


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
        Route(f"{prefix}/issueLinkType/{{id}}", link_type, methods=["GET"]),
        Route(f"{prefix}/priority", priorities, methods=["GET"]),
        Route(f"{prefix}/priority/{{id}}", priority, methods=["GET"]),
        Route("/rest/applinks/{applinks_version}/listApplicationlinks", application_links,
              methods=["GET"]),
    ]
