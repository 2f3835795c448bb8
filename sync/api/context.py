"""What every route needs: the config, the store, the sync engine seam, and small helpers.

One `ApiContext` lives in `app.state.ctx`; routes receive it (and the signed-in
user) through typed FastAPI dependencies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from store.api import Store
from store.columns import utc_now
from store.errors import NotFound, PermissionDenied
from store.views import SessionOut, UserOut
from sync.api.allowed import allowed_actions
from sync.api.errors import Unauthenticated
from sync.api.sync_policy import SyncBudget
from sync.config import Config
from sync.control import SyncControl

MEMBERSHIP_TTL = 5.0  # seconds


@dataclass
class ApiContext:
    """The app's collaborators."""

    config: Config
    store: Store
    sync: SyncControl | None
    jira_ping: Callable[[], bool] | None = None
    clock: Callable[[], datetime] = utc_now
    # on-demand syncs per user (`[sync] request_burst`, `request_interval_seconds`)
    sync_budget: SyncBudget = field(default_factory=lambda: SyncBudget(3, 10.0))
    # user -> (when read, workspaces): only shapes the options offered; the store decides
    _memberships: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)

    def member_of(self, user: UserOut) -> frozenset[str]:
        """The workspaces `user` is a member of (an admin sees more, but is not a member).

        Read at most every MEMBERSHIP_TTL seconds per user: it decides only which options
        a row offers, never what the store allows.
        """
        now = time.monotonic()
        cached = self._memberships.get(user.name)
        if cached is not None and now - cached[0] < MEMBERSHIP_TTL:
            return cached[1]
        names = frozenset(
            ws.name for ws in self.store.list_workspaces(user.name) if user.name in ws.members
        )
        if len(self._memberships) > 10_000:
            self._memberships.clear()
        self._memberships[user.name] = (now, names)
        return names

    def session_json(
        self,
        user: UserOut,
        session: SessionOut,
        member_of: frozenset[str] | None = None,
        memo: dict[tuple[Any, ...], list[str]] | None = None,
    ) -> dict[str, Any]:
        """A session's JSON with the options this user may use on it (`allowed_actions`).

        `memo`, shared across the rows of one answer, asks the rules once per distinct
        state (owner, mode, lock, trash, workspace) instead of once per row.
        """
        members = self.member_of(user) if member_of is None else member_of
        body = session.to_json()
        lock = session.lock
        key = (session.owner, session.mode, session.workspace, session.trashed,
               lock.holder if lock else None, lock.since if lock else None)
        options = memo.get(key) if memo is not None else None
        if options is None:
            options = allowed_actions(
                user, session, members, self.config.store.lock_lease_seconds, self.clock()
            )
            if memo is not None:
                memo[key] = options
        body["allowed_actions"] = list(options)
        return body


async def get_ctx(request: Request) -> ApiContext:
    """The app's context."""
    ctx: ApiContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ApiContext, Depends(get_ctx)]


_BEARER = HTTPBearer(auto_error=False, description="a user's token: `xray-sync users token NAME`")


def current_user(
    ctx: Ctx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
) -> UserOut:
    """The user named by `Authorization: Bearer <token>`; 401 otherwise."""
    if credentials is None or not credentials.credentials.strip():
        raise Unauthenticated("bearer_token", "send Authorization: Bearer <token> [bearer_token]")
    try:
        return ctx.store.user_for_token(credentials.credentials.strip())
    except (NotFound, PermissionDenied):
        raise Unauthenticated("bad_token", "the token is unknown or revoked [bad_token]") from None


CurrentUser = Annotated[UserOut, Depends(current_user)]
