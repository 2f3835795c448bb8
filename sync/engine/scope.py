"""Which issue types a project's pull and reconcile must see (`issuetype in (...)`).

A session is compared with its Test Execution, a charter with its Test; the Tests made
for sessions and the Bugs are only echoes of our own pushes. Searching every marked
issue paged through about three issues per changed session; asking Jira for Test
Executions only (plus Tests where charters are linked) pages through one.

`charter_projects` reads the store directly: one small query per cycle. It is a store-side
query (its place is `store/sync_state.py`, with the engine's other reads) kept here
until the store's owner takes it over.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from connector.payloads import ISSUE_TYPES
from store.models import ExploratorySession, JiraLink, Mode, SessionType

_S = ExploratorySession.__table__  # type: ignore[attr-defined]  # SQLModel sets it
_L = JiraLink.__table__  # type: ignore[attr-defined]

EXECUTIONS_ONLY: tuple[str, ...] = (ISSUE_TYPES["execution"],)
WITH_CHARTERS: tuple[str, ...] = (ISSUE_TYPES["execution"], ISSUE_TYPES["test"])


def charter_projects(db: Engine) -> frozenset[str]:
    """The projects where a linked `xray` charter has its Test."""
    query = (select(_L.c.project).join(_S, _S.c.id == _L.c.session_id)
             .where(_S.c.type == SessionType.CHARTER.value, _S.c.mode == Mode.XRAY.value,
                    _L.c.test.is_not(None))
             .distinct())
    with db.connect() as conn:
        return frozenset(str(r[0]) for r in conn.execute(query))


def issue_types(project: str, with_charters: frozenset[str]) -> tuple[str, ...]:
    """The issue types to search in `project`: Test Executions, and Tests if charters are there."""
    return WITH_CHARTERS if project in with_charters else EXECUTIONS_ONLY
