"""`xray-sync users add | list | token`: the people who use xray-sync."""

from __future__ import annotations

import click

from sync.cli.context import CliState, json_option, pass_state
from sync.cli.output import emit, key_values, table


@click.group("users")
@json_option
def users() -> None:
    """Add users (admins only), list them, issue API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Make the user an admin.")
@click.option("--jira-account-id", metavar="ID", default=None, help="The user's Jira accountId.")
@json_option
@pass_state
def add(state: CliState, name: str, admin: bool, jira_account_id: str | None) -> None:
    """Add the user NAME and their personal workspace, named after them (admins only)."""
    user = state.store().add_user(
        name, admin=admin, jira_account_id=jira_account_id, actor=state.actor()
    )
    data = user.to_json()
    emit(state.json, data, lambda: "created user\n" + key_values(data))


@users.command("list")
@json_option
@pass_state
def list_(state: CliState) -> None:
    """List every user."""
    data = [user.to_json() for user in state.store().list_users()]
    rows = [[str(u["name"]), str(u["role"]), str(u.get("jira_account_id") or "-")] for u in data]
    emit(state.json, data, lambda: table(("Name", "Role", "Jira account"), rows))


@users.command("token")
@click.argument("name")
@json_option
@pass_state
def token(state: CliState, name: str) -> None:
    """Issue a new API token for NAME for the HTTP API (the old one stops working).

    Your own token, or, for admins only, anyone's."""
    value = state.store().issue_token(name, actor=state.actor())
    data = {"user": name, "token": value}
    emit(state.json, data, lambda: key_values(data))


def register(root: click.Group) -> None:
    root.add_command(users)
