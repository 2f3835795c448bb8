"""Jira issue endpoints: create, read, edit, delete, and issue properties."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import catalog
from sandbox.errors import BadRequest, Forbidden, NotFound
from sandbox.field_meta import field_metadata
from sandbox.http_util import int_param, jira_json, json_body, no_content
from sandbox.jira_input import apply_changes, check_create, check_edit
from sandbox.jira_render import (
    ALL_FIELDS,
    LinkLookup,
    View,
    render_histories,
    render_issue,
    render_link,
    wanted_fields,
)
from sandbox.model import Issue
from sandbox.runtime import runtime_of, view_of
from sandbox.state import SandboxState
from sandbox.write_limit import check_issue_write


def issue_links(state: SandboxState, view: View) -> LinkLookup:
    """A lookup of an issue's links, rendered from its side."""
    def lookup(issue: Issue) -> list[dict[str, Any]]:
        out = []
        for link_id in issue.link_ids:
            link = state.links.get(link_id)
            if link is None:
                continue
            other_id = link.outward_id if link.inward_id == issue.id else link.inward_id
            other = state.issues.get(other_id)
            if other is not None:
                out.append(render_link(link, issue, other, view))
        return out
    return lookup


def check_properties(raw: Any) -> dict[str, Any]:
    """The `properties` list of a create request."""
    if raw is None:
        return {}
    if not isinstance(raw, list) or not all(isinstance(p, dict) and isinstance(p.get("key"), str)
                                            for p in raw):
        raise BadRequest(errors={"properties": "Properties must be a list of {key, value}."})
    return {p["key"]: p.get("value") for p in raw}


async def create_issue(request: Request) -> Response:
    """POST issue: 201 with id, key, self."""
    runtime, view = runtime_of(request), view_of(request)
    issue = _create_one(runtime.state, view, await json_body(request))
    return jira_json({"id": str(issue.id), "key": issue.key, "self": view.issue_self(issue.id)},
                     201)


MAX_BULK = 50


def _create_one(state: SandboxState, view: View, body: Any) -> Issue:
    made = check_create(body, view)
    properties = check_properties(body.get("properties"))
    with state.lock:
        issue = state.add_issue(made.kind.name, made.changes["summary"], made.project.key,
                                view.actor.name)
        apply_changes(issue, made.changes)
        issue.properties.update(properties)
        state.touch(issue)
    return issue


async def create_issues(request: Request) -> Response:
    """POST issue/bulk: 201 with the created issues and the failures; 400 if all failed."""
    runtime, view = runtime_of(request), view_of(request)
    body = await json_body(request)
    updates = body.get("issueUpdates") if isinstance(body, dict) else None
    if not isinstance(updates, list) or not updates:
        raise BadRequest(errors={"issueUpdates": "Give a non-empty list of issues to create."})
    if len(updates) > MAX_BULK:
        raise BadRequest(f"You can create at most {MAX_BULK} issues in one request.")
    created: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for position, update in enumerate(updates):
        try:
            issue = _create_one(runtime.state, view, update)
        except BadRequest as exc:
            failed.append({"status": 400, "elementErrors": exc.body(),
                           "failedElementNumber": position})
            continue
        created.append({"id": str(issue.id), "key": issue.key,
                        "self": view.issue_self(issue.id)})
    return jira_json({"issues": created, "errors": failed}, 201 if created else 400)


async def get_issue(request: Request) -> Response:
    """GET issue/{idOrKey} honouring fields= and expand=."""
    runtime, view = runtime_of(request), view_of(request)
    state = runtime.state
    expand = set(filter(None, request.query_params.get("expand", "").split(",")))
    with state.lock:
        issue = state.issue(request.path_params["key"])
        fields = wanted_fields(request.query_params.get("fields"), ALL_FIELDS)
        body = render_issue(issue, view, fields, issue_links(state, view), expand)
        if "editmeta" in expand:
            body["editmeta"] = edit_metadata(issue, view)
        if "properties" in request.query_params:
            wanted = request.query_params["properties"].split(",")
            body["properties"] = {k: v for k, v in issue.properties.items()
                                  if k in wanted or "*all" in wanted}
    return jira_json(body)


def edit_metadata(issue: Issue, view: View) -> dict[str, Any]:
    """What the issue's edit screen offers (GET editmeta, expand=editmeta)."""
    project = view.project(issue.project_key) or view.projects[0]
    kind = catalog.issue_type_by(issue.type_name) or catalog.ISSUE_TYPES[0]
    return {"fields": field_metadata(view, project, kind, creating=False)}


async def get_editmeta(request: Request) -> Response:
    """GET issue/{idOrKey}/editmeta."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        return jira_json(edit_metadata(state.issue(request.path_params["key"]), view))


async def edit_issue(request: Request) -> Response:
    """PUT issue/{idOrKey}: fields and update operations; 204."""
    runtime, view = runtime_of(request), view_of(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("Request body must be a JSON object.")
    state = runtime.state
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        apply_changes(issue, check_edit(body, issue, view))
        state.touch(issue)
    return no_content()


async def delete_issue(request: Request) -> Response:
    """DELETE issue/{idOrKey}: 204; only the Administrators role may (403 otherwise)."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        if not view.actor.administrator:
            raise Forbidden("You do not have permission to delete issues in this project.")
        check_issue_write(request, issue)
        state.delete_issue(issue)
    return no_content()


async def list_properties(request: Request) -> Response:
    """GET issue/{k}/properties: the keys."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        keys = [{"self": f"{view.issue_self(issue.id)}/properties/{k}", "key": k}
                for k in issue.properties]
    return jira_json({"keys": keys})


async def get_property(request: Request) -> Response:
    """GET issue/{k}/properties/{propertyKey}."""
    state = runtime_of(request).state
    view_of(request)
    name = request.path_params["prop"]
    with state.lock:
        issue = state.issue(request.path_params["key"])
        if name not in issue.properties:
            raise NotFound(f"The property with key '{name}' does not exist.")
        return jira_json({"key": name, "value": issue.properties[name]})


async def put_property(request: Request) -> Response:
    """PUT issue/{k}/properties/{propertyKey}: 201 when new, 200 when replaced."""
    state = runtime_of(request).state
    view_of(request)
    name = request.path_params["prop"]
    if not name or len(name) > 255:
        raise BadRequest("The property key must be 1 to 255 characters.")
    value = await json_body(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        existed = name in issue.properties
        issue.properties[name] = value
    return Response(status_code=200 if existed else 201)


async def delete_property(request: Request) -> Response:
    """DELETE issue/{k}/properties/{propertyKey}: 204."""
    state = runtime_of(request).state
    view_of(request)
    name = request.path_params["prop"]
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        if name not in issue.properties:
            raise NotFound(f"The property with key '{name}' does not exist.")
        del issue.properties[name]
    return no_content()


async def changelog(request: Request) -> Response:
    """GET issue/{k}/changelog (Cloud): a page of the issue's histories."""
    state, view = runtime_of(request).state, view_of(request)
    if view.deployment != "cloud":
        raise NotFound("null for uri: " + str(request.url))
    start = int_param(request, "startAt", 0)
    size = int_param(request, "maxResults", 100, lowest=1, highest=100)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        histories = render_histories(issue, view)
    page = histories[start: start + size]
    return jira_json({"self": str(request.url), "maxResults": size, "startAt": start,
                      "total": len(histories), "isLast": start + size >= len(histories),
                      "values": page})


def routes(prefix: str) -> list[Route]:
    """The issue routes under a REST prefix."""
    one = f"{prefix}/issue/{{key}}"
    return [
        Route(f"{prefix}/issue", create_issue, methods=["POST"]),
        Route(f"{prefix}/issue/bulk", create_issues, methods=["POST"]),
        Route(one, get_issue, methods=["GET"]),
        Route(one, edit_issue, methods=["PUT"]),
        Route(one, delete_issue, methods=["DELETE"]),
        Route(f"{one}/changelog", changelog, methods=["GET"]),
        Route(f"{one}/editmeta", get_editmeta, methods=["GET"]),
        Route(f"{one}/properties", list_properties, methods=["GET"]),
        Route(f"{one}/properties/{{prop}}", get_property, methods=["GET"]),
        Route(f"{one}/properties/{{prop}}", put_property, methods=["PUT"]),
        Route(f"{one}/properties/{{prop}}", delete_property, methods=["DELETE"]),
    ]
