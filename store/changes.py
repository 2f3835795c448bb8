"""A cheap stamp of "something changed": what the console polls to refresh without a reload.

Two sources, read in one statement of a few primary-key lookups, whatever the size of the
store:

- The audit log. Every management operation, lock expiry and Jira action writes an audit
  row in its own transaction, so the log's highest id moves with each of them. On
  PostgreSQL ids come from a sequence when the row is written, not when it commits: a
  transaction may commit a lower id after a higher one was seen. The stamp therefore
  also counts the rows among the last `AUDIT_WINDOW` ids, which such a late row adds to.
- A counter of link writes. The sync's results (a push done, an error set or cleared,
  keys recorded, a conflict noted) change `jira_links` without an audit row; each such
  write adds one to `change_counters` row `jira_links` as the last statement of its
  transaction (`links_changed`). The row's lock orders those additions as their
  transactions commit, so the counter, unlike an id, never moves backwards in commit
  order. Writes that change nothing the console shows (the sync base alone, an error
  recorded again as it was) leave it as it is.

The stamp is opaque: equal stamps mean nothing changed; it says nothing of what or where.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from store.models import AuditEntry, ChangeCounter

A = AuditEntry.__table__  # type: ignore[attr-defined]  # SQLModel sets it
C = ChangeCounter.__table__  # type: ignore[attr-defined]
LINK_WRITES = "jira_links"
# how far back a late audit row is still seen: more audit rows than this committing while
# one transaction holds its id uncommitted is far beyond any load the store is built for
AUDIT_WINDOW = 1000


def stamp(conn: Connection) -> str:
    """An opaque string that differs whenever a session or its sync state changed."""
    last = select(func.coalesce(func.max(A.c.id), 0)).scalar_subquery()
    recent = (select(func.count()).select_from(A).where(A.c.id > last - AUDIT_WINDOW)
              .scalar_subquery())
    links = select(C.c.value).where(C.c.name == LINK_WRITES).scalar_subquery()
    row = conn.execute(select(last, recent, links)).one()
    return f"{row[0]}.{row[1]}.{row[2] or 0}"


def links_changed(conn: Connection) -> None:
    """Count a write to `jira_links` the console shows; the last statement of its
    transaction, so that the counter's row stays locked (PostgreSQL) only until the commit."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(C).values(name=LINK_WRITES, value=1)
                 .on_conflict_do_update(index_elements=["name"],
                                        set_={"value": C.c.value + 1}))
