"""`xray-sync sessions save | revert | rename | duplicate | move | connect | disconnect |
reassign`.

The commands that change a session's content, name, workspace or connection mode;
`register` adds them to the `sessions` group of `sync.cli.sessions_cmds`.
"""

from __future__ import annotations

from pathlib import Path

import click

from store.views import SessionOut
from sync.cli.context import CliState, json_option, pass_state
from sync.cli.output import emit, key_values

ID = click.argument("session_id", metavar="ID")


def _print(state: CliState, session: SessionOut, verb: str) -> None:
    data = session.to_json()
    emit(state.json, data, lambda: f"{verb} {session.type} {session.id}\n" + key_values(data))


@click.command("save")
@ID
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_state
def save(state: CliState, session_id: str, file: Path) -> None:
    """Save FILE as the new content of the session (you must hold its lock)."""
    store, actor = state.store(), state.actor()
    with file.open("rb") as stream:
        session = store.save(actor, session_id, stream)
    if session.id != session_id:
        # an admin broke the lock meanwhile: the content was kept as a conflicted copy
        _print(state, session, "your lock was broken; saved as the conflicted copy")
        return
    _print(state, session, "saved")


@click.command("revert")
@ID
@click.argument("version", type=click.IntRange(min=1))
@json_option
@pass_state
def revert(state: CliState, session_id: str, version: int) -> None:
    """Make VERSION the current content again (as a new version)."""
    _print(state, state.store().revert(state.actor(), session_id, version), "reverted")


@click.command("rename")
@ID
@click.argument("new_name")
@json_option
@pass_state
def rename(state: CliState, session_id: str, new_name: str) -> None:
    """Rename the session."""
    _print(state, state.store().rename(state.actor(), session_id, new_name), "renamed")


@click.command("duplicate")
@ID
@click.option("--to", "workspace", metavar="WORKSPACE", required=True)
@click.option("--name", metavar="NAME", default=None, help="Default: the original's name.")
@json_option
@pass_state
def duplicate(state: CliState, session_id: str, workspace: str, name: str | None) -> None:
    """Duplicate the session to WORKSPACE (its last saved version)."""
    copy = state.store().duplicate(state.actor(), session_id, workspace, name)
    _print(state, copy, "created")


@click.command("move")
@ID
@click.option("--to", "workspace", metavar="WORKSPACE", required=True)
@click.option("--keep-original", is_flag=True, help="Copy instead: the original stays.")
@json_option
@pass_state
def move(state: CliState, session_id: str, workspace: str, keep_original: bool) -> None:
    """Move the session to WORKSPACE (an xray session keeps its Jira link)."""
    moved = state.store().move(state.actor(), session_id, workspace, keep_original=keep_original)
    _print(state, moved, "created" if moved.id != session_id else "moved")


@click.command("connect")
@ID
@click.option("--project", metavar="KEY", default=None,
              help="The Jira project (default: [jira] project).")
@json_option
@pass_state
def connect(state: CliState, session_id: str, project: str | None) -> None:
    """Connect the session to Xray: it is pushed to the project at the next sync."""
    _print(state, state.store().connect(state.actor(), session_id, project), "connected")


@click.command("disconnect")
@ID
@json_option
@pass_state
def disconnect(state: CliState, session_id: str) -> None:
    """Make the session standalone again (its Jira issues stay in Jira)."""
    _print(state, state.store().disconnect(state.actor(), session_id), "disconnected")


@click.command("reassign")
@ID
@click.option("--owner", metavar="USER", required=True,
              help="The new owner: a member of the session's workspace.")
@json_option
@pass_state
def reassign(state: CliState, session_id: str, owner: str) -> None:
    """Hand the session to another member of its workspace (admins only)."""
    _print(state, state.store().reassign(state.actor(), session_id, owner), "reassigned")


EDIT_COMMANDS = (save, revert, rename, duplicate, move, connect, disconnect, reassign)


def register(root: click.Group) -> None:
    """Add these commands to the root's `sessions` group (`sync.cli.sessions_cmds`
    registers the group first: `COMMANDS` in `sync.cli` names it first)."""
    group = root.commands["sessions"]
    assert isinstance(group, click.Group)
    for command in EDIT_COMMANDS:
        group.add_command(command)
