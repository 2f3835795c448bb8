"""`xray-sync sessions ...`: the seed's panel, listing and the lock/trash lifecycle.

list, import, show, open, close, download, unlock, delete, restore, history live
here; the commands that change a session's content, name, place or mode live in
`sync.cli.sessions_edit_cmds`, on the same `sessions` group.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from store.api import Store
from store.queries import MAX_LIMIT, SORTABLE  # the store owns the listing's rules
from store.views import SessionOut, SessionQuery
from sync.cli.context import CliState, json_option, pass_state
from sync.cli.download import write_download
from sync.cli.output import (
    JsonDict,
    emit,
    human_size,
    key_values,
    sessions_table,
    short_time,
    table,
)


@click.group("sessions")
@json_option
def sessions() -> None:
    """List, import, open, save, download and manage sessions and charters."""


@sessions.command("list")
@click.option("--workspace", metavar="W", default=None)
@click.option("--type", "type_", type=click.Choice(["session", "charter"]), default=None)
@click.option("--mode", type=click.Choice(["standalone", "xray"]), default=None)
@click.option("--owner", metavar="U", default=None)
@click.option("--name", metavar="TEXT", default=None, help="Names containing TEXT (any case).")
@click.option("--sort", metavar="FIELD|-FIELD", default="-modified", show_default=True,
              help=f"One of {', '.join(SORTABLE)}; '-' first for descending.")
@click.option("--limit", type=int, default=50, show_default=True, help=f"1 to {MAX_LIMIT}.")
@click.option("--cursor", metavar="C", default=None, help="The next_cursor of the previous page.")
@click.option("--trashed", is_flag=True, help="List the trash instead.")
@json_option
@pass_state
def list_(state: CliState, workspace: str | None, type_: str | None, mode: str | None,
          owner: str | None, name: str | None, sort: str, limit: int, cursor: str | None,
          trashed: bool) -> None:
    """List sessions and charters you can see, newest first."""
    query = SessionQuery(workspace=workspace, type=type_, mode=mode, owner=owner, name=name,
                         sort=sort, limit=limit, cursor=cursor, trashed=trashed)
    page = state.store().list_sessions(state.actor(), query)
    data = page.to_json()

    def text() -> str:
        lines = sessions_table([s.to_json() for s in page.items])
        if page.next_cursor:
            lines += f"\nmore: --cursor {page.next_cursor}"
        return lines

    emit(state.json, data, text)


@sessions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workspace", metavar="W", required=True)
@click.option("--mode", type=click.Choice(["standalone", "xray"]), default="standalone",
              show_default=True)
@click.option("--project", metavar="KEY", default=None,
              help="The Jira project of an xray session (default: [jira] project).")
@click.option("--name", metavar="NAME", default=None, help="Else the bundle's or file's name.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the new session's id.")
@json_option
@pass_state
def import_(state: CliState, file: Path, workspace: str, mode: str, project: str | None,
            name: str | None, quiet: bool) -> None:
    """Upload FILE as a new session of WORKSPACE (you become its owner)."""
    store, actor = state.store(), state.actor()
    with file.open("rb") as stream:
        session = store.import_session(actor, workspace, stream, filename=file.name, name=name,
                                       mode=mode, project=project)
    if quiet and not state.json:
        click.echo(session.id)  # for scripts: ID=$(xray-sync sessions import ... -q)
        return
    _print_session(state, session, "imported")


def _print_session(state: CliState, session: SessionOut, verb: str | None = None) -> None:
    data = session.to_json()
    prefix = f"{verb} {session.type} {session.id}\n" if verb else ""
    emit(state.json, data, lambda: prefix + key_values(data))


@sessions.command("show")
@click.argument("session_id", metavar="ID")
@json_option
@pass_state
def show(state: CliState, session_id: str) -> None:
    """Show one session."""
    _print_session(state, state.store().show(state.actor(), session_id))


@sessions.command("open")
@click.argument("session_id", metavar="ID")
@json_option
@pass_state
def open_(state: CliState, session_id: str) -> None:
    """Continue in desktop app: take the lock and print the desktop link."""
    result = state.store().open(state.actor(), session_id)
    data = result.to_json()
    opened = result.session
    emit(state.json, data, lambda: f"opened {opened.type} {opened.id}\n" + key_values(data))


def _simple(
    name: str, verb: str, call: Callable[[Store, str, str], SessionOut], doc: str
) -> click.Command:
    """A command `NAME ID` that runs one store operation and prints the session."""

    @click.argument("session_id", metavar="ID")
    @json_option
    @pass_state
    def command(state: CliState, session_id: str) -> None:
        _print_session(state, call(state.store(), state.actor(), session_id), verb)

    return click.command(name, help=doc)(command)


for _name, _verb, _call, _doc in (
    ("close", "closed", Store.close, "Close the session: release your lock."),
    ("unlock", "unlocked", Store.unlock, "Release the lock (its holder, or an admin)."),
    ("delete", "deleted", Store.delete, "Move the session to the trash (owner, or an admin)."),
    ("restore", "restored", Store.restore, "Bring the session back from the trash."),
):
    sessions.add_command(_simple(_name, _verb, _call, _doc))


@sessions.command("download")
@click.argument("session_id", metavar="ID")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write it (default: the session's file name, here).")
@click.option("--version", "version", type=click.IntRange(min=1), default=None,
              help="An earlier version (see history); default the current one.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@json_option
@pass_state
def download(state: CliState, session_id: str, output: Path | None, version: int | None,
             force: bool) -> None:
    """Download the session file (streamed; never overwrites without --force)."""
    found = state.store().download(state.actor(), session_id, version)
    target = output if output is not None else Path.cwd() / Path(found.filename).name
    with found.open() as stream:
        write_download(stream, target, force=force)
    data = {"id": session_id, "path": str(target), "size": found.size,
            "digest": found.digest, "version": found.version}
    emit(state.json, data, lambda: f"downloaded {session_id}\n" + key_values(data))


@sessions.command("history")
@click.argument("session_id", metavar="ID")
@json_option
@pass_state
def history(state: CliState, session_id: str) -> None:
    """List every saved version of the session file."""
    data: list[JsonDict] = [v.to_json() for v in state.store().history(state.actor(), session_id)]
    rows = [[str(v["number"]) + (" *" if v["current"] else ""), short_time(v["saved_at"]),
             str(v["saved_by"]), human_size(v["size"]), str(v["digest"])[:12]] for v in data]
    emit(state.json, data,
         lambda: table(("Version", "Saved", "Saved by", "Size", "Digest"), rows, right=("Size",)))


def register(root: click.Group) -> None:
    root.add_command(sessions)
