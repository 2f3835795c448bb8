"""`xray-sync backup DEST` and `xray-sync restore SRC`: the store's database (SQLite) and
session files, and the home's config (see `store.backup`); the pull watermarks live in the
database since they are shared by every daemon of the store.

PostgreSQL keeps its data in the server: `pg_dump` backs it up (before `backup`, so the
files copied afterwards hold every file the dump names) and `pg_restore` brings it back
(before `restore`, which then checks that the backup holds every file it names).
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.engine import make_url

from store import backup as backups
from store.db import make_engine
from store.errors import Conflict
from sync.cli.context import CliState, json_option, pass_state, store_place
from sync.cli.errors import NoStore
from sync.cli.output import emit
from sync.wiring import open_store, store_exists, store_settings

CONFIG_FILE = "config.toml"
PG_DUMP_HINT = ("PostgreSQL's data is not in this backup: take it with "
                "`pg_dump --format=custom --file {dest}/store.pgdump \"$DATABASE_URL\"` "
                "(run it before `xray-sync backup`)")
PG_RESTORE_HINT = ("restore PostgreSQL's data first: `pg_restore --dbname \"$DATABASE_URL\" "
                   "{src}/store.pgdump`, then run `xray-sync restore` again")


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@json_option
@pass_state
def backup_cmd(state: CliState, dest: Path) -> None:
    """Copy the store (SQLite online, while the daemon runs) and its files into DEST."""
    config = state.config()
    store = state.store()
    home_files = [config.home / CONFIG_FILE]
    report = backups.backup(store.engine, store_settings(config).blob_root, dest, home_files)
    data = {**report.to_json(), "note": None if report.database == "sqlite"
            else PG_DUMP_HINT.format(dest=dest)}
    emit(state.json, data, lambda: _describe("backed up", data))


@click.command("restore")
@click.argument("src", type=click.Path(file_okay=False, exists=True, path_type=Path))
@json_option
@pass_state
def restore_cmd(state: CliState, src: Path) -> None:
    """Restore the backup in SRC into this home, which must have no store yet."""
    config = state.config()
    manifest = backups.read_manifest(src)
    postgres = make_url(config.store_url).get_backend_name() == "postgresql"
    if postgres and manifest.get("database") == "postgresql" and not store_exists(config):
        raise NoStore(f"{store_place(config)} ({PG_RESTORE_HINT.format(src=src)})")
    if not postgres and store_exists(config):
        raise Conflict("restore_target_not_empty",
                               f"there is a store at {store_place(config)} already: "
                               "restore into a new home (set XRAY_SYNC_HOME)")
    config.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.store_url)
    try:
        report = backups.restore(src, engine, store_settings(config).blob_root, config.home)
    finally:
        engine.dispose()
    open_store(config).engine.dispose()  # an older backup's schema is brought up to date
    data = {**report.to_json(), "note": None}
    emit(state.json, data, lambda: _describe("restored", data))


def _describe(verb: str, data: dict[str, object]) -> str:
    lines = [f"{verb} {data['database']} store (schema {data['revision']}): "
             f"{data['files']} session files, {data['bytes']} bytes, in {data['folder']}"]
    home_files = data["home_files"]
    if isinstance(home_files, list) and home_files:
        lines.append("with " + ", ".join(home_files))
    if data["note"]:
        lines.append(str(data["note"]))
    return "\n".join(lines)


def register(root: click.Group) -> None:
    root.add_command(backup_cmd)
    root.add_command(restore_cmd)
