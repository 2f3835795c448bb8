"""The live parts of one sandbox that requests reach: state, faults, limiter."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from sandbox.errors import NotFound
from sandbox.faults import Faults
from sandbox.jira_render import View
from sandbox.options import Deployment, SandboxOptions
from sandbox.state import SandboxState
from sandbox.users import ADMIN, user_named
from sandbox.webhooks import Webhooks


@dataclass
class Runtime:
    """Everything a handler or the gate needs."""

    deployment: Deployment
    options: SandboxOptions
    state: SandboxState
    faults: Faults
    webhooks: Webhooks


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving this request."""
    found: Runtime = request.app.state.runtime
    return found


def base_url(request: Request) -> str:
    """The sandbox's base URL as the client addressed it."""
    return str(request.base_url).rstrip("/")


def view_of(request: Request, version: int | None = None) -> View:
    """The view of the issue model for this request (REST version from the path)."""
    runtime = runtime_of(request)
    if version is None:
        text = str(request.path_params.get("version", "2"))
        version = 2 if text == "latest" else int(text) if text.isdigit() else 0
    if version not in (2, 3) or (version == 3 and runtime.deployment == "datacenter"):
        raise NotFound("null for uri: " + str(request.url))
    return View(
        base=base_url(request), version=version, deployment=runtime.deployment,
        email=runtime.options.credentials.email, project_key=runtime.options.project_key,
        project_name=runtime.options.project_name,
        second_key=runtime.options.second_project_key,
        second_name=runtime.options.second_project_name,
        tester_email=runtime.options.tester.email,
        status_names=runtime.options.status_names,
        actor=user_named(str(request.scope.get("state", {}).get("user", ADMIN.name))) or ADMIN,
    )
