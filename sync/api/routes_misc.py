"""The API's other endpoints: who am I, workspaces, sync on demand, health and metrics."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse, Response

from store.audit import AuditQuery
from store.errors import PermissionDenied, StoreError
from store.views import UserOut
from sync import metrics
from sync.api.context import ApiContext, Ctx, CurrentUser
from sync.api.errors import SyncUnavailable, TooManyRequests
from sync.api.sync_policy import scoped_status
from sync.control import SyncControl

router = APIRouter()
log = logging.getLogger(__name__)
Json = dict[str, Any]


@router.get("/api/v1/me", tags=["users"])
def me(ctx: Ctx, user: CurrentUser) -> Json:
    """The signed-in user and the workspaces they are a member of."""
    body = user.to_json()
    body["is_admin"] = user.is_admin
    body["member_of"] = sorted(ctx.member_of(user))
    return body


@router.get("/api/v1/workspaces", tags=["workspaces"])
def workspaces(ctx: Ctx, user: CurrentUser) -> list[Json]:
    """The workspaces the caller sees (an admin sees all), personal and team."""
    return [ws.to_json() for ws in ctx.store.list_workspaces(user.name)]


@router.get("/api/v1/changes", tags=["sessions"])
def changes(ctx: Ctx, user: CurrentUser) -> Json:
    """An opaque `stamp` that differs whenever a session or its sync state changed (poll it,
    and read the listing again when it moves)."""
    return {"stamp": ctx.store.change_stamp()}


@router.get("/api/v1/audit", tags=["operations"])
def audit_trail(
    ctx: Ctx,
    user: CurrentUser,
    user_name: Annotated[str | None, Query(alias="user", max_length=255)] = None,
    session: Annotated[str | None, Query(max_length=64)] = None,
    operation: Annotated[str | None, Query(max_length=32)] = None,
    since: datetime | None = None,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Json:
    """Who did what to which session, and when, newest first (admins only); `next_before`
    for the next page."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # a time without a zone is read as UTC
    query = AuditQuery(actor=user_name, session_id=session, operation=operation,
                       since=since, before=before, limit=limit)
    page = ctx.store.audit(user.name, query)
    return {"items": [entry.to_json() for entry in page.items], "next_before": page.next_before}


@router.get("/api/v1/notices", tags=["users"])
def my_notices(
    ctx: Ctx, user: CurrentUser, after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0
) -> Json:
    """The caller's notices after `after`: a save of theirs kept as a conflicted copy, a lock
    of theirs ended by someone else; `last` is the id to pass next time."""
    items = [n.to_json() for n in ctx.store.notices(user.name, after)]
    return {"items": items, "last": items[-1]["id"] if items else after}


def _sync_control(ctx: ApiContext) -> SyncControl:
    if ctx.sync is None:
        raise SyncUnavailable("no_sync_engine", "no sync engine runs here: start the daemon")
    return ctx.sync


@router.post("/api/v1/sync", status_code=202, tags=["sync"],
             responses={200: {"description": "the plan of a dry run (`dry_run`)"},
                        429: {"description": "the caller's on-demand syncs are used up"}})
def request_sync(
    ctx: Ctx,
    user: CurrentUser,
    session: Annotated[str | None, Body(embed=True, max_length=64)] = None,
    reconcile: Annotated[bool, Body(embed=True)] = False,
    dry_run: Annotated[bool, Body(embed=True)] = False,
    force: Annotated[bool, Body(embed=True)] = False,
) -> Any:
    """Ask the daemon for a sync of one session (one the caller sees) or of all, after the
    deletion listing with `reconcile`; with `dry_run`, answer 200 with what that cycle
    would do and cost, sending no write and storing nothing. Each user has a budget of
    on-demand syncs (429 with Retry-After past it); `force` (admins only) ignores it."""
    control = _sync_control(ctx)
    if session is not None:
        ctx.store.show(user.name, session)  # not_found / permission_denied before we ask
    _spend(ctx, user, force)
    if dry_run:
        return JSONResponse(control.plan(session, reconcile=reconcile), status_code=200)
    control.request(session, reconcile=reconcile)
    return {"requested": True, "session": session, "reconcile": reconcile}


@router.post("/api/v1/sessions/{session_id}/retry-sync", status_code=202, tags=["sync"])
def retry_sync(ctx: Ctx, user: CurrentUser, session_id: str) -> Json:
    """Retry sync: ask the daemon for a sync of this session now (its owner or an admin),
    within the caller's budget of on-demand syncs."""
    control = _sync_control(ctx)
    ctx.store.may_sync(user.name, session_id)
    _spend(ctx, user, False)
    control.request(session_id)
    return {"requested": True, "session": session_id}


def _spend(ctx: ApiContext, user: UserOut, force: bool) -> None:
    """Take one of the user's on-demand syncs, or refuse (a forced one: admins only)."""
    if force:
        if not user.is_admin:
            raise PermissionDenied("admin_only", "sync: only admins may force a sync "
                                   "[admin_only]")
        return
    wait = ctx.sync_budget.take(user.name, ctx.clock())
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            "sync_rate_limited",
            f"you asked for syncs too often: ask again in {seconds} s; the daemon also syncs "
            "every [sync] interval [sync_rate_limited]", {"Retry-After": str(seconds)})


@router.get("/api/v1/sync/status", tags=["sync"])
def sync_status(ctx: Ctx, user: CurrentUser) -> Json:
    """The sync engine's state: running, last cycle, next run, outbox depth. A cycle's
    messages name sessions: a user sees those about sessions they may see (admins: all)."""
    status: Json = _sync_control(ctx).status()
    if user.is_admin:
        return status
    return scoped_status(status, lambda sid: _may_see(ctx, user, sid))


def _may_see(ctx: ApiContext, user: UserOut, session_id: str) -> bool:
    try:
        ctx.store.show(user.name, session_id)
    except StoreError:
        return False
    return True


@router.get("/healthz", tags=["operations"])
def healthz(ctx: Ctx) -> JSONResponse:
    """`ok` (200) when the store and Jira answer; `degraded` (200) when only Jira does not:
    this instance serves its API and console while the outbox waits for Jira; `unavailable`
    (503) when the store does not answer."""
    checks: dict[str, str] = {"store": "ok" if _store_ok(ctx) else "unavailable"}
    if ctx.jira_ping is not None:
        checks["jira"] = "ok" if _jira_ok(ctx) else "unavailable"
    if checks["store"] != "ok":
        status = "unavailable"
    else:
        status = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    return JSONResponse({"status": status, "checks": checks},
                        status_code=503 if status == "unavailable" else 200)


def _store_ok(ctx: ApiContext) -> bool:
    try:
        ctx.store.ping()
    except StoreError:
        return False
    except Exception:  # the probe must answer, whatever the database driver raises
        log.exception("store health check failed")
        return False
    return True


def _jira_ok(ctx: ApiContext) -> bool:
    assert ctx.jira_ping is not None
    try:
        return bool(ctx.jira_ping())
    except Exception:  # a probe that raises is a failed probe
        log.warning("jira health check failed", exc_info=True)
        return False


@router.get("/metrics", tags=["operations"])
def metrics_endpoint(ctx: Ctx) -> Response:
    """Prometheus text format: sync counters, and outbox depth / locks held read now."""

    text = metrics.render(lambda: metrics.store_gauges(ctx.store.gauges()))
    return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")
