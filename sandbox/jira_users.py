"""Users: who is logged in, a user by id, user searches (assignable ones too), assigning.

Cloud names users by `accountId` and searches with `query`; Data Center by `username` (its
`name`/`key`), and serves `/rest/auth/1/session`, what a client calls to check a login.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.errors import BadRequest, NotFound
from sandbox.http_util import int_param, jira_json, json_body, json_object, no_content
from sandbox.jira_input import check_assignee
from sandbox.jira_render import View
from sandbox.runtime import runtime_of, view_of
from sandbox.users import USERS, SandboxUser, user_named
from sandbox.write_limit import check_issue_write


def _matches(user: SandboxUser, view: View, words: str) -> bool:
    """Whether a search string matches the user's name, display name or e-mail (prefix)."""
    shown = view.user(user)
    names = [user.name, user.display_name, *user.display_name.split(), shown["emailAddress"]]
    return any(n.lower().startswith(words.lower()) for n in names) or words == user.account_id


def _search(request: Request, view: View, words: str | None) -> Response:
    start = int_param(request, "startAt", 0)
    size = int_param(request, "maxResults", 50, highest=1000)
    found = [view.user(u) for u in USERS if words is None or _matches(u, view, words)]
    return jira_json(found[start: start + size])


def _search_words(request: Request, view: View) -> str | None:
    params = request.query_params
    if view.deployment == "cloud":
        return params.get("query") or params.get("accountId")
    return params.get("username") or params.get("query")


async def session(request: Request) -> Response:
    """GET /rest/auth/1/session (Data Center): the logged-in user."""
    view = view_of(request, version=2)
    if view.deployment == "cloud":
        raise NotFound("null for uri: " + str(request.url))
    return jira_json({"self": f"{view.base}/rest/api/latest/user?username={view.actor.name}",
                      "name": view.actor.name,
                      "loginInfo": {"failedLoginCount": 0, "loginCount": 1,
                                    "previousLoginTime": "2026-11-01T00:00:00.000+0000"}})


async def user(request: Request) -> Response:
    """GET user?accountId= (Cloud) / ?username= or ?key= (DC): the `self` of every user."""
    view = view_of(request)
    params = request.query_params
    wanted = params.get("accountId") or params.get("username") or params.get("key")
    if not wanted:
        raise BadRequest("Specify an accountId (Cloud) or a username (Data Center).")
    found = user_named(wanted)
    if found is None:
        raise NotFound(f"The user named '{wanted}' does not exist")
    return jira_json(view.user(found))


async def search(request: Request) -> Response:
    """GET user/search: users matching `query` (Cloud) or `username` (DC)."""
    view = view_of(request)
    words = _search_words(request, view)
    if not words:
        raise BadRequest("One of 'query' or 'accountId' must be given." if
                         view.deployment == "cloud" else
                         "The username query parameter was not provided")
    return _search(request, view, words)


async def assignable(request: Request) -> Response:
    """GET user/assignable/search: users who may be assigned issues of a project or issue."""
    runtime, view = runtime_of(request), view_of(request)
    params = request.query_params
    if params.get("issueKey") or params.get("issueId"):
        with runtime.state.lock:
            runtime.state.issue(params.get("issueKey") or params.get("issueId") or "")
    elif not params.get("project"):
        raise BadRequest("One of the following parameters must be given: issueKey, issueId, "
                         "project.")
    elif view.project(params["project"]) is None:
        raise NotFound(f"No project could be found with key '{params['project']}'.")
    return search_users(request, view)


def search_users(request: Request, view: View) -> Response:
    """A page (plain list) of the users the request's search words match (all without)."""
    return _search(request, view, _search_words(request, view))


async def assign(request: Request) -> Response:
    """PUT issue/{k}/assignee: {"accountId"} (Cloud) or {"name"} (DC); null unassigns."""
    state = runtime_of(request).state
    view_of(request)
    chosen = check_assignee(json_object(await json_body(request), "body", required=True))
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        issue.assignee = chosen
        state.touch(issue)
    return no_content()


def routes(prefix: str) -> list[Route]:
    """The user routes under a REST prefix, and the DC session resource."""
    return [
        Route("/rest/auth/1/session", session, methods=["GET"]),
        Route(f"{prefix}/user", user, methods=["GET"]),
        Route(f"{prefix}/user/search", search, methods=["GET"]),
        Route(f"{prefix}/user/assignable/search", assignable, methods=["GET"]),
        Route(f"{prefix}/issue/{{key}}/assignee", assign, methods=["PUT"]),
    ]
