"""`xray-sync backup DEST` and `xray-sync restore SRC`: a round trip keeps every session,
version and file; damaged, incomplete or misplaced backups change nothing."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from sync.cli.errors import EXIT_CODES
from sync.cli.sample import make_bundle
from tests.cli.conftest import Cli
from tests.postgres import fresh_database


def populate(team: Cli) -> list[dict[str, Any]]:
    """Two sessions of bob, one saved twice and renamed; returns them as listed."""
    first = team.import_bundle("Checkout", user="bob")
    team.import_bundle("Search", user="bob")
    team.ok("sessions", "open", first["id"], user="bob")
    saved = team.file("v2.xea", make_bundle("Checkout", tester="bob", notes=("second",)))
    team.ok("sessions", "save", first["id"], str(saved), user="bob")
    team.ok("sessions", "close", first["id"], user="bob")
    team.ok("sessions", "rename", first["id"], "Checkout, again", user="bob")
    return listing(team)


def listing(cli: Cli) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = cli.json("sessions", "list", "--sort", "name",
                                           user="bob")["items"]
    return [{k: i[k] for k in ("id", "name", "size", "owner", "workspace", "mode")}
            for i in items]


def contents(cli: Cli, session_id: str) -> list[bytes]:
    """The bytes of every version of a session, oldest first."""
    history = cli.json("sessions", "history", session_id, user="bob")
    versions = sorted(v["number"] for v in history)
    out = []
    for number in versions:
        target = cli.workdir / f"v{number}-{session_id}"
        cli.ok("sessions", "download", session_id, "--version", str(number),
               "--output", str(target), user="bob")
        out.append(target.read_bytes())
        target.unlink()
    return out


def test_backup_then_restore_into_a_new_home_keeps_sessions_versions_and_files(
        team: Cli, tmp_path: Path) -> None:
    """A restored home lists the same sessions, with every version's bytes intact."""
    before = populate(team)
    before_bytes = {s["id"]: contents(team, s["id"]) for s in before}
    team.ok("backup", str(tmp_path / "backup"))
    team.env["XRAY_SYNC_HOME"] = str(tmp_path / "home2")
    restored = team.json("restore", str(tmp_path / "backup"))
    assert (listing(team), {s["id"]: contents(team, s["id"]) for s in before},
            restored["files"]) == (before, before_bytes, 3)


def test_a_backup_carries_the_home_config(team: Cli, tmp_path: Path) -> None:
    """The config `init` wrote comes back with the restore (the acting user is kept)."""
    team.ok("backup", str(tmp_path / "backup"))
    team.env["XRAY_SYNC_HOME"] = str(tmp_path / "home2")
    team.ok("restore", str(tmp_path / "backup"))
    assert (tmp_path / "home2" / "config.toml").read_text() == (
        Path(str(team.env["XRAY_SYNC_HOME"])).parent / "home" / "config.toml").read_text()


def test_backup_into_a_folder_that_holds_files_is_refused(team: Cli, tmp_path: Path) -> None:
    """A backup never mixes with other files: a non-empty destination is a conflict."""
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    result = team("backup", str(dest), "--json")
    assert (result.exit_code, json.loads(result.stdout)["error"]["rule"],
            sorted(p.name for p in dest.iterdir())) == (
        EXIT_CODES["conflict"], "backup_destination_not_empty", ["keep.txt"])


def test_restore_over_an_existing_store_is_refused_and_changes_nothing(
        team: Cli, tmp_path: Path) -> None:
    """Restoring into a home that has a store is a conflict; that store keeps its sessions."""
    populate(team)
    team.ok("backup", str(tmp_path / "backup"))
    team.import_bundle("After the backup", user="bob")
    before = listing(team)
    result = team("restore", str(tmp_path / "backup"), "--json")
    assert (result.exit_code, json.loads(result.stdout)["error"]["rule"], listing(team)) == (
        EXIT_CODES["conflict"], "restore_target_not_empty", before)


def test_a_damaged_file_in_the_backup_is_refused_and_nothing_is_restored(
        team: Cli, tmp_path: Path) -> None:
    """A session file whose bytes changed since the backup stops the restore: no store."""
    populate(team)
    team.ok("backup", str(tmp_path / "backup"))
    blob = next(p for p in (tmp_path / "backup" / "blobs").rglob("*")
                if p.is_file() and ".tmp" not in p.parts)
    blob.write_bytes(blob.read_bytes() + b"tampered")
    team.env["XRAY_SYNC_HOME"] = str(tmp_path / "home2")
    result = team("restore", str(tmp_path / "backup"), "--json")
    after = team("users", "list", user="admin")
    assert (json.loads(result.stdout)["error"]["rule"], after.exit_code) == (
        "backup_file_damaged", EXIT_CODES["not_found"])


def test_a_backup_missing_a_file_is_refused_and_nothing_is_restored(
        team: Cli, tmp_path: Path) -> None:
    """A file the backup's database names but its folder lacks stops the restore."""
    populate(team)
    team.ok("backup", str(tmp_path / "backup"))
    next(p for p in (tmp_path / "backup" / "blobs").rglob("*")
         if p.is_file() and ".tmp" not in p.parts).unlink()
    team.env["XRAY_SYNC_HOME"] = str(tmp_path / "home2")
    result = team("restore", str(tmp_path / "backup"), "--json")
    after = team("users", "list", user="admin")
    assert (json.loads(result.stdout)["error"]["rule"], after.exit_code) == (
        "backup_incomplete", EXIT_CODES["not_found"])


def test_a_folder_that_is_not_a_backup_is_invalid(team: Cli, tmp_path: Path) -> None:
    """restore names the rule when SRC has no backup manifest."""
    (tmp_path / "empty").mkdir()
    team.env["XRAY_SYNC_HOME"] = str(tmp_path / "home2")
    result = team("restore", str(tmp_path / "empty"), "--json")
    assert json.loads(result.stdout)["error"]["rule"] == "backup_invalid"


@pytest.fixture
def two_pg_databases() -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL databases: the store, and the one pg_restore fills."""
    with fresh_database("tests/cli", migrated=False) as first, \
            fresh_database("tests/cli", migrated=False) as second:
        yield first, second


def libpq(url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def on_postgresql(xs: Cli, url: str) -> None:
    """Point the CLI at the PostgreSQL database `url` and make the store there."""
    xs.env["XRAY_SYNC_STORE_URL"] = url
    xs.ok("init")


@pytest.mark.postgres
def test_postgresql_round_trip_with_the_documented_pg_dump_step(
        xs: Cli, tmp_path: Path, two_pg_databases: tuple[str, str]) -> None:
    """pg_dump, backup; pg_restore, restore: the second database and home serve the same."""
    source, target = two_pg_databases
    on_postgresql(xs, source)
    xs.ok("users", "add", "bob", user="admin")
    xs.ok("workspaces", "add", "qa-team", "--team", "--member", "bob", user="admin")
    before = populate(xs)
    before_bytes = {s["id"]: contents(xs, s["id"]) for s in before}
    dump = tmp_path / "store.pgdump"
    subprocess.run(["pg_dump", "--format=custom", "--file", str(dump), libpq(source)],
                   check=True)
    made = xs.json("backup", str(tmp_path / "backup"))
    subprocess.run(["pg_restore", "--no-owner", "--dbname", libpq(target), str(dump)],
                   check=True)
    xs.env.update(XRAY_SYNC_STORE_URL=target, XRAY_SYNC_HOME=str(tmp_path / "home2"))
    xs.ok("restore", str(tmp_path / "backup"))
    assert (made["database"], listing(xs),
            {s["id"]: contents(xs, s["id"]) for s in before}) == (
        "postgresql", before, before_bytes)


@pytest.mark.postgres
def test_postgresql_restore_before_pg_restore_says_what_to_do(
        xs: Cli, tmp_path: Path, two_pg_databases: tuple[str, str]) -> None:
    """A restore into an empty PostgreSQL database names the pg_restore step, changes nothing."""
    source, target = two_pg_databases
    on_postgresql(xs, source)
    xs.ok("backup", str(tmp_path / "backup"))
    xs.env.update(XRAY_SYNC_STORE_URL=target, XRAY_SYNC_HOME=str(tmp_path / "home2"))
    result = xs("restore", str(tmp_path / "backup"))
    assert (result.exit_code, "pg_restore" in result.stderr,
            (tmp_path / "home2" / "blobs").exists()) == (EXIT_CODES["not_found"], True, False)
