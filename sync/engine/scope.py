"""Which issue types a project's pull and reconcile must see (`issuetype in (...)`).

A session is compared with its Test Execution, a charter with its Test; the Tests made
for sessions and the Bugs are only echoes of our own pushes. Searching every marked
issue paged through about three issues per changed session; asking Jira for Test
Executions only (plus Tests where charters are linked) pages through one.

Which projects hold linked charters is a store query
(`store.sync_state.charter_projects`, one small query per cycle).
"""

from __future__ import annotations

from connector.payloads import ISSUE_TYPES

EXECUTIONS_ONLY: tuple[str, ...] = (ISSUE_TYPES["execution"],)
WITH_CHARTERS: tuple[str, ...] = (ISSUE_TYPES["execution"], ISSUE_TYPES["test"])


def issue_types(project: str, with_charters: frozenset[str]) -> tuple[str, ...]:
    """The issue types to search in `project`: Test Executions, and Tests if charters are there."""
    return WITH_CHARTERS if project in with_charters else EXECUTIONS_ONLY
