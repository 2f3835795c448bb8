"""Which of the panel's options a user may use on a session, asked of `store.rules`.

The console offers only these. No rule is written here: each option is one call
to `store.rules.decide` with the user and the session's state; an option is offered
when the rules let it proceed (and it would do something).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from store.errors import StoreError
from store.rules import Actor, Operation, SessionState, Verdict, decide
from store.views import SessionOut, UserOut

# the console's options, in menu order, and the store operation each one is
OPTIONS: tuple[tuple[str, Operation], ...] = (
    ("open", Operation.OPEN),
    ("duplicate", Operation.DUPLICATE),
    ("download", Operation.DOWNLOAD),
    ("rename", Operation.RENAME),
    ("unlock", Operation.UNLOCK),
    ("delete", Operation.DELETE),
    ("move", Operation.MOVE),
    ("restore", Operation.RESTORE),
    ("history", Operation.HISTORY),
    ("revert", Operation.REVERT),
    ("connect", Operation.CONNECT),
    ("disconnect", Operation.DISCONNECT),
    ("retry_sync", Operation.SYNC),
)


def session_state(session: SessionOut, lease_seconds: int | None) -> SessionState:
    """The rules' view of a session row."""
    lock = session.lock
    return SessionState(
        owner=session.owner,
        mode=session.mode,
        lock_holder=lock.holder if lock else None,
        lock_since=lock.since if lock else None,
        lock_epoch=lock.epoch if lock else 0,
        trashed=session.trashed,
        lease_seconds=lease_seconds,
    )


def allowed_actions(
    user: UserOut,
    session: SessionOut,
    member_of: Collection[str],
    lease_seconds: int | None,
    now: datetime,
) -> list[str]:
    """The options `user` may use on `session` now, in menu order."""
    actor = Actor(name=user.name, is_admin=user.is_admin, is_member=session.workspace in member_of)
    state = session_state(session, lease_seconds)
    allowed: list[str] = []
    for option, operation in OPTIONS:
        if option == "retry_sync" and (session.link is None or session.link.state != "error"):
            continue  # offered only to a session stuck in sync errors
        try:
            verdict = decide(operation, actor, state, now)
        except StoreError:
            continue
        if verdict is not Verdict.NOTHING_TO_DO:
            allowed.append(option)
    return allowed
