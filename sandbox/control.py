"""The control plane for out-of-process users: `/_sandbox/log|faults|reset|state`.

It needs no credentials and is neither rate limited nor faulted nor logged.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.errors import BadRequest
from sandbox.faults import rule_from_json
from sandbox.http_util import jira_json, json_body, no_content
from sandbox.runtime import runtime_of


async def get_log(request: Request) -> Response:
    """GET /_sandbox/log: requests per endpoint, early requests, statuses."""
    state = runtime_of(request).state
    with state.lock:
        return jira_json({**state.log.as_json(), "closed_window": state.closed_windows()})


async def post_faults(request: Request) -> Response:
    """POST /_sandbox/faults: one rule, a list of rules, or {"clear": true}."""
    faults = runtime_of(request).faults
    body = await json_body(request)
    if isinstance(body, dict) and body.get("clear"):
        faults.clear()
        return jira_json({"faults": []})
    rules = [rule_from_json(item) for item in (body if isinstance(body, list) else [body])]
    for rule in rules:
        faults.add_rule(rule)
    return jira_json({"faults": [r.as_json() for r in faults.rules()]})


async def delete_faults(request: Request) -> Response:
    """DELETE /_sandbox/faults: removes every rule."""
    runtime_of(request).faults.clear()
    return no_content()


async def post_reset(request: Request) -> Response:
    """POST /_sandbox/reset: empty project, empty log, no faults."""
    runtime = runtime_of(request)
    runtime.faults.clear()
    runtime.state.reset()
    return no_content()


async def get_state(request: Request) -> Response:
    """GET /_sandbox/state: a summary of what the sandbox holds."""
    runtime = runtime_of(request)
    state = runtime.state
    with state.lock:
        body = {
            "deployment": runtime.deployment,
            "issues": [{"id": str(i.id), "key": i.key, "type": i.type_name, "summary": i.summary,
                        "status": i.status, "labels": i.labels,
                        "properties": sorted(i.properties)} for i in state.issues.values()],
            "test_runs": len(state.xray.runs),
            "faults": [r.as_json() for r in runtime.faults.rules()],
            "options": {"latency_ms": runtime.options.latency_ms,
                        "search_lag_seconds": runtime.options.search_lag_seconds,
                        "max_payload_bytes": runtime.options.max_payload_bytes,
                        "rate_limit": None if runtime.options.rate_limit is None else
                        runtime.options.rate_limit.__dict__},
            # where webhooks went and what the receivers answered (0: not reached)
            "webhook_deliveries": [{"event": d.event, "url": d.url, "status": d.status,
                                    "retry": d.retry} for d in state.deliveries],
        }
    return jira_json(body)


RUNTIME_NUMBERS = {"latency_ms", "search_lag_seconds", "webhook_time_scale", "import_delay_ms"}


async def post_options(request: Request) -> Response:
    """POST /_sandbox/options: change latency_ms, search_lag_seconds, webhook_time_scale,
    import_delay_ms or the user's time_zone (an IANA name) at run time."""
    runtime = runtime_of(request)
    body = await json_body(request)
    if not isinstance(body, dict) or set(body) - RUNTIME_NUMBERS - {"time_zone"}:
        raise BadRequest("Only latency_ms, search_lag_seconds, webhook_time_scale, "
                         "import_delay_ms and time_zone can be changed at run time.")
    if "time_zone" in body:
        runtime.options.time_zone = checked_zone(body.pop("time_zone"))
    for name, value in body.items():
        if not isinstance(value, int | float) or value < 0:
            raise BadRequest(f"{name} must be a non-negative number.")
        setattr(runtime.options, name, float(value))
    return no_content()


def checked_zone(value: object) -> str:
    """An IANA time zone name the sandbox can read dates in, else 400."""
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest(f"time_zone must be an IANA time zone name, not {value!r}.") from None
    return str(value)


ROUTES = [
    Route("/_sandbox/log", get_log, methods=["GET"]),
    Route("/_sandbox/faults", post_faults, methods=["POST"]),
    Route("/_sandbox/faults", delete_faults, methods=["DELETE"]),
    Route("/_sandbox/reset", post_reset, methods=["POST"]),
    Route("/_sandbox/state", get_state, methods=["GET"]),
    Route("/_sandbox/options", post_options, methods=["POST"]),
]
