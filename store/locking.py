"""Locks: open ("Continue in desktop app"), close, unlock, lease expiry, Jira's archive lock.

Taking a lock is one conditional UPDATE (`... WHERE lock_holder IS NULL OR lock_holder =
:actor`, or an expired lease) whose row count says who won, so that of any number of
concurrent openers exactly one holds the lock, on SQLite and PostgreSQL alike.  The
epoch grows with every lock taken or broken; an admin's unlock remembers whose lock it
broke, so that holder's next save becomes a conflicted copy instead of being lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_, update
from sqlmodel import Session, col, select

from store.context import Ctx, authorize
from store.errors import Locked
from store.models import ExploratorySession
from store.rows import compare_and_set, journal, session_out
from store.rules import JIRA_HOLDER, Operation, Verdict, effective_holder
from store.views import OpenResult, SessionOut

S = ExploratorySession


def lock_in_force(lease_seconds: int | None, now: datetime) -> ColumnElement[bool]:
    """SQL twin of `rules.effective_holder`: the session's lock counts at `now` (Jira's
    always; a user's until its lease, when one is configured, has run out)."""
    held = col(S.lock_holder).is_not(None)
    if lease_seconds is None:
        return held
    return and_(held, or_(col(S.lock_holder) == JIRA_HOLDER, col(S.lock_since).is_(None),
                          col(S.lock_since) > now - timedelta(seconds=lease_seconds)))


def _takeable(ctx: Ctx, holder: str) -> ColumnElement[bool]:
    """SQL: the lock is free for `holder` (free, theirs, or its lease ran out)."""
    in_force = lock_in_force(ctx.settings.lock_lease_seconds, ctx.now)
    return or_(col(S.lock_holder) == holder, not_(in_force))


def take_lock(ctx: Ctx, row: ExploratorySession, holder: str, reason: str | None,
              *, reentrant: bool) -> bool:
    """Atomically make `holder` the lock holder; False if someone else holds it."""
    values: dict[str, object] = {"lock_holder": holder, "lock_since": ctx.now,
                                 "lock_reason": reason, "row_version": S.row_version + 1}
    if not reentrant:
        values["lock_epoch"] = S.lock_epoch + 1
    if row.broken_lock_holder == holder:
        values["broken_lock_holder"] = None
        values["broken_lock_epoch"] = None
    if row.lock_holder not in (None, holder):
        # taking over an expired lease: its holder's next save becomes a conflicted copy
        values["broken_lock_holder"] = row.lock_holder
        values["broken_lock_epoch"] = row.lock_epoch
    statement = (
        update(S)
        .where(col(S.id) == row.id)
        .where(col(S.trashed_at).is_(None))
        .where(_takeable(ctx, holder))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    won = ctx.db.exec(statement).rowcount == 1
    ctx.db.expire(row)
    return won


def _refuse(ctx: Ctx, row: ExploratorySession, what: str) -> Locked:
    ctx.db.refresh(row)
    return Locked("locked_by_other", f"{what}: locked by {row.lock_holder} [locked_by_other]",
                  holder=row.lock_holder, since=row.lock_since)


def open_session(ctx: Ctx, actor: str, session_id: str) -> OpenResult:
    """Take (or take again) the actor's lock and give the desktop link."""
    ok = authorize(ctx, actor, session_id, Operation.OPEN)
    row = ok.row
    reentrant = effective_holder(ok.state, ctx.now) == actor
    if not take_lock(ctx, row, actor, None, reentrant=reentrant):
        raise _refuse(ctx, row, "open")
    journal(ctx.db, actor=actor, operation="open", session_id=row.id, at=ctx.now,
            detail={"lock_epoch": row.lock_epoch})
    out = session_out(ctx.db, row)
    link = ctx.settings.desktop_link_template.format(id=out.id, workspace=out.workspace)
    return OpenResult(session=out, desktop_link=link, lock_epoch=row.lock_epoch)


def release(db: Session, row: ExploratorySession, *, broken_by_other: bool) -> None:
    """Free the lock (compare-and-set); remember whose lock was broken, if it was."""
    values: dict[str, Any] = {"lock_holder": None, "lock_since": None, "lock_reason": None,
                                 "lock_epoch": row.lock_epoch + 1}
    if broken_by_other and row.lock_holder != JIRA_HOLDER:
        values["broken_lock_holder"] = row.lock_holder
        values["broken_lock_epoch"] = row.lock_epoch
    compare_and_set(db, row, **values)


def release_locks_of(db: Session, holder: str, *, workspace_id: int | None, actor: str | None,
                     now: datetime, why: str) -> list[str]:
    """Free every lock `holder` has (in one workspace, or anywhere), each audited.

    Used when a member leaves a workspace or a user is disabled: the owner is not blocked
    by a lock whose holder no longer has any right there.  Their later save is refused
    (they still have their file); were they to come back, it would be a conflicted copy.
    """
    query = select(S).where(col(S.lock_holder) == holder).order_by(col(S.id))
    if workspace_id is not None:
        query = query.where(col(S.workspace_id) == workspace_id)
    released = []
    for row in db.exec(query).all():
        release(db, row, broken_by_other=True)
        journal(db, actor=actor, operation="unlock", session_id=row.id, at=now,
                detail={"holder": holder, "why": why})
        released.append(row.id)
    return released


def close(ctx: Ctx, actor: str, session_id: str) -> SessionOut:
    """Release the actor's own lock (nothing to do if the session is free)."""
    ok = authorize(ctx, actor, session_id, Operation.CLOSE)
    if ok.verdict is Verdict.PROCEED:
        release(ctx.db, ok.row, broken_by_other=False)
        journal(ctx.db, actor=actor, operation="close", session_id=ok.row.id, at=ctx.now)
    return session_out(ctx.db, ok.row)


def unlock(ctx: Ctx, actor: str, session_id: str) -> SessionOut:
    """The holder releases, or an admin breaks, the lock."""
    ok = authorize(ctx, actor, session_id, Operation.UNLOCK)
    row = ok.row
    if ok.verdict is Verdict.PROCEED:
        holder = row.lock_holder
        release(ctx.db, row, broken_by_other=holder != actor)
        journal(ctx.db, actor=actor, operation="unlock", session_id=row.id, at=ctx.now,
                detail={"holder": holder})
    return session_out(ctx.db, row)


def expire_leases(ctx: Ctx) -> list[str]:
    """Free every lock whose lease has run out; their holders' saves become conflicted copies."""
    lease = ctx.settings.lock_lease_seconds
    if lease is None:
        return []
    rows = ctx.db.exec(
        select(S).where(col(S.lock_holder).is_not(None))
        .where(not_(lock_in_force(lease, ctx.now)))
        .order_by(col(S.id))
    ).all()
    expired = []
    for row in rows:
        holder = row.lock_holder
        release(ctx.db, row, broken_by_other=True)
        journal(ctx.db, actor=None, operation="lease_expired", session_id=row.id, at=ctx.now,
                detail={"holder": holder})
        expired.append(row.id)
    return expired


def archive(ctx: Ctx, actor: str, session_id: str, reason: str) -> SessionOut:
    """Jira's lock: read-only until unarchived or an admin unlocks."""
    ok = authorize(ctx, actor, session_id, Operation.ARCHIVE)
    row = ok.row
    reentrant = effective_holder(ok.state, ctx.now) == JIRA_HOLDER
    if not take_lock(ctx, row, JIRA_HOLDER, reason or "archived in Jira", reentrant=reentrant):
        raise _refuse(ctx, row, "archive")
    journal(ctx.db, actor=actor, operation="archive", session_id=row.id, at=ctx.now,
            detail={"reason": reason})
    return session_out(ctx.db, row)


def unarchive(ctx: Ctx, actor: str, session_id: str) -> SessionOut:
    """End Jira's lock."""
    ok = authorize(ctx, actor, session_id, Operation.UNARCHIVE)
    release(ctx.db, ok.row, broken_by_other=False)
    journal(ctx.db, actor=actor, operation="unarchive", session_id=ok.row.id, at=ctx.now)
    return session_out(ctx.db, ok.row)



def locks_held(ctx: Ctx) -> int:
    """How many sessions are locked now, by users or by Jira (expired leases count until freed)."""
    return int(ctx.db.exec(select(func.count()).select_from(S)
                           .where(col(S.lock_holder).is_not(None))).one())
