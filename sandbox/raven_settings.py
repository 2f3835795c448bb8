"""Xray Server/DC's settings resource (`GET /rest/raven/1.0/api/settings/teststatuses`, from
Xray's REST v1.0 collection): the test run statuses Xray knows, in Server's words."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.http_util import jira_json
from sandbox.xray_import import shown_status
from sandbox.xray_model import RUN_STATUSES
from sandbox.xray_types import STATUS_COLORS

FINAL = ("PASSED", "FAILED", "ABORTED")


async def test_statuses(_request: Request) -> Response:
    """GET settings/teststatuses: every run status with its id, name, colour, finality."""
    return jira_json([
        {"id": number, "name": shown_status(status, cloud=False),
         "description": f"The test run is {shown_status(status, cloud=False).lower()}",
         "color": STATUS_COLORS.get(status, "#A2A6AE"), "final": status in FINAL}
        for number, status in enumerate(RUN_STATUSES)])


ROUTES: list[BaseRoute] = [
    Route("/rest/raven/1.0/api/settings/teststatuses", test_statuses, methods=["GET"]),
]
