"""What hangs off an issue: attachments, remote links, transitions, issue links."""

from __future__ import annotations

import shutil
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from sandbox import catalog
from sandbox.errors import BadRequest, Forbidden, NotFound
from sandbox.http_util import jira_json, json_body, json_object, no_content
from sandbox.jira_input import apply_changes, check_edit
from sandbox.jira_render import (
    LINK_TYPES,
    render_attachment,
    render_remote_link,
    render_transitions,
)
from sandbox.model import Attachment, Issue, IssueLink, RemoteLink
from sandbox.runtime import runtime_of, view_of
from sandbox.state import SandboxState
from sandbox.write_limit import check_issue_write


async def add_attachments(request: Request) -> Response:
    """POST issue/{k}/attachments: multipart `file` parts; needs X-Atlassian-Token: no-check."""
    state, view = runtime_of(request).state, view_of(request)
    if request.headers.get("x-atlassian-token", "").lower() != "no-check":
        raise Forbidden("XSRF check failed")
    with state.lock:
        state.issue(request.path_params["key"])
    async with request.form() as form:
        uploads = [v for k, v in form.multi_items()
                   if k == "file" and isinstance(v, UploadFile)]
        stored = [_store(state, upload) for upload in uploads]
    if not stored:
        raise BadRequest("No attachments were found in the request: send multipart part 'file'.")
    try:
        with state.lock:
            issue = state.issue(request.path_params["key"])
            check_issue_write(request, issue)
    except Exception:
        for item in stored:
            item.path.unlink(missing_ok=True)
        raise
    with state.lock:
        issue.attachments.extend(stored)
        state.touch(issue)
    return jira_json([render_attachment(item, view) for item in stored])


def _store(state: SandboxState, upload: UploadFile) -> Attachment:
    """Copies an uploaded part to the sandbox's file store in chunks (never whole in memory)."""
    path = state.new_file()
    with path.open("wb") as out:
        upload.file.seek(0)
        shutil.copyfileobj(upload.file, out, 1024 * 1024)
    return Attachment(state.child_id(), upload.filename or "file",
                      upload.content_type or "application/octet-stream", path,
                      path.stat().st_size, state.now())


def _find_attachment(request: Request) -> tuple[Any, Attachment]:
    state = runtime_of(request).state
    wanted = int(request.path_params["id"])
    for issue in state.issues.values():
        for item in issue.attachments:
            if item.id == wanted:
                return issue, item
    raise NotFound(f"The attachment with id '{wanted}' does not exist")


async def get_attachment(request: Request) -> Response:
    """GET attachment/{id}: its metadata."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        _, item = _find_attachment(request)
        body = render_attachment(item, view)
        body["id"] = item.id  # AttachmentMetadata's id is a number, unlike POST's answer
        return jira_json(body)


async def delete_attachment(request: Request) -> Response:
    """DELETE attachment/{id}: 204."""
    state = runtime_of(request).state
    view_of(request)
    with state.lock:
        issue, item = _find_attachment(request)
        issue.attachments.remove(item)
        item.path.unlink(missing_ok=True)
        state.touch(issue)
    return no_content()


async def attachment_content(request: Request) -> Response:
    """GET /secure/attachment/{id}/{filename}: the bytes."""
    state = runtime_of(request).state
    with state.lock:
        _, item = _find_attachment(request)
    return FileResponse(item.path, media_type=item.mime_type)


def _check_remote_link(raw: Any) -> tuple[str | None, dict[str, Any], str | None, dict[str, Any]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("object"), dict):
        raise BadRequest(errors={"object": "The remote link needs an 'object'."})
    link_object = raw["object"]
    errors = {name: f"'{name}' is required." for name in ("url", "title")
              if not isinstance(link_object.get(name), str) or not link_object.get(name)}
    if errors:
        raise BadRequest(errors=errors)
    application = raw.get("application") or {}
    if not isinstance(application, dict):
        raise BadRequest(errors={"application": "The application must be an object."})
    global_id = raw.get("globalId")
    relationship = raw.get("relationship")
    return (str(global_id) if global_id is not None else None, dict(application),
            str(relationship) if relationship is not None else None, dict(link_object))


async def add_remote_link(request: Request) -> Response:
    """POST issue/{k}/remotelink: 200 when the globalId exists or on DC, else 201 (Cloud)."""
    state, view = runtime_of(request).state, view_of(request)
    global_id, application, relationship, link_object = _check_remote_link(
        await json_body(request))
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        for item in issue.remote_links:
            if global_id is not None and item.global_id == global_id:
                item.application, item.relationship, item.object = (
                    application, relationship, link_object)
                status = 200
                break
        else:
            item = RemoteLink(state.child_id(), global_id, application, relationship, link_object)
            issue.remote_links.append(item)
            # Cloud answers 201 for a new link; Server 8.x documents only 200.
            status = 201 if view.deployment == "cloud" else 200
        return jira_json({"id": item.id,
                          "self": f"{view.base}{view.api}/issue/{issue.key}/remotelink/{item.id}"},
                         status)


async def list_remote_links(request: Request) -> Response:
    """GET issue/{k}/remotelink[?globalId=]: a list, or the one link with that globalId."""
    state, view = runtime_of(request).state, view_of(request)
    global_id = request.query_params.get("globalId")
    with state.lock:
        issue = state.issue(request.path_params["key"])
        if global_id is not None:
            for item in issue.remote_links:
                if item.global_id == global_id:
                    return jira_json(render_remote_link(item, issue, view))
            raise NotFound(f"No remote link with globalId '{global_id}'.")
        return jira_json([render_remote_link(i, issue, view) for i in issue.remote_links])


def _remote_link(issue: Issue, wanted: str) -> RemoteLink:
    for item in issue.remote_links:
        if str(item.id) == wanted:
            return item
    raise NotFound(f"No remote link with id '{wanted}'.")


async def get_remote_link(request: Request) -> Response:
    """GET issue/{k}/remotelink/{linkId}."""
    state, view = runtime_of(request).state, view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        item = _remote_link(issue, str(request.path_params["id"]))
        return jira_json(render_remote_link(item, issue, view))


async def put_remote_link(request: Request) -> Response:
    """PUT issue/{k}/remotelink/{linkId}: replaces the link; 204."""
    state = runtime_of(request).state
    view_of(request)
    global_id, application, relationship, link_object = _check_remote_link(
        await json_body(request))
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        item = _remote_link(issue, str(request.path_params["id"]))
        item.global_id, item.application = global_id, application
        item.relationship, item.object = relationship, link_object
    return no_content()


async def delete_remote_link(request: Request) -> Response:
    """DELETE issue/{k}/remotelink/{linkId}: 204."""
    state = runtime_of(request).state
    view_of(request)
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        wanted = str(request.path_params["id"])
        kept = [i for i in issue.remote_links if str(i.id) != wanted]
        if len(kept) == len(issue.remote_links):
            raise NotFound(f"No remote link with id '{wanted}'.")
        issue.remote_links = kept
    return no_content()


async def delete_remote_link_by_global_id(request: Request) -> Response:
    """DELETE issue/{k}/remotelink?globalId=: 204."""
    state = runtime_of(request).state
    view_of(request)
    global_id = request.query_params.get("globalId")
    if not global_id:
        raise BadRequest("The globalId parameter is required.")
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        kept = [i for i in issue.remote_links if i.global_id != global_id]
        if len(kept) == len(issue.remote_links):
            raise NotFound(f"No remote link with globalId '{global_id}'.")
        issue.remote_links = kept
    return no_content()


async def get_transitions(request: Request) -> Response:
    """GET issue/{k}/transitions[?transitionId=N][&expand=transitions.fields]."""
    state, view = runtime_of(request).state, view_of(request)
    wanted = request.query_params.get("transitionId")
    with_fields = "transitions.fields" in request.query_params.get("expand", "").split(",")
    with state.lock:
        issue = state.issue(request.path_params["key"])
        found = [t for t in render_transitions(issue, view) if wanted in (None, t["id"])]
    for transition in found:
        if with_fields:
            transition["fields"] = {}  # the workflow's transitions have no screen
    return jira_json({"expand": "transitions", "transitions": found})


async def do_transition(request: Request) -> Response:
    """POST issue/{k}/transitions: moves the issue; 204."""
    state, view = runtime_of(request).state, view_of(request)
    body = json_object(await json_body(request), "body", required=True)
    transition = body.get("transition")
    wanted = str(transition.get("id", "")) if isinstance(transition, dict) else ""
    with state.lock:
        issue = state.issue(request.path_params["key"])
        check_issue_write(request, issue)
        if wanted not in catalog.WORKFLOW[issue.status]:
            raise BadRequest(f"Transition id '{wanted}' is not valid for this issue.")
        apply_changes(issue, check_edit(body, issue, view))
        issue.status = catalog.TRANSITION_IDS[wanted]
        state.touch(issue, "issue_generic")
    return no_content()


async def link_issues(request: Request) -> Response:
    """POST issueLink: 201, no body."""
    state = runtime_of(request).state
    view_of(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("Request body must be a JSON object.")
    type_name = json_object(body.get("type"), "type").get("name")
    if not isinstance(type_name, str) or type_name not in LINK_TYPES:
        raise NotFound(f"No issue link type with name '{type_name}' found.")
    refs = [json_object(body.get(side), side) for side in ("inwardIssue", "outwardIssue")]
    with state.lock:
        inward, outward = (state.issue(str(r.get("key") or r.get("id") or "")) for r in refs)
        link = IssueLink(state.child_id(), type_name, inward.id, outward.id)
        state.links[link.id] = link
        for issue in (inward, outward):
            issue.link_ids.append(link.id)
            state.touch(issue)
    return Response(status_code=201)


def routes(prefix: str) -> list[Route]:
    """The routes of issue parts under a REST prefix."""
    one = f"{prefix}/issue/{{key}}"
    return [
        Route(f"{one}/attachments", add_attachments, methods=["POST"]),
        Route(f"{prefix}/attachment/{{id:int}}", get_attachment, methods=["GET"]),
        Route(f"{prefix}/attachment/{{id:int}}", delete_attachment, methods=["DELETE"]),
        Route(f"{one}/remotelink", add_remote_link, methods=["POST"]),
        Route(f"{one}/remotelink", list_remote_links, methods=["GET"]),
        Route(f"{one}/remotelink", delete_remote_link_by_global_id, methods=["DELETE"]),
        Route(f"{one}/remotelink/{{id}}", get_remote_link, methods=["GET"]),
        Route(f"{one}/remotelink/{{id}}", put_remote_link, methods=["PUT"]),
        Route(f"{one}/remotelink/{{id}}", delete_remote_link, methods=["DELETE"]),
        Route(f"{one}/transitions", get_transitions, methods=["GET"]),
        Route(f"{one}/transitions", do_transition, methods=["POST"]),
        Route(f"{prefix}/issueLink", link_issues, methods=["POST"]),
    ]


CONTENT_ROUTES = [Route("/secure/attachment/{id:int}/{filename}", attachment_content,
                        methods=["GET"])]
