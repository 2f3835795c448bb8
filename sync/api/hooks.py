"""The Jira workflow bridge over HTTP: `/hooks/jira` (signed webhooks), `/hooks/automation`.

Order of checks for a Jira webhook, cheapest and safest first: body size (413),
signature over the raw body (401; never accepted unsigned, refused when no secret
is configured), JSON (400), the payload's `timestamp` older than `[webhooks]
max_age_hours` (400 `webhook_stale`: a replay of an old signed body), a replayed
delivery identifier or signed body (200 "duplicate", no second effect; both are kept in
the store, `Store.remember_delivery`), then `sync.bridge` decides and `sync.workflow`
acts through the store (the acting user and the rules are its: the same path as the
sync's status mapping).
An event on an issue that no session is linked to is answered 202 "ignored".
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from store.errors import PermissionDenied, StoreError
from sync import metrics
from sync.api.bridge_actions import Outcome, run_action
from sync.api.context import Ctx
from sync.api.errors import ApiError, BadRequest, BodyTooLarge, Unauthenticated
from sync.api.signatures import shared_secret_ok, signature_ok
from sync.bridge import (
    BadAction,
    BadEvent,
    EventKind,
    JiraEvent,
    automation_allows,
    configured_action,
    event_time,
    parse_automation,
    parse_jira_event,
)
from sync.workflow import Source, Trigger

router = APIRouter(prefix="/hooks", tags=["hooks"])
log = logging.getLogger(__name__)

DELIVERY_HEADER = "x-atlassian-webhook-identifier"


async def _read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) past `limit` bytes without reading the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge("body_too_large", f"the body is over {limit} bytes [body_too_large]")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge("body_too_large", f"the body is over {limit} bytes [body_too_large]")
    return bytes(body)


MAX_JSON_DEPTH = 32  # Jira's payloads nest about 8 deep


def _json(body: bytes) -> Any:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("malformed_json", "the body is not valid JSON [malformed_json]") from None
    if json_depth(payload) > MAX_JSON_DEPTH:
        raise BadRequest("json_too_deep", f"the body nests more than {MAX_JSON_DEPTH} levels "
                         "[json_too_deep]")
    return payload


def json_depth(value: Any) -> int:
    """How deep arrays and objects nest in `value` (0 for a scalar), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI for a route that reads its raw body itself (documented, and fuzzed)."""
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": schema}}}}


_JIRA_EVENT = {
    "type": "object", "required": ["webhookEvent"],
    "properties": {
        "webhookEvent": {"type": "string"}, "timestamp": {"type": "integer"},
        "issue": {"type": "object", "properties": {"key": {"type": "string"}}},
        "user": {"type": "object", "properties": {"accountId": {"type": "string"}}},
        "changelog": {"type": "object", "properties": {"items": {"type": "array", "items": {
            "type": "object", "properties": {"field": {"type": "string"},
                                             "fieldId": {"type": "string"},
                                             "toString": {"type": "string"}}}}}},
    },
}
_AUTOMATION_REQUEST = {
    "type": "object", "required": ["action", "issue"],
    "properties": {"action": {"type": "string"}, "issue": {"type": "string"},
                   "actor": {"type": "string"}},
}


@router.post("/jira", response_model=None, openapi_extra=_json_body(_JIRA_EVENT))
async def jira_webhook(ctx: Ctx, request: Request) -> JSONResponse:
    """A Jira admin webhook, signed with HMAC-SHA256 (`X-Hub-Signature: sha256=...`)."""
    body = await _read_limited(request, ctx.config.webhooks.max_body_kb * 1024)
    secret = _secret(ctx.config.secrets.webhooks_secret)
    if not signature_ok(secret, body, request.headers.get("x-hub-signature")):
        metrics.WEBHOOKS.labels("jira", "bad_signature").inc()
        raise Unauthenticated("bad_signature", "missing or wrong X-Hub-Signature [bad_signature]")
    payload = _json(body)
    _check_age(payload, ctx.clock(), timedelta(hours=ctx.config.webhooks.max_age_hours))
    event = _parse_event(payload)
    delivery = request.headers.get(DELIVERY_HEADER) or None
    digest = hashlib.sha256(body).hexdigest()
    # kept in the store, so a restarted daemon or a second one on the same store knows it;
    # the body's digest too, as the identifier is neither signed nor required
    if not await run_in_threadpool(
        lambda: ctx.store.remember_delivery(delivery, ctx.clock(), digest=digest)
    ):
        metrics.WEBHOOKS.labels("jira", "duplicate").inc()
        return JSONResponse({"status": "duplicate", "delivery": delivery})
    try:
        workflow = ctx.config.workflow
        action = configured_action(event, workflow.on_status, workflow.on_delete)
        if action is None or event.issue_key is None:
            outcome = Outcome.ignored("no workflow action for this event")
        else:
            trigger = Trigger(Source.WEBHOOK, event.issue_key, event.new_status,
                              deleted=event.kind is EventKind.DELETED,
                              jira_actor=event.actor_ids)
            outcome = await run_in_threadpool(run_action, ctx, action, trigger)
    except (StoreError, ApiError):
        # refused or failed: Jira's retry gets a new chance
        await run_in_threadpool(lambda: ctx.store.forget_delivery(delivery, digest=digest))
        metrics.WEBHOOKS.labels("jira", "refused").inc()
        raise
    metrics.WEBHOOKS.labels("jira", outcome.status).inc()
    return outcome.response()


def _parse_event(payload: Any) -> JiraEvent:
    try:
        return parse_jira_event(payload)
    except BadEvent as exc:
        raise BadRequest("webhook_body", str(exc)) from None


def _check_age(payload: Any, now: datetime, max_age: timedelta) -> None:
    """Refuse a delivery whose payload says it is older than `max_age` (a replay)."""
    sent = event_time(payload)
    if sent is not None and now - sent > max_age:
        hours = max_age.total_seconds() / 3600
        raise BadRequest("webhook_stale",
                         f"the delivery's timestamp is more than {hours:g} hours old "
                         "([webhooks] max_age_hours) [webhook_stale]")


@router.post("/automation", response_model=None,
             openapi_extra=_json_body(_AUTOMATION_REQUEST))
async def automation_webhook(ctx: Ctx, request: Request) -> JSONResponse:
    """Jira Automation's "Send web request": `{"action", "issue", "actor"}`, secret header."""
    body = await _read_limited(request, ctx.config.webhooks.max_body_kb * 1024)
    secret = _secret(ctx.config.secrets.webhooks_automation_secret)
    if not shared_secret_ok(secret, request.headers.get("x-automation-secret")):
        metrics.WEBHOOKS.labels("automation", "bad_secret").inc()
        raise Unauthenticated("bad_secret", "missing or wrong X-Automation-Secret [bad_secret]")
    try:
        automation = parse_automation(_json(body))
    except (BadEvent, BadAction) as exc:
        raise BadRequest("automation_body", str(exc)) from None
    if not automation_allows(automation.action, ctx.config.workflow.automation_actions):
        metrics.WEBHOOKS.labels("automation", "refused").inc()
        raise PermissionDenied(
            "automation_action",
            f"Automation may not ask for {automation.action}: list it in "
            "[workflow] automation_actions [automation_action]")
    trigger = Trigger(Source.AUTOMATION, automation.issue_key, jira_actor=automation.actor_ids)
    outcome = await run_in_threadpool(run_action, ctx, automation.action, trigger)
    metrics.WEBHOOKS.labels("automation", outcome.status).inc()
    return outcome.response()

