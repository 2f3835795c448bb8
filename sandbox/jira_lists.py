"""The paged and bulk siblings of resources the sandbox serves: comments by id, priority and
resolution searches, a project's issue types, project search, user lists and bulk reads,
user searches by project(s) or issue, the user's locale, Cloud's approximate search count.

Pages are Jira's `PageBean`: `self`, `startAt`, `maxResults`, `total`, `isLast`, `values`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import catalog, jql
from sandbox.errors import BadRequest, NotFound
from sandbox.http_util import int_param, jira_json, json_body, json_list, json_object
from sandbox.jira_render import render_comment, visible_comments
from sandbox.jira_users import search_users
from sandbox.runtime import runtime_of, view_of
from sandbox.users import USERS, user_named


def page(request: Request, items: list[Any], default_size: int = 50) -> dict[str, Any]:
    """A PageBean of `items` for the request's startAt and maxResults."""
    start = int_param(request, "startAt", 0)
    size = int_param(request, "maxResults", default_size, lowest=1, highest=1000)
    return {"self": str(request.url), "maxResults": size, "startAt": start,
            "total": len(items), "isLast": start + size >= len(items),
            "values": items[start: start + size]}


async def comments_by_id(request: Request) -> Response:
    """POST comment/list: {"ids": [...]} -> the comments (the asker may see) with those ids."""
    state, view = runtime_of(request).state, view_of(request)
    wanted = {str(i) for i in json_list(json_object(await json_body(request), "body",
                                                   required=True).get("ids"), "ids")}
    if not wanted:
        raise BadRequest(errors={"ids": "Give the ids of the comments."})
    rendered = "renderedBody" in request.query_params.get("expand", "")
    with state.lock:
        found = [render_comment(c, issue, view, rendered) for issue in state.issues.values()
                 for c in visible_comments(issue, view) if str(c.id) in wanted]
    return jira_json(page(request, found, 1000))


async def priority_search(request: Request) -> Response:
    """GET priority/search: the priorities, filtered by id, priorityName or onlyDefault."""
    view = view_of(request)
    params = request.query_params
    ids = set(params.getlist("id"))
    chosen = [p for p in catalog.PRIORITIES
              if (not ids or p.id in ids)
              and params.get("priorityName", "").lower() in p.name.lower()
              and (params.get("onlyDefault") != "true" or p.id == catalog.DEFAULT_PRIORITY)]
    items = [{**catalog.render_priority(p, view.base, view.api, full=True),
              "isDefault": p.id == catalog.DEFAULT_PRIORITY} for p in chosen]
    return jira_json(page(request, items))


async def resolution_search(request: Request) -> Response:
    """GET resolution/search: the resolutions, filtered by id."""
    view = view_of(request)
    ids = set(request.query_params.getlist("id"))
    items = [{**catalog.render_resolution(r, view.base, view.api, view.deployment),
              "default": False} for r in catalog.RESOLUTIONS if not ids or r.id in ids]
    return jira_json(page(request, items))


async def project_issue_types(request: Request) -> Response:
    """GET issuetype/project?projectId=: the project's issue types."""
    view = view_of(request)
    wanted = request.query_params.get("projectId")
    if not wanted:
        raise BadRequest("The projectId parameter is required.")
    project = view.project(wanted)
    if project is None:
        raise NotFound(f"No project could be found with id '{wanted}'.")
    return jira_json([catalog.render_issue_type(k, view.base, view.api, view.deployment)
                      for k in catalog.ISSUE_TYPES if project.allows(k)])


async def project_search(request: Request) -> Response:
    """GET project/search: the projects, filtered by keys/id and `query` (key or name)."""
    view = view_of(request)
    params = request.query_params
    keys = set(params.getlist("keys")) | set(params.getlist("id"))
    words = params.get("query", "").lower()
    items = []
    for project in view.projects:
        if (keys and not keys & {project.key, project.id}) or not (
                words in project.key.lower() or words in project.name.lower()):
            continue
        body = catalog.render_project(project, view.base, view.api, view.deployment,
                                      view.email)
        items.append({k: v for k, v in body.items() if k not in ("lead", "components",
                                                                 "versions", "roles")})
    return jira_json(page(request, items))


async def all_users(request: Request) -> Response:
    """GET users, users/search: every user, a page as a plain list."""
    view = view_of(request)
    return jira_json(page(request, [view.user(u) for u in USERS])["values"])


async def users_by_id(request: Request) -> Response:
    """GET user/bulk?accountId=...: the users named (at least one accountId required)."""
    view = view_of(request)
    wanted = request.query_params.getlist("accountId")
    if not wanted:
        raise BadRequest("The accountId parameter is required.")
    found = [view.user(u) for name in wanted if (u := user_named(name)) is not None]
    return jira_json(page(request, found, 10))


async def assignable_in_projects(request: Request) -> Response:
    """GET user/assignable/multiProjectSearch?projectKeys=: users assignable in all of them."""
    view = view_of(request)
    keys = [k for v in request.query_params.getlist("projectKeys") for k in v.split(",") if k]
    if not keys:
        raise BadRequest("The projectKeys parameter is required.")
    for key in keys:
        if view.project(key) is None:
            raise NotFound(f"No project could be found with key '{key}'.")
    return search_users(request, view)


async def viewers(request: Request) -> Response:
    """GET user/viewissue/search: users who can see the issue or project (everyone here)."""
    runtime, view = runtime_of(request), view_of(request)
    params = request.query_params
    if params.get("issueKey"):
        with runtime.state.lock:
            runtime.state.issue(params["issueKey"])
    elif params.get("projectKey"):
        if view.project(params["projectKey"]) is None:
            raise NotFound(f"No project could be found with key '{params['projectKey']}'.")
    else:
        raise BadRequest("One of issueKey or projectKey must be given.")
    return search_users(request, view)


async def locale(request: Request) -> Response:
    """GET mypreferences/locale."""
    view_of(request)
    return jira_json({"locale": "en_US"})


async def approximate_count(request: Request) -> Response:
    """POST search/approximate-count (Cloud): {"jql"} -> {"count"} from the lagging index."""
    runtime, view = runtime_of(request), view_of(request)
    if view.deployment != "cloud":
        raise NotFound("null for uri: " + str(request.url))
    body = json_object(await json_body(request), "body", required=True)
    state = runtime.state
    query = jql.parse(str(body.get("jql") or ""), state.now(), runtime.options.time_zone)
    with state.lock:
        hits = query.run(state.searchable(runtime.options.search_lag_seconds))
    return jira_json({"count": len(hits)})


def routes(prefix: str) -> list[Route]:
    """The list routes under a REST prefix."""
    return [
        Route(f"{prefix}/comment/list", comments_by_id, methods=["POST"]),
        Route(f"{prefix}/priority/search", priority_search, methods=["GET"]),
        Route(f"{prefix}/resolution/search", resolution_search, methods=["GET"]),
        Route(f"{prefix}/issuetype/project", project_issue_types, methods=["GET"]),
        Route(f"{prefix}/project/search", project_search, methods=["GET"]),
        Route(f"{prefix}/users", all_users, methods=["GET"]),
        Route(f"{prefix}/users/search", all_users, methods=["GET"]),
        Route(f"{prefix}/user/bulk", users_by_id, methods=["GET"]),
        Route(f"{prefix}/user/assignable/multiProjectSearch", assignable_in_projects,
              methods=["GET"]),
        Route(f"{prefix}/user/viewissue/search", viewers, methods=["GET"]),
        Route(f"{prefix}/mypreferences/locale", locale, methods=["GET"]),
        Route(f"{prefix}/search/approximate-count", approximate_count, methods=["POST"]),
    ]
