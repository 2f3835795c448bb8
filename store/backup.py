"""Backup and restore of a store: its database (SQLite) and its session files.

A backup is a folder:

    backup.json      what it holds (format, database kind, schema revision, counts)
    xray-sync.db     SQLite only: an online copy, consistent at one instant
    blobs/           every session file, content-addressed as in the store
    home/            the home's own files the caller names (the config)

SQLite is copied with SQLite's online backup, so the daemon may keep running: the copy
is the database as one transaction saw it. The session files are copied after it;
they are never changed once written, so every file the copy names is already on disk
(a purge in between is caught: every digest the copy names is checked, and a backup
that misses one fails). PostgreSQL is backed up by `pg_dump` (taken first, the files
after it); here only the files, and the manifest says so.

Every file is re-hashed as it is copied, both ways: a damaged backup is refused before
anything is restored. A restore goes only into a home that has no store yet.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from store.blobs import BlobStore
from store.db import make_engine
from store.errors import Conflict, Invalid, Unavailable

FORMAT = "xray-sync-backup/1"
MANIFEST = "backup.json"
DATABASE_FILE = "xray-sync.db"
_NO_LIMIT = 1 << 62


@dataclass(frozen=True)
class BackupReport:
    """What a backup or a restore copied."""

    folder: Path
    database: str  # "sqlite" or "postgresql"
    revision: str | None
    files: int
    bytes: int
    home_files: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"folder": str(self.folder), "database": self.database,
                "revision": self.revision, "files": self.files, "bytes": self.bytes,
                "home_files": list(self.home_files)}


def backup(engine: Engine, blob_root: Path, dest: Path,
           home_files: Iterable[Path] = ()) -> BackupReport:
    """Copy the store behind `engine` and `blob_root` into the new folder `dest`."""
    _require_empty(dest, "backup_destination_not_empty",
                   f"{dest} is not empty: a backup goes into a new or empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    kind = make_url(engine.url).get_backend_name()
    try:
        if kind == "sqlite":
            _sqlite_transfer(engine, dest / DATABASE_FILE, into_file=True)
            referenced = _referenced_digests(_sqlite_url(dest / DATABASE_FILE))
            revision = _revision(_sqlite_url(dest / DATABASE_FILE))
        else:
            referenced = _referenced_digests(engine)
            revision = _revision(engine)
        files, size = _copy_blobs(BlobStore(blob_root), BlobStore(dest / "blobs"))
        _check_complete(BlobStore(dest / "blobs"), referenced,
                        "a session file was purged while the backup ran: run it again")
        copied = _copy_home_files(home_files, dest / "home")
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    report = BackupReport(dest, kind, revision, files, size, copied)
    manifest = {"format": FORMAT, "created": datetime.now(UTC).isoformat(), **report.to_json()}
    del manifest["folder"]
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return report


def read_manifest(src: Path) -> dict[str, object]:
    """The manifest of the backup in `src`; `backup_invalid` when it is not one."""
    try:
        data = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Invalid("backup_invalid",
                      f"{src} holds no readable {MANIFEST}: not an xray-sync backup") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid("backup_invalid", f"{src / MANIFEST} is not of the format {FORMAT}")
    return data


def restore(src: Path, engine: Engine, blob_root: Path, home: Path) -> BackupReport:
    """Put the backup in `src` into an empty store: the database (SQLite), then the files.

    PostgreSQL: the database must have been restored with `pg_restore` first; the files
    it names are then checked to be all in the backup. Nothing is left half-restored.
    """
    manifest = read_manifest(src)
    kind = make_url(engine.url).get_backend_name()
    if manifest.get("database") != kind:
        raise Invalid("backup_database_mismatch",
                      f"the backup is of a {manifest.get('database')} store, "
                      f"this home's store is {kind}")
    _require_empty(blob_root, "restore_target_not_empty",
                   f"{blob_root} already holds session files: restore into an empty home")
    staged = BlobStore(home / ".restore-blobs")
    try:
        files, size = _copy_blobs(BlobStore(src / "blobs"), staged)
        if kind == "sqlite":
            referenced = _referenced_digests(_sqlite_url(src / DATABASE_FILE))
        else:
            referenced = _referenced_digests(engine)
        _check_complete(staged, referenced,
                        "the backup lacks session files its database names: it is incomplete")
        if kind == "sqlite":
            _sqlite_transfer(engine, src / DATABASE_FILE, into_file=False)
        shutil.rmtree(staged.root / ".tmp", ignore_errors=True)
        blob_root.parent.mkdir(parents=True, exist_ok=True)
        if blob_root.exists():
            blob_root.rmdir()  # empty, checked above
        staged.root.rename(blob_root)
    finally:
        shutil.rmtree(home / ".restore-blobs", ignore_errors=True)
    copied = _restore_home_files(src / "home", home)
    revision = manifest.get("revision")
    return BackupReport(src, kind, revision if isinstance(revision, str) else None,
                        files, size, copied)


def _require_empty(folder: Path, rule: str, message: str) -> None:
    if folder.exists() and (not folder.is_dir() or _has_content(folder)):
        raise Conflict(rule, message)


def _has_content(folder: Path) -> bool:
    """Anything in `folder` but empty folders (a fresh blob store has an empty `.tmp`)."""
    return any(p.is_file() for p in folder.rglob("*"))


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _sqlite_transfer(engine: Engine, file: Path, *, into_file: bool) -> None:
    """SQLite's online backup between the live database of `engine` and `file`, either
    way: one consistent instant is copied, while other connections go on."""
    raw = engine.raw_connection()
    other = sqlite3.connect(file)
    try:
        live = raw.driver_connection
        assert isinstance(live, sqlite3.Connection)
        source, target = (live, other) if into_file else (other, live)
        source.backup(target)
    except sqlite3.Error as exc:
        rule, verb = ("backup_failed", "back up") if into_file else ("restore_failed", "restore")
        raise Unavailable(rule, f"could not {verb} the database: {exc}") from exc
    finally:
        other.close()
        raw.close()
    if not into_file:
        engine.dispose()  # pooled connections still see the old (empty) schema


def _referenced_digests(source: Engine | str) -> set[str]:
    """Every digest the database names: current files and every kept version."""
    engine = make_engine(source) if isinstance(source, str) else source
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT digest FROM sessions UNION SELECT digest FROM versions"))
            return {row[0] for row in rows}
    finally:
        if isinstance(source, str):
            engine.dispose()


def _revision(source: Engine | str) -> str | None:
    engine = make_engine(source) if isinstance(source, str) else source
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if isinstance(source, str):
            engine.dispose()


def _copy_blobs(source: BlobStore, target: BlobStore) -> tuple[int, int]:
    """Copy every blob, re-hashing it: a file whose content is not its name is refused."""
    files = size = 0
    for digest in source.digests():
        with source.open(digest) as stream:
            ref = target.put(stream, max_bytes=_NO_LIMIT)
        if ref.digest != digest:
            target.delete(ref.digest)
            raise Invalid("backup_file_damaged",
                          f"the session file {digest} is damaged (its content hashes to "
                          f"{ref.digest})")
        files += 1
        size += ref.size
    return files, size


def _check_complete(blobs: BlobStore, referenced: set[str], message: str) -> None:
    missing = sorted(d for d in referenced if not blobs.exists(d))
    if missing:
        raise Invalid("backup_incomplete", f"{message} (missing: {', '.join(missing[:3])}"
                      + (", ..." if len(missing) > 3 else "") + ")")


def _copy_home_files(files: Iterable[Path], folder: Path) -> tuple[str, ...]:
    copied = []
    for path in files:
        if path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, folder / path.name)
            copied.append(path.name)
    return tuple(copied)


def _restore_home_files(folder: Path, home: Path) -> tuple[str, ...]:
    """The home's files from the backup, except those the home already has (kept as is)."""
    restored = []
    for path in _files(folder):
        target = home / path.name
        if not target.exists():
            shutil.copy2(path, target)
            restored.append(path.name)
    return tuple(restored)


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.iterdir()) if p.is_file()) if folder.is_dir() else iter(())
