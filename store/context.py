"""What one operation works with (its transaction, settings, blobs and time) and the
single step every session operation starts with: load, then ask `rules.decide`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from store.blobs import BlobStore
from store.models import ExploratorySession, User
from store.rows import actor_for, session_by_id, state_of, user_named
from store.rules import Actor, Operation, SessionState, Verdict, decide
from store.settings import StoreSettings


@dataclass
class Ctx:
    """One operation's database transaction, settings, blob store and clock reading."""

    db: Session
    settings: StoreSettings
    blobs: BlobStore
    now: datetime
    # False for requests nobody can vouch for (Jira Automation): the actor's admin role
    # counts for nothing, only what they may do as a user
    admin_rights: bool = True


@dataclass
class Authorized:
    """A request the rules let through: who, on which row, and what is left to do."""

    user: User
    row: ExploratorySession
    actor: Actor
    state: SessionState
    verdict: Verdict


def authorize(ctx: Ctx, actor: str, session_id: str, op: Operation,
              *, lock_epoch: int | None = None) -> Authorized:
    """Load the actor and the session, then apply the rules table (or raise its error)."""
    user = user_named(ctx.db, actor)
    row = session_by_id(ctx.db, session_id)
    who = actor_for(ctx.db, user, row)
    who = Actor(name=who.name, is_admin=who.is_admin and ctx.admin_rights,
                is_member=who.is_member, lock_epoch=lock_epoch)
    state = state_of(ctx.db, row, ctx.settings.lock_lease_seconds)
    verdict = decide(op, who, state, ctx.now)
    return Authorized(user=user, row=row, actor=who, state=state, verdict=verdict)
