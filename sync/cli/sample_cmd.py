"""`xray-sync sample`: seed the sample data into the store and list what it holds."""

from __future__ import annotations

import click

from store.views import SessionQuery
from sync.cli.context import CliState, json_option, pass_state
from sync.cli.output import emit, sessions_table
from sync.cli.sample import ADMIN, seed_sample


@click.command("sample")
@json_option
@pass_state
def sample(state: CliState) -> None:
    """Add sample users (alice, bob, carol), the workspace qa-team and sessions; list them."""
    store = state.store()
    added = seed_sample(store, project=state.config().jira.project)
    page = store.list_sessions(ADMIN, SessionQuery(limit=100))
    sessions = [s.to_json() for s in page.items]
    data = {"added": added.to_json(), "sessions": sessions}

    def text() -> str:
        what = (f"added {len(added.users)} users, {len(added.workspaces)} workspaces, "
                f"{len(added.sessions)} sessions" if any(added.to_json().values())
                else "the sample data is already there")
        hint = "try: xray-sync --as bob sessions list --workspace qa-team"
        return f"{what}\nsessions as {ADMIN} (admin) sees them:\n{sessions_table(sessions)}\n{hint}"

    emit(state.json, data, text)


def register(root: click.Group) -> None:
    root.add_command(sample)
