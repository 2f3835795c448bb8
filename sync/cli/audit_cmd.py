"""`xray-sync audit`: who did what to which session, and when (admins only)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from store.audit import AuditQuery
from sync.cli.context import CliState, json_option, pass_state
from sync.cli.output import emit, table


@click.command("audit")
@click.option("--user", "who", metavar="USER", default=None, help="Only what USER did.")
@click.option("--session", metavar="ID", default=None, help="Only what was done to session ID.")
@click.option("--operation", metavar="OP", default=None,
              help="Only this operation (open, unlock, rename, sync_conflict, ...).")
@click.option("--since", type=click.DateTime(), default=None,
              help="Only from this time on (UTC), e.g. 2026-11-30T09:00.")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True,
              help="How many rows, newest first.")
@json_option
@pass_state
def audit(state: CliState, who: str | None, session: str | None, operation: str | None,
          since: datetime | None, limit: int) -> None:
    """The audit trail, newest first, filtered (admins only)."""
    query = AuditQuery(actor=who, session_id=session, operation=operation, limit=limit,
                       since=since.replace(tzinfo=UTC) if since is not None else None)
    page = state.store().audit(state.actor(), query)
    data = [entry.to_json() for entry in page.items]
    rows = [[str(e["at"]), str(e["actor"] or "-"), str(e["operation"]), str(e["session"] or "-"),
             json.dumps(e["detail"], sort_keys=True) if e["detail"] else ""] for e in data]
    emit(state.json, data, lambda: table(("When", "Who", "What", "Session", "Details"), rows))


def register(root: click.Group) -> None:
    root.add_command(audit)
