"""Jira webhook deliveries already handled, by `X-Atlassian-Webhook-Identifier` and by the
digest of their signed body.

Jira keeps the identifier stable across its retries, so a retried delivery must have no
second effect, across daemon restarts and across daemons sharing one PostgreSQL store.
The identifier is neither signed nor required, so the SHA-256 of the signed body is kept
too (as `sha256:<hex>`, in the same table, for as long): the same body replayed with a
new identifier, or with none, is a duplicate as well.
Remembering is one `INSERT ... ON CONFLICT DO NOTHING RETURNING` on the primary key (both
SQLite and PostgreSQL have it): of two racing deliveries exactly one inserts the row. Ids older
than the retention are purged (Jira stops retrying long before).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from store.errors import Invalid
from store.models import WebhookDelivery

RETENTION = timedelta(days=7)
MAX_IDENTIFIER = 255
DELIVERIES = WebhookDelivery.__table__  # type: ignore[attr-defined]  # SQLModel sets it


def check_identifier(identifier: str) -> str:
    """The identifier, if it is a non-empty string of at most 255 characters."""
    if not isinstance(identifier, str) or not identifier.strip():
        raise Invalid("delivery_id_empty", "a webhook delivery id must not be empty "
                      "[delivery_id_empty]")
    if len(identifier) > MAX_IDENTIFIER:
        raise Invalid("delivery_id_too_long",
                      f"a webhook delivery id has at most {MAX_IDENTIFIER} characters "
                      "[delivery_id_too_long]")
    return identifier


def remember(conn: Connection, identifier: str, now: datetime) -> bool:
    """Record the delivery; True the first time, False when it was already recorded."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(DELIVERIES).values(identifier=check_identifier(identifier),
                                          received_at=now)
                 .on_conflict_do_nothing(index_elements=["identifier"])
                 .returning(DELIVERIES.c.identifier))
    # a row comes back only when this statement inserted it (psycopg's rowcount is -1 here)
    return conn.execute(statement).first() is not None


def body_key(digest: str) -> str:
    """The key a body's SHA-256 (hex) is remembered under."""
    return f"sha256:{digest}"


def remember_all(conn: Connection, keys: list[str], now: datetime) -> bool:
    """Record every key; True only if none was recorded before (else none stays recorded)."""
    inserted = [key for key in keys if remember(conn, key, now)]
    if len(inserted) == len(keys):
        return True
    for key in inserted:  # a replay under a new identifier: that identifier means nothing
        forget(conn, key)
    return False


def forget(conn: Connection, identifier: str) -> None:
    """Drop the delivery (its handling failed, so Jira's retry must be handled)."""
    conn.execute(delete(DELIVERIES).where(DELIVERIES.c.identifier == identifier))


def purge(conn: Connection, older_than: datetime) -> int:
    """Drop the deliveries received before `older_than`; how many went."""
    gone = delete(DELIVERIES).where(DELIVERIES.c.received_at < older_than)
    return int(conn.execute(gone).rowcount)
