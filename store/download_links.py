"""Short-lived, single-use links to a session file: the console's downloads go to disk.

A signed-in user asks for a link (the rules of `download` apply then); whoever opens it
within its lifetime gets the file once, without a token, so a browser can save it
straight to disk. Only the SHA-256 of the link's secret is stored; redeeming deletes the
row first (`DELETE ... RETURNING`), so of two racing redemptions exactly one gets the
file, on any daemon sharing the store, and the rules are asked again as the user then.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert

from store.content import version_row
from store.context import Ctx, authorize
from store.errors import NotFound
from store.models import DownloadLink
from store.rules import Operation

LIFETIME = timedelta(seconds=60)
L = DownloadLink.__table__  # type: ignore[attr-defined]  # SQLModel sets it


@dataclass(frozen=True)
class IssuedLink:
    """The link's secret (shown once, never stored) and when it stops working."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkTarget:
    """What a redeemed link names: who asked, which session, which version (None: the last)."""

    user: str
    session_id: str
    version: int | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(ctx: Ctx, actor: str, session_id: str, version: int | None) -> IssuedLink:
    """A new link for `actor`, who must be allowed to download that version now."""
    ok = authorize(ctx, actor, session_id, Operation.DOWNLOAD)
    if version is not None:
        version_row(ctx, ok.row.id, version)
    connection = ctx.db.connection()
    connection.execute(delete(L).where(L.c.expires_at < ctx.now))  # the expired ones go
    token = secrets.token_urlsafe(32)
    expires_at = ctx.now + LIFETIME
    connection.execute(insert(L).values(token_hash=_hash(token), user_name=actor,
                                        session_id=ok.row.id, version=version,
                                        expires_at=expires_at))
    return IssuedLink(token=token, expires_at=expires_at)


def redeem(ctx: Ctx, token: str) -> LinkTarget:
    """Use the link up (whatever happens next) and say what it names; unknown, used or expired
    links are `NotFound` (`link_expired`), all alike."""
    row = ctx.db.connection().execute(
        delete(L).where(L.c.token_hash == _hash(token))
        .returning(L.c.user_name, L.c.session_id, L.c.version, L.c.expires_at)
    ).first()
    if row is None or row.expires_at <= ctx.now:
        raise NotFound("link_expired",
                       "the download link has expired or was used already [link_expired]")
    return LinkTarget(user=row.user_name, session_id=row.session_id, version=row.version)
