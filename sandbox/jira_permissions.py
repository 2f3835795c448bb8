"""Jira's `GET mypermissions`: the project permissions the sandbox's one user holds.

Cloud insists on the `permissions` parameter (400 without it, or with a key it does not
know) and answers those keys only; Data Center (Jira Server 8.4's WADL has no such
parameter) answers every permission, and again under the pre-6.4 keys marked
`deprecatedKey: true`, as Jira does. Every account holds all of them, in every project,
except those named in `SandboxOptions.withheld_permissions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.errors import BadRequest, NotFound
from sandbox.http_util import jira_json
from sandbox.runtime import runtime_of, view_of


@dataclass(frozen=True)
class Permission:
    """A project permission: its id, key, name, description and pre-6.4 key (if any)."""

    id: str
    key: str
    name: str
    description: str
    legacy_key: str | None = None


PERMISSIONS: tuple[Permission, ...] = (
    Permission("10", "BROWSE_PROJECTS", "Browse Projects",
               "Ability to browse projects and the issues within them.", "BROWSE"),
    Permission("11", "CREATE_ISSUES", "Create Issues", "Ability to create issues.",
               "CREATE_ISSUE"),
    Permission("12", "EDIT_ISSUES", "Edit Issues", "Ability to edit issues.", "EDIT_ISSUE"),
    Permission("15", "ADD_COMMENTS", "Add Comments", "Ability to comment on issues.",
               "COMMENT_ISSUE"),
    Permission("16", "DELETE_ISSUES", "Delete Issues", "Ability to delete issues.",
               "DELETE_ISSUE"),
    Permission("19", "CREATE_ATTACHMENTS", "Create Attachments",
               "Users with this permission may create attachments.", "CREATE_ATTACHMENT"),
    Permission("21", "LINK_ISSUES", "Link Issues",
               "Ability to link issues together and create linked issues.", "LINK_ISSUE"),
    Permission("46", "TRANSITION_ISSUES", "Transition Issues",
               "Ability to transition issues."),
)
_BY_KEY = {p.key: p for p in PERMISSIONS}


def _render(permission: Permission, held: bool, key: str, deprecated: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": permission.id, "key": key, "name": permission.name,
                            "type": "PROJECT", "description": permission.description,
                            "havePermission": held}
    if deprecated:
        body["deprecatedKey"] = True
    return body


def _asked(raw: str | None) -> tuple[Permission, ...]:
    """Cloud's `permissions` parameter: required, every key known."""
    keys = [k.strip() for k in (raw or "").split(",") if k.strip()]
    if not keys:
        raise BadRequest("The permissions parameter is required and must not be empty.")
    unknown = [k for k in keys if k not in _BY_KEY]
    if unknown:
        raise BadRequest(f"Permission keys are invalid: {', '.join(unknown)}.")
    return tuple(_BY_KEY[k] for k in keys)


async def my_permissions(request: Request) -> Response:
    """GET mypermissions[?projectKey=][&permissions=]."""
    view = view_of(request)
    runtime = runtime_of(request)
    project = request.query_params.get("projectKey")
    if project is not None and view.project(project) is None:
        raise NotFound(f"No project could be found with key '{project}'.")
    withheld = runtime.options.withheld_permissions
    answer: dict[str, Any] = {}
    if view.deployment == "cloud":
        for permission in _asked(request.query_params.get("permissions")):
            held = permission.key not in withheld
            answer[permission.key] = _render(permission, held, permission.key, False)
        return jira_json({"permissions": answer})
    for permission in PERMISSIONS:
        held = permission.key not in withheld
        answer[permission.key] = _render(permission, held, permission.key, False)
        if permission.legacy_key:
            answer[permission.legacy_key] = _render(permission, held, permission.key, True)
    return jira_json({"permissions": answer})


def routes(prefix: str) -> list[Route]:
    """The permissions route under a REST prefix."""
    return [Route(f"{prefix}/mypermissions", my_permissions, methods=["GET"])]
