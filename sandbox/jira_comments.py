"""Jira issue comments: list (paged, ordered), add, read, edit, delete; visibility kept.

Bodies are ADF on REST v3 and strings on v2 (kept as ADF). A comment restricted to a role
or group is hidden from users outside it, and only someone inside may restrict it so
(Jira's `commentLevel` error otherwise). Editing or deleting another user's comment needs
the Administrators role, as in a fresh Jira's default permission scheme.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.adf import is_adf, text_to_adf
from sandbox.errors import BadRequest, Forbidden, NotFound
from sandbox.http_util import int_param, jira_json, json_body, no_content
from sandbox.jira_input import ADF_RULE
from sandbox.jira_render import View, render_comment, visible_comments
from sandbox.model import Comment, Issue
from sandbox.runtime import runtime_of, view_of
from sandbox.write_limit import check_issue_write

ORDERS = {"created": False, "+created": False, "-created": True}  # -> newest first


def comment_body(raw: Any, version: int) -> dict[str, Any]:
    """The `body` of a comment request: ADF on v3, a non-empty string on v2; kept as ADF."""
    body = raw.get("body") if isinstance(raw, dict) else None
    if version == 3:
        if not is_adf(body):
            raise BadRequest(errors={"comment": ADF_RULE})
        return dict(body)  # type: ignore[arg-type]  # is_adf checked it is a dict
    if not isinstance(body, str) or not body.strip():
        raise BadRequest(errors={"comment": "Comment body can not be empty!"})
    return text_to_adf(body)


def check_visibility(raw: Any, view: View) -> dict[str, str] | None:
    """A comment's `visibility`: a role or group the asker belongs to, else Jira's 400."""
    if raw is None:
        return None
    kind = raw.get("type") if isinstance(raw, dict) else None
    value = raw.get("value") or raw.get("identifier") if isinstance(raw, dict) else None
    if kind not in ("role", "group") or not isinstance(value, str) or not value:
        raise BadRequest(errors={"commentLevel": "Visibility must name a role or a group."})
    if not view.actor.member_of(kind, value):
        raise BadRequest(errors={"commentLevel":
                                 f"You are currently not a member of the project {kind}: "
                                 f"{value}." if kind == "role" else
                                 f"You are currently not a member of the group: {value}."})
    return {"type": kind, "value": value}


def _wants_rendered(request: Request) -> bool:
    return "renderedBody" in request.query_params.get("expand", "").split(",")


def _find(issue: Issue, view: View, wanted: str) -> Comment:
    for item in visible_comments(issue, view):
        if str(item.id) == wanted:
            return item
    raise NotFound(f"Can not find a comment for the id: {wanted}.")


def _may_change(item: Comment, view: View) -> None:
    if item.author != view.actor.name and not view.actor.administrator:
        raise Forbidden("You do not have the permission to edit or delete this comment.")


async def add_comment(request: Request) -> Response:
    """POST issue/{k}/comment: 201 with the comment."""
    state, view = runtime_of(request).state, view_of(request)
    raw = await json_body(request)
    body = comment_body(raw, view.version)
    visibility = check_visibility(raw.get("visibility"), view)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        now = state.now()
        item = Comment(state.child_id(), body, now, now, visibility, view.actor.name,
                       view.actor.name)
        issue.comments.append(item)
        state.touch(issue, "issue_commented")
        return jira_json(render_comment(item, issue, view, _wants_rendered(request)), 201)


async def list_comments(request: Request) -> Response:
    """GET issue/{k}/comment: a page (startAt, maxResults, orderBy=[+-]created)."""
    state, view = runtime_of(request).state, view_of(request)
    start = int_param(request, "startAt", 0)
    default_size = 100 if view.deployment == "cloud" else 50
    size = int_param(request, "maxResults", default_size, highest=5000)
    order = request.query_params.get("orderBy", "created")
    if order not in ORDERS:
        raise BadRequest(f"The comments cannot be ordered by '{order}': use created, "
                         "+created or -created.")
    rendered = _wants_rendered(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        shown = sorted(visible_comments(issue, view), key=lambda c: (c.created, c.id),
                       reverse=ORDERS[order])
        page = [render_comment(c, issue, view, rendered) for c in shown[start: start + size]]
    return jira_json({"startAt": start, "maxResults": size, "total": len(shown),
                      "comments": page})


async def get_comment(request: Request) -> Response:
    """GET issue/{k}/comment/{id}."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        item = _find(issue, view, request.path_params["id"])
        return jira_json(render_comment(item, issue, view, _wants_rendered(request)))


async def edit_comment(request: Request) -> Response:
    """PUT issue/{k}/comment/{id}: a new body (and visibility); 200 with the comment."""
    state, view = runtime_of(request).state, view_of(request)
    raw = await json_body(request)
    body = comment_body(raw, view.version)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        item = _find(issue, view, request.path_params["id"])
        _may_change(item, view)
        check_issue_write(request, issue)
        if "visibility" in raw:
            item.visibility = check_visibility(raw["visibility"], view)
        item.body, item.updated, item.update_author = body, state.now(), view.actor.name
        state.touch(issue, "issue_comment_edited")
        return jira_json(render_comment(item, issue, view, _wants_rendered(request)))


async def delete_comment(request: Request) -> Response:
    """DELETE issue/{k}/comment/{id}: 204."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        item = _find(issue, view, request.path_params["id"])
        _may_change(item, view)
        check_issue_write(request, issue)
        issue.comments.remove(item)
        state.touch(issue, "issue_comment_deleted")
    return no_content()


def routes(prefix: str) -> list[Route]:
    """The comment routes under a REST prefix."""
    many = f"{prefix}/issue/{{key}}/comment"
    return [
        Route(many, add_comment, methods=["POST"]),
        Route(many, list_comments, methods=["GET"]),
        Route(f"{many}/{{id}}", get_comment, methods=["GET"]),
        Route(f"{many}/{{id}}", edit_comment, methods=["PUT"]),
        Route(f"{many}/{{id}}", delete_comment, methods=["DELETE"]),
    ]
