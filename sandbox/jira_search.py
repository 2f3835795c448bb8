"""Jira search: Cloud's `search/jql` (nextPageToken, lagging index), DC's `search` (startAt).

Cloud's old `search` answers 410 Gone, as it does since Atlassian removed it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import jql
from sandbox.errors import BadRequest, Gone
from sandbox.http_util import jira_json, json_body
from sandbox.jira_issues import issue_links
from sandbox.jira_render import NAVIGABLE, render_issue, wanted_fields
from sandbox.runtime import runtime_of, view_of

REMOVED = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql "
           "API. A full migration guideline is available at "
           "https://developer.atlassian.com/changelog/#CHANGE-2046")


async def search_params(request: Request) -> dict[str, Any]:
    """The search parameters from the query string (GET) or the JSON body (POST)."""
    if request.method == "POST":
        body = await json_body(request)
        if not isinstance(body, dict):
            raise BadRequest("Request body must be a JSON object.")
        params = dict(body)
    else:
        params = {k: v for k, v in request.query_params.items()}
        for name in ("fields", "expand", "properties"):
            values = request.query_params.getlist(name)
            if values:
                params[name] = ",".join(values)
    for name in ("fields", "expand", "properties"):
        if isinstance(params.get(name), list):
            params[name] = ",".join(str(v) for v in params[name])
    for name in ("jql", "fields", "expand", "properties", "nextPageToken"):
        if params.get(name) is not None and not isinstance(params[name], str):
            raise BadRequest(f"The parameter '{name}' must be a string.")
    return params


def number(params: dict[str, Any], name: str, default: int, highest: int) -> int:
    """A non-negative integer parameter, capped."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"The value '{raw}' is invalid for the parameter '{name}'.") from None
    if value < 0:
        raise BadRequest(f"The parameter '{name}' must not be negative.")
    return min(value, highest)


def _token(offset: int, query: str) -> str:
    digest = hashlib.sha256(query.encode()).hexdigest()[:12]
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": digest}).encode()).decode()


def _offset(token: str | None, query: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["q"] == hashlib.sha256(query.encode()).hexdigest()[:12]:
            return int(data["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise BadRequest("The provided next page token is invalid or expired.")


async def search_jql(request: Request) -> Response:
    """Cloud GET/POST search/jql: nextPageToken + isLast, no total; only ids unless fields named."""
    runtime, view = runtime_of(request), view_of(request)
    params = await search_params(request)
    query_text = str(params.get("jql") or "")
    state = runtime.state
    query = jql.parse(query_text, state.now(), runtime.options.time_zone)
    fields = wanted_fields(params.get("fields"), ())
    ceiling = 5000 if not fields else 100
    page_size = number(params, "maxResults", 50, ceiling) or 1
    offset = _offset(params.get("nextPageToken"), query_text)
    expand = set(filter(None, str(params.get("expand") or "").split(",")))
    with state.lock:
        hits = query.run(state.searchable(runtime.options.search_lag_seconds))
        page = hits[offset: offset + page_size]
        if fields or expand:
            issues = [render_issue(i, view, fields, issue_links(state, view), expand)
                      for i in page]
        else:
            issues = [{"id": str(i.id)} for i in page]
    body: dict[str, Any] = {"issues": issues}
    if offset + page_size < len(hits):
        body["nextPageToken"] = _token(offset + page_size, query_text)
        body["isLast"] = False
    else:
        body["isLast"] = True
    return jira_json(body)


async def search_v2(request: Request) -> Response:
    """DC GET/POST search: startAt, maxResults, total; Cloud: 410 Gone."""
    runtime, view = runtime_of(request), view_of(request)
    if runtime.deployment == "cloud":
        raise Gone(REMOVED)
    params = await search_params(request)
    state = runtime.state
    query = jql.parse(str(params.get("jql") or ""), state.now(), runtime.options.time_zone)
    start = number(params, "startAt", 0, 10**9)
    page_size = number(params, "maxResults", 50, 1000)
    fields = wanted_fields(params.get("fields"), NAVIGABLE)
    expand = set(filter(None, str(params.get("expand") or "").split(",")))
    with state.lock:
        hits = query.run(state.searchable(0.0))
        issues = [render_issue(i, view, fields, issue_links(state, view), expand)
                  for i in hits[start: start + page_size]]
    return jira_json({"expand": "schema,names", "startAt": start, "maxResults": page_size,
                      "total": len(hits), "issues": issues})


def routes(prefix: str, cloud: bool) -> list[Route]:
    """The search routes under a REST prefix."""
    found = [Route(f"{prefix}/search", search_v2, methods=["GET", "POST"])]
    if cloud:
        found.append(Route(f"{prefix}/search/jql", search_jql, methods=["GET", "POST"]))
    return found

