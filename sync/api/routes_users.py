"""`/api/v1/users`: offboarding for admins (who is disabled, when tokens expire; disable,
enable, a new token with an expiry). The store checks that an admin asks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from store.errors import Invalid
from sync.api.context import Ctx, CurrentUser
from sync.durations import parse_duration

router = APIRouter(prefix="/api/v1/users", tags=["users"])
Json = dict[str, Any]


@router.get("")
def list_users(ctx: Ctx, user: CurrentUser) -> list[Json]:
    """Every user, with whether they are disabled and when their token expires (admins)."""
    return [u.to_json() for u in ctx.store.list_users(actor=user.name)]


@router.post("/{name}/disable")
def disable_user(ctx: Ctx, user: CurrentUser, name: str) -> Json:
    """Offboard `name`: their token stops working at once, their locks are released
    (audited), their sessions are kept (admins)."""
    return ctx.store.disable_user(name, actor=user.name).to_json()


@router.post("/{name}/enable")
def enable_user(ctx: Ctx, user: CurrentUser, name: str) -> Json:
    """Let a disabled user back in; they need a new token (admins)."""
    return ctx.store.enable_user(name, actor=user.name).to_json()


@router.post("/{name}/token")
def issue_token(
    ctx: Ctx, user: CurrentUser, name: str,
    expires: Annotated[str | None, Body(embed=True, max_length=16,
                                        description="e.g. 90d, 12h, 2w; none: no expiry")] = None,
) -> Json:
    """A new token for `name` (yourself, or anyone for admins), shown once; the old one
    stops working."""
    try:
        lifetime = parse_duration(expires) if expires is not None else None
    except ValueError as exc:
        raise Invalid("expiry_invalid", f"{exc} [expiry_invalid]") from None
    token = ctx.store.issue_token(name, actor=user.name, expires=lifetime)
    return {"user": name, "token": token,
            "expires": ctx.store.get_user(name).to_json()["token_expires"]}
