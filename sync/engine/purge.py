"""What a purged `xray` session leaves to do in Jira: `[sync] on_purge`.

Purging a session from the trash (`Store.purge_trash`) deletes its row and its link in
one transaction and writes an outbox entry of kind `purge` that carries the link's keys
and the session's name (`{"project", "test_execution", "test", "name"}`). The push phase
claims that entry like any other (so two daemons never act on it twice) and hands it
here: the issue (the Test Execution; a charter's Test) is moved through
`[sync] purge_transition`, commented on (naming the session), or left in place (`leave`,
the default, docs/design.md section 3).

Nothing to do: a session never pushed (no keys), an issue deleted in Jira meanwhile. A
failure raises, so the entry stays and is tried again after the push backoff: the Jira
side of a purge is never dropped by a passing outage.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from connector.base import Backend
from connector.errors import NotFound

log = logging.getLogger("xray_sync.sync.purge")

PURGE_KIND = "purge"
PurgeAction = Literal["leave", "transition", "comment"]
Entry = tuple[int, str, str]


@dataclass(frozen=True)
class PurgePolicy:
    """`[sync] on_purge` and `[sync] purge_transition`."""

    action: PurgeAction = "leave"
    transition: str = "Cancelled"


@dataclass(frozen=True)
class PurgedIssue:
    """The Jira issue a purged session was compared with."""

    session_id: str
    key: str
    name: str | None = None  # None: an entry written before the name was carried


def purged_issue(session_id: str, entries: Sequence[Entry]) -> PurgedIssue | None:
    """The issue named by the session's purge entry (its Test Execution, else its Test),
    or None when there is no purge entry or the session was never pushed."""
    for _entry_id, kind, payload in entries:
        if kind != PURGE_KIND:
            continue
        try:
            keys = json.loads(payload or "{}")
        except ValueError:
            log.warning("purge entry of %s has an unreadable payload", session_id)
            return None
        if not isinstance(keys, dict):
            return None
        key = keys.get("test_execution") or keys.get("test")
        name = keys.get("name")
        return PurgedIssue(session_id, str(key), name if isinstance(name, str) else None) \
            if key else None
    return None


def comment_text(session_id: str, name: str | None = None) -> str:
    """The comment left on the issue of a purged session (named, when its name is known)."""
    who = f'"{name}" ({session_id})' if name else session_id
    return (f"The exploratory session {who} was deleted in xray-sync and purged "
            "from its trash. This issue is kept as the record of its run.")


def carry_out(backend: Backend, policy: PurgePolicy, issue: PurgedIssue) -> bool:
    """Transition or comment on the purged session's issue; whether Jira was changed.

    Raises the connector's error (the entry is then tried again later), except NotFound:
    an issue deleted in Jira needs nothing more.
    """
    if policy.action == "leave":
        return False
    try:
        if policy.action == "transition":
            backend.transition_issue(issue.key, policy.transition)
        else:
            backend.add_comment(issue.key, comment_text(issue.session_id, issue.name))
    except NotFound:
        log.info("purged session %s: issue %s is gone from Jira", issue.session_id, issue.key)
        return False
    log.info("purged session %s: issue %s %s", issue.session_id, issue.key,
             f"moved to {policy.transition}" if policy.action == "transition" else "commented")
    return True
