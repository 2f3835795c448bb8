"""Create metadata: what a client reads before creating an issue.

`issue/createmeta/{project}/issuetypes[/{typeId}]` pages the project's issue types and a
type's create-screen fields (Cloud: `issueTypes` / `fields`; Data Center 8.4+: `values` with
`isLast`); the older `issue/createmeta` (deprecated on Cloud, removed in Jira 9) answers every
project with its types, filtered by `projectKeys`/`projectIds`/`issuetypeIds`/
`issuetypeNames`, the fields only with `expand=projects.issuetypes.fields`. These routes come
before `issue/{idOrKey}`, so `createmeta` is never read as an issue key.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import catalog
from sandbox.errors import ApiError, BadRequest, NotFound
from sandbox.field_meta import field_metadata
from sandbox.http_util import int_param, jira_json
from sandbox.jira_render import View
from sandbox.runtime import view_of


def _missing(view: View, message: str) -> ApiError:
    """An unknown project or type: 400 on Cloud (its document says so), 404 on Data Center."""
    return BadRequest(message) if view.deployment == "cloud" else NotFound(message)


def _project(view: View, wanted: str) -> catalog.Project:
    found = view.project(wanted)
    if found is None:
        raise _missing(view, f"No project could be found with key '{wanted}'.")
    return found


def _page(request: Request, view: View, items: list[Any], cloud_key: str) -> dict[str, Any]:
    """A page of items: Cloud names the list `cloud_key`, Data Center `values` with isLast."""
    start = int_param(request, "startAt", 0)
    size = int_param(request, "maxResults", 50, highest=200)
    page = items[start: start + size]
    body: dict[str, Any] = {"maxResults": size, "startAt": start, "total": len(items)}
    if view.deployment == "cloud":
        body[cloud_key] = page
    else:
        body["isLast"] = start + size >= len(items)
        body["values"] = page
    return body


async def issue_types(request: Request) -> Response:
    """GET issue/createmeta/{projectIdOrKey}/issuetypes."""
    view = view_of(request)
    project = _project(view, request.path_params["project"])
    kinds = [catalog.render_issue_type(k, view.base, view.api, view.deployment)
             for k in catalog.ISSUE_TYPES if project.allows(k)]
    return jira_json(_page(request, view, kinds, "issueTypes"))


async def issue_type_fields(request: Request) -> Response:
    """GET issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}."""
    view = view_of(request)
    project = _project(view, request.path_params["project"])
    wanted = request.path_params["type"]
    kind = catalog.issue_type_by(wanted)
    if kind is None or kind.id != wanted or not project.allows(kind):
        raise _missing(view, f"Issue type with id '{wanted}' does not exist in project "
                             f"'{project.key}'.")
    fields = [{**meta, "fieldId": field_id} for field_id, meta in
              field_metadata(view, project, kind, creating=True).items()]
    return jira_json(_page(request, view, fields, "fields"))


def _wanted(request: Request, name: str) -> set[str]:
    """A filter given as repeated parameters or a comma-separated list."""
    return {part for value in request.query_params.getlist(name)
            for part in value.split(",") if part}


async def create_meta(request: Request) -> Response:
    """GET issue/createmeta: projects and their issue types, filtered; fields on expand."""
    view = view_of(request)
    projects_wanted = _wanted(request, "projectKeys") | _wanted(request, "projectIds")
    types_wanted = _wanted(request, "issuetypeIds") | _wanted(request, "issuetypeNames")
    with_fields = "projects.issuetypes.fields" in request.query_params.get("expand", "")
    listed = []
    for project in view.projects:
        if projects_wanted and not projects_wanted & {project.key, project.id}:
            continue
        kinds = [k for k in catalog.ISSUE_TYPES if project.allows(k)
                 and (not types_wanted or types_wanted & {k.id, k.name})]
        ref = catalog.render_project_ref(project, view.base, view.api)
        ref.pop("projectTypeKey")  # not part of the create metadata's project
        listed.append({**ref, "expand": "issuetypes",
                       "issuetypes": [_create_type(view, project, k, with_fields)
                                      for k in kinds]})
    return jira_json({"expand": "projects", "projects": listed})


def _create_type(view: View, project: catalog.Project, kind: catalog.IssueType,
                 with_fields: bool) -> dict[str, Any]:
    body = catalog.render_issue_type(kind, view.base, view.api, view.deployment)
    body["expand"] = "fields"
    if with_fields:
        body["fields"] = field_metadata(view, project, kind, creating=True)
    return body


def routes(prefix: str) -> list[Route]:
    """The create-metadata routes (to be placed before `issue/{idOrKey}`)."""
    meta = f"{prefix}/issue/createmeta"
    return [
        Route(meta, create_meta, methods=["GET"]),
        Route(f"{meta}/{{project}}/issuetypes", issue_types, methods=["GET"]),
        Route(f"{meta}/{{project}}/issuetypes/{{type}}", issue_type_fields, methods=["GET"]),
    ]
