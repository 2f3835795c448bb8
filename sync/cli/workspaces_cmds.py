"""`xray-sync workspaces add | list | members add|remove`: personal and team workspaces."""

from __future__ import annotations

import click

from sync.cli.context import CliState, json_option, pass_state
from sync.cli.output import JsonDict, emit, key_values, table


@click.group("workspaces")
@json_option
def workspaces() -> None:
    """Add team workspaces and manage their members (admins only), list them."""


@workspaces.command("add")
@click.argument("name")
@click.option("--team", is_flag=True, required=True, help="A team workspace (the only kind).")
@click.option("--member", "members", multiple=True, metavar="USER", help="A member (repeatable).")
@json_option
@pass_state
def add(state: CliState, name: str, team: bool, members: tuple[str, ...]) -> None:
    """Add the team workspace NAME; you and each --member are its members (admins only)."""
    workspace = state.store().add_workspace(state.actor(), name, members=members)
    data = workspace.to_json()
    emit(state.json, data, lambda: "created workspace\n" + key_values(data))


def _row(ws: JsonDict) -> list[str]:
    return [str(ws["name"]), str(ws["kind"]), str(ws.get("owner") or "-"),
            ", ".join(ws.get("members") or []) or "-"]


@workspaces.command("list")
@json_option
@pass_state
def list_(state: CliState) -> None:
    """List the workspaces you are a member of (admins: all)."""
    data = [ws.to_json() for ws in state.store().list_workspaces(state.actor())]
    emit(state.json, data,
         lambda: table(("Name", "Kind", "Owner", "Members"), [_row(ws) for ws in data]))


@workspaces.group("members")
@json_option
def members() -> None:
    """Add or remove members of a team workspace (admins only)."""


@members.command("add")
@click.argument("workspace")
@click.argument("user")
@json_option
@pass_state
def member_add(state: CliState, workspace: str, user: str) -> None:
    """Make USER a member of WORKSPACE (admins only)."""
    result = state.store().add_member(state.actor(), workspace, user)
    data = result.to_json()
    emit(state.json, data, lambda: key_values(data))


@members.command("remove")
@click.argument("workspace")
@click.argument("user")
@json_option
@pass_state
def member_remove(state: CliState, workspace: str, user: str) -> None:
    """Remove USER from WORKSPACE (admins only)."""
    result = state.store().remove_member(state.actor(), workspace, user)
    data = result.to_json()
    emit(state.json, data, lambda: key_values(data))


def register(root: click.Group) -> None:
    root.add_command(workspaces)
