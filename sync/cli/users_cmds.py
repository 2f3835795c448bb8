"""`xray-sync users add | list | token | disable | enable`: the people who use xray-sync."""

from __future__ import annotations

import click

from sync.cli.context import CliState, json_option, pass_state
from sync.cli.output import emit, key_values, table
from sync.durations import parse_duration


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
    """List every user, with who is disabled and when tokens expire."""
    data = [user.to_json() for user in state.store().list_users()]
    rows = [[str(u["name"]), str(u["role"]), str(u.get("jira_account_id") or "-"),
             str(u.get("disabled") or "-"), str(u.get("token_expires") or "-")] for u in data]
    emit(state.json, data,
         lambda: table(("Name", "Role", "Jira account", "Disabled", "Token expires"), rows))


@users.command("token")
@click.argument("name")
@click.option("--expires", metavar="DURATION", default=None,
              help="The token's lifetime: 90d, 12h, 2w, 30m (default: until replaced).")
@json_option
@pass_state
def token(state: CliState, name: str, expires: str | None) -> None:
    """Issue a new API token for NAME for the HTTP API (the old one stops working).

    Your own token, or, for admins only, anyone's."""
    try:
        lifetime = parse_duration(expires) if expires is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expires") from None
    store = state.store()
    value = store.issue_token(name, actor=state.actor(), expires=lifetime)
    data = {"user": name, "token": value}
    if lifetime is not None:
        data["expires"] = str(store.get_user(name).to_json()["token_expires"])
    emit(state.json, data, lambda: key_values(data))


@users.command("disable")
@click.argument("name")
@json_option
@pass_state
def disable(state: CliState, name: str) -> None:
    """Offboard NAME (admins only): their token stops working at once, the locks they hold
    are released (audited), their sessions stay."""
    data = state.store().disable_user(name, actor=state.actor()).to_json()
    emit(state.json, data, lambda: "disabled user\n" + key_values(data))


@users.command("enable")
@click.argument("name")
@json_option
@pass_state
def enable(state: CliState, name: str) -> None:
    """Let NAME back in (admins only); they need a new token (`users token NAME`)."""
    data = state.store().enable_user(name, actor=state.actor()).to_json()
    emit(state.json, data, lambda: "enabled user\n" + key_values(data))


def register(root: click.Group) -> None:
    root.add_command(users)
