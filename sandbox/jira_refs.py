"""The resources an issue's `self` links name: statuses, status categories, resolutions,
issue types, issue links, watchers and votes (each with its documented list sibling;
watchers and votes can be added and removed: a reporter watches from the start, as Jira's
autowatch does, and cannot vote; watching for someone else needs the Administrators role).

A client that follows a link the sandbox handed out finds the resource there.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import catalog
from sandbox.errors import BadRequest, Forbidden, NotFound
from sandbox.http_util import jira_json, no_content
from sandbox.jira_render import View, render_link
from sandbox.model import IssueLink
from sandbox.runtime import runtime_of, view_of
from sandbox.state import SandboxState
from sandbox.users import user_named


def _category(status: catalog.Status, view: View) -> dict[str, Any]:
    category: dict[str, Any] = catalog.render_status(status, view.base, view.api)[
        "statusCategory"]
    return category


async def statuses(request: Request) -> Response:
    """GET status: every status of the workflow."""
    view = view_of(request)
    return jira_json([catalog.render_status(s, view.base, view.api)
                      for s in catalog.STATUSES.values()])


async def status(request: Request) -> Response:
    """GET status/{idOrName}."""
    view = view_of(request)
    wanted = request.path_params["id"]
    for found in catalog.STATUSES.values():
        if wanted in (found.id, found.name):
            return jira_json(catalog.render_status(found, view.base, view.api))
    raise NotFound(f"The status with id '{wanted}' does not exist.")


def _categories(view: View) -> list[dict[str, Any]]:
    unique = {s.category_id: _category(s, view) for s in catalog.STATUSES.values()}
    return [unique[k] for k in sorted(unique)]


async def status_categories(request: Request) -> Response:
    """GET statuscategory."""
    return jira_json(_categories(view_of(request)))


async def status_category(request: Request) -> Response:
    """GET statuscategory/{idOrKey}."""
    wanted = request.path_params["id"]
    for found in _categories(view_of(request)):
        if wanted in (str(found["id"]), found["key"]):
            return jira_json(found)
    raise NotFound(f"The status category with id '{wanted}' does not exist.")


async def resolutions(request: Request) -> Response:
    """GET resolution."""
    view = view_of(request)
    return jira_json([catalog.render_resolution(r, view.base, view.api, view.deployment)
                      for r in catalog.RESOLUTIONS])


async def resolution(request: Request) -> Response:
    """GET resolution/{id}."""
    view = view_of(request)
    wanted = request.path_params["id"]
    for found in catalog.RESOLUTIONS:
        if found.id == wanted:
            return jira_json(catalog.render_resolution(found, view.base, view.api,
                                                       view.deployment))
    raise NotFound(f"The resolution with ID {wanted} does not exist.")


async def issue_type(request: Request) -> Response:
    """GET issuetype/{id}."""
    view = view_of(request)
    wanted = request.path_params["id"]
    found = catalog.issue_type_by(wanted)
    if found is None or found.id != wanted:
        raise NotFound("The issue type with this id does not exist.")
    return jira_json(catalog.render_issue_type(found, view.base, view.api, view.deployment))


def _link(state: SandboxState, wanted: str) -> IssueLink:
    link = state.links.get(int(wanted)) if wanted.isdigit() else None
    if link is None or link.inward_id not in state.issues or link.outward_id not in state.issues:
        raise NotFound(f"No issue link with id '{wanted}' exists.")
    return link


async def get_issue_link(request: Request) -> Response:
    """GET issueLink/{linkId}: the link with both of its issues."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        link = _link(state, request.path_params["id"])
        inward, outward = state.issues[link.inward_id], state.issues[link.outward_id]
        body = render_link(link, inward, outward, view)
        body["inwardIssue"] = render_link(link, outward, inward, view)["inwardIssue"]
    return jira_json(body)


async def delete_issue_link(request: Request) -> Response:
    """DELETE issueLink/{linkId}: 204; both issues forget it."""
    state = runtime_of(request).state
    view_of(request)
    with state.lock:
        link = _link(state, request.path_params["id"])
        del state.links[link.id]
        for issue_id in (link.inward_id, link.outward_id):
            issue = state.issues[issue_id]
            issue.link_ids = [i for i in issue.link_ids if i != link.id]
            state.touch(issue)
    return no_content()


async def watchers(request: Request) -> Response:
    """GET issue/{k}/watchers."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        return jira_json({"self": f"{view.base}{view.api}/issue/{issue.key}/watchers",
                          "isWatching": view.actor.name in issue.watchers,
                          "watchCount": len(issue.watchers),
                          "watchers": [view.user(name) for name in issue.watchers]})


def _watcher(named: str | None, view: View) -> str:
    """The user a watcher request names (the asker when none); others need an admin."""
    found = view.actor if not named else user_named(named)
    if found is None:
        raise NotFound(f"The user '{named}' does not exist.")
    if found is not view.actor and not view.actor.administrator:
        raise Forbidden("You do not have the permission to manage the watcher list.")
    return found.name


async def add_watcher(request: Request) -> Response:
    """POST issue/{k}/watchers: body a JSON string, accountId (Cloud) or name (DC); 204."""
    state, view = runtime_of(request).state, view_of(request)
    raw = await request.body()
    try:
        named = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        named = ...  # not JSON: refused below
    if named is not None and not isinstance(named, str):
        raise BadRequest("The body must be a JSON string naming the user.")
    with state.lock:
        issue = state.issue(request.path_params["key"])
        name = _watcher(named, view)
        if name not in issue.watchers:
            issue.watchers.append(name)
    return no_content()


async def remove_watcher(request: Request) -> Response:
    """DELETE issue/{k}/watchers?accountId= (Cloud) / ?username= (DC): 204."""
    state, view = runtime_of(request).state, view_of(request)
    params = request.query_params
    named = params.get("accountId") or params.get("username")
    if not named:
        raise BadRequest("Give accountId (Cloud) or username (Data Center).")
    with state.lock:
        issue = state.issue(request.path_params["key"])
        name = _watcher(named, view)
        issue.watchers = [w for w in issue.watchers if w != name]
    return no_content()


async def votes(request: Request) -> Response:
    """GET issue/{k}/votes."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        return jira_json({"self": f"{view.base}{view.api}/issue/{issue.key}/votes",
                          "votes": len(issue.voters), "hasVoted": view.actor.name in issue.voters,
                          "voters": [view.user(name) for name in issue.voters]})


async def vote(request: Request) -> Response:
    """POST issue/{k}/votes: the asker votes (not on an issue they reported); 204."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        if issue.reporter == view.actor.name:
            raise NotFound("You cannot vote for an issue you have reported.")
        if view.actor.name not in issue.voters:
            issue.voters.append(view.actor.name)
    return no_content()


async def unvote(request: Request) -> Response:
    """DELETE issue/{k}/votes: the asker's vote is withdrawn; 204."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        issue.voters = [v for v in issue.voters if v != view.actor.name]
    return no_content()


def routes(prefix: str) -> list[Route]:
    """The routes of the resources issues link to."""
    return [
        Route(f"{prefix}/status", statuses, methods=["GET"]),
        Route(f"{prefix}/status/{{id}}", status, methods=["GET"]),
        Route(f"{prefix}/statuscategory", status_categories, methods=["GET"]),
        Route(f"{prefix}/statuscategory/{{id}}", status_category, methods=["GET"]),
        Route(f"{prefix}/resolution", resolutions, methods=["GET"]),
        Route(f"{prefix}/resolution/{{id}}", resolution, methods=["GET"]),
        Route(f"{prefix}/issuetype/{{id}}", issue_type, methods=["GET"]),
        Route(f"{prefix}/issueLink/{{id}}", get_issue_link, methods=["GET"]),
        Route(f"{prefix}/issueLink/{{id}}", delete_issue_link, methods=["DELETE"]),
        Route(f"{prefix}/issue/{{key}}/watchers", watchers, methods=["GET"]),
        Route(f"{prefix}/issue/{{key}}/watchers", add_watcher, methods=["POST"]),
        Route(f"{prefix}/issue/{{key}}/watchers", remove_watcher, methods=["DELETE"]),
        Route(f"{prefix}/issue/{{key}}/votes", votes, methods=["GET"]),
        Route(f"{prefix}/issue/{{key}}/votes", vote, methods=["POST"]),
        Route(f"{prefix}/issue/{{key}}/votes", unvote, methods=["DELETE"]),
    ]
