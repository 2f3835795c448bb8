"""Session files: import, save (or its conflicted copy), download, history, revert, retention.

The bytes are staged by the facade before the transaction opens (`_with_upload` in
`store.facade.core`); these functions get the staged blob's reference and what
`bundle.inspect_upload` found, check the rules, and write rows.  A blob leaves the
disk only when no version row names it any longer (`unreferenced`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from pathlib import PurePath

from sqlalchemy import select as sa_select
from sqlmodel import col, func, select

from store.blobs import BlobRef
from store.bundle import BundleInfo
from store.context import Ctx, authorize
from store.errors import Invalid, NotFound
from store.models import ExploratorySession, JiraLink, Mode, User, Version, Workspace
from store.rows import compare_and_set, journal, session_out
from store.rules import Operation, Verdict
from store.validation import MAX_NAME_LENGTH, clean_name
from store.views import DownloadOut, SessionOut, VersionOut

ZIP_SIGNATURE = b"PK\x03\x04"
_PLAIN_EXTENSION = re.compile(r"\.[A-Za-z0-9_-]{1,15}")


def default_name(name: str | None, info: BundleInfo, filename: str | None) -> str:
    """The name of an upload: the one given, else the manifest's, else the file's stem."""
    if name is not None:
        return clean_name(name)
    if info.name:
        return clean_name(info.name[:MAX_NAME_LENGTH])
    if filename:
        stem = PurePath(filename.replace("\\", "/")).stem.strip()
        if stem:
            return clean_name(stem[:MAX_NAME_LENGTH], what="file name")
    return "Untitled session"


def file_extension(filename: str | None) -> str | None:
    """The extension of an uploaded file's name (`.xea`, `.bin`, `""` for none), as given.

    None when no file name came with the upload, or its extension is no plain one (the
    download then guesses from the bytes).
    """
    if filename is None:
        return None
    suffix = PurePath(filename.replace("\\", "/")).suffix
    return suffix if suffix == "" or _PLAIN_EXTENSION.fullmatch(suffix) else None


def new_session(ctx: Ctx, *, owner: User, workspace: Workspace, name: str, type_: str,
                mode: str, blob: BlobRef, extension: str | None) -> ExploratorySession:
    """Insert a session row and its first version."""
    assert owner.id is not None and workspace.id is not None
    row = ExploratorySession(
        id=uuid.uuid4().hex, type=type_, mode=mode, owner_id=owner.id,
        workspace_id=workspace.id, name=name, size=blob.size, created=ctx.now,
        modified=ctx.now, digest=blob.digest, version=1, file_extension=extension,
    )
    ctx.db.add(row)
    ctx.db.add(Version(session_id=row.id, number=1, digest=blob.digest, size=blob.size,
                       saved_by=owner.name, saved_at=ctx.now))
    ctx.db.flush()
    return row


def import_session(ctx: Ctx, user: User, workspace: Workspace, blob: BlobRef, info: BundleInfo,
                   *, name: str, mode: str, project: str | None,
                   extension: str | None = None) -> SessionOut:
    """A new session owned by the importer; an `xray` one gets a pending link."""
    row = new_session(ctx, owner=user, workspace=workspace, name=name, type_=info.type,
                      mode=mode, blob=blob, extension=extension)
    push = None
    if mode == Mode.XRAY:
        assert project is not None
        ctx.db.add(JiraLink(session_id=row.id, project=project))
        push = "connect"
    journal(ctx.db, actor=user.name, operation="import", session_id=row.id, at=ctx.now,
            detail={"name": name, "workspace": workspace.name, "digest": blob.digest,
                    "bundle": info.is_bundle},
            push=push, payload={"project": project, "digest": blob.digest})
    ctx.db.flush()
    return session_out(ctx.db, row, workspace=workspace.name, owner=user.name)


def _add_version(ctx: Ctx, row: ExploratorySession, blob: BlobRef, saved_by: str,
                 seen: int | None = None) -> int:
    number = row.version + 1
    compare_and_set(ctx.db, row, seen=seen, digest=blob.digest, size=blob.size, version=number,
                    modified=ctx.now)
    ctx.db.add(Version(session_id=row.id, number=number, digest=blob.digest, size=blob.size,
                       saved_by=saved_by, saved_at=ctx.now))
    ctx.db.flush()
    return number


def save(ctx: Ctx, actor: str, session_id: str, blob: BlobRef,
         lock_epoch: int | None) -> tuple[SessionOut, list[str]]:
    """Save new content under the actor's lock, or keep it as a conflicted copy.

    Returns the session that holds the content and the digests retention let go.
    """
    ok = authorize(ctx, actor, session_id, Operation.SAVE, lock_epoch=lock_epoch)
    row = ok.row
    if ok.verdict is Verdict.CONFLICTED_COPY:
        return _conflicted_copy(ctx, ok.user, row, blob), []
    mode = row.mode
    number = _add_version(ctx, row, blob, actor)
    journal(ctx.db, actor=actor, operation="save", session_id=row.id, at=ctx.now,
            detail={"version": number, "digest": blob.digest, "size": blob.size},
            push="save" if mode == Mode.XRAY else None,
            payload={"version": number, "digest": blob.digest})
    released = prune_versions(ctx, row)
    return session_out(ctx.db, row), released


def conflicted_name(name: str, ctx: Ctx) -> str:
    """`NAME (conflicted copy YYYY-MM-DD HH:MM)`, the name cut so the whole fits 255 characters."""
    suffix = f" (conflicted copy {ctx.now:%Y-%m-%d %H:%M})"
    return name[: MAX_NAME_LENGTH - len(suffix)] + suffix


def _conflicted_copy(ctx: Ctx, saver: User, row: ExploratorySession, blob: BlobRef) -> SessionOut:
    # the saver's lock was broken: keep their work beside the original, never over it
    workspace = ctx.db.get(Workspace, row.workspace_id)
    assert workspace is not None
    copy = new_session(ctx, owner=saver, workspace=workspace, name=conflicted_name(row.name, ctx),
                       type_=row.type, mode=Mode.STANDALONE.value, blob=blob,
                       extension=row.file_extension)
    journal(ctx.db, actor=saver.name, operation="conflicted_copy", session_id=copy.id,
            at=ctx.now, detail={"original": row.id, "digest": blob.digest,
                                "lock_epoch": row.lock_epoch})
    ctx.db.flush()
    return session_out(ctx.db, copy, workspace=workspace.name, owner=saver.name)


def prune_versions(ctx: Ctx, row: ExploratorySession) -> list[str]:
    """Drop versions older than the retention allows; return the digests they held."""
    keep = ctx.settings.version_retention
    if keep is None:
        return []
    old = ctx.db.exec(
        select(Version).where(Version.session_id == row.id)
        .where(col(Version.number) <= row.version - max(keep, 1))
    ).all()
    digests = [v.digest for v in old]
    for version in old:
        ctx.db.delete(version)
    ctx.db.flush()
    return digests


def guard_blob(ctx: Ctx, digest: str) -> None:
    """Serialise, until this transaction ends, adopting and deleting the blob `digest`.

    On SQLite every writing transaction is already exclusive (BEGIN IMMEDIATE); on
    PostgreSQL a transaction-scoped advisory lock keyed by the digest keeps a purge from
    deleting a file that a concurrent upload of the same content is about to reference.
    """
    if ctx.db.get_bind().dialect.name == "postgresql":
        ctx.db.connection().execute(sa_select(func.pg_advisory_xact_lock(int(digest[:15], 16))))


def unreferenced(ctx: Ctx, digests: Iterable[str]) -> list[str]:
    """Those of `digests` that no version row names any longer."""
    free = []
    for digest in sorted(set(digests)):
        guard_blob(ctx, digest)
        count = ctx.db.exec(
            select(func.count()).select_from(Version).where(Version.digest == digest)
        ).one()
        if count == 0:
            free.append(digest)
    return free


def download(ctx: Ctx, actor: str, session_id: str, version: int | None) -> DownloadOut:
    """A version of the file (the last saved one by default), ready to stream."""
    ok = authorize(ctx, actor, session_id, Operation.DOWNLOAD)
    row = ok.row
    digest, size, number = row.digest, row.size, row.version
    if version is not None:
        chosen = version_row(ctx, row.id, version)
        digest, size, number = chosen.digest, chosen.size, chosen.number
    blobs = ctx.blobs
    suffix = row.file_extension
    if suffix is None:  # imported before extensions were kept, or with no file name
        with blobs.open(digest) as head:
            suffix = ".xea" if head.read(4) == ZIP_SIGNATURE else ".bin"
    journal(ctx.db, actor=actor, operation="download", session_id=row.id, at=ctx.now,
            detail={"version": number})
    return DownloadOut(filename=download_name(row.name, suffix), size=size, digest=digest,
                       version=number, opener=lambda: blobs.open(digest))


def download_name(name: str, extension: str) -> str:
    """The session's current name, made safe for a file system, with the imported extension."""
    safe = "".join(c if c.isalnum() or c in " -_.()" else "_" for c in name).strip(" .")
    safe = safe or "session"
    if extension and safe.lower().endswith(extension.lower()):
        return safe  # named "notes.txt" already: not "notes.txt.txt"
    return safe + extension


def version_row(ctx: Ctx, session_id: str, number: int) -> Version:
    found = ctx.db.exec(
        select(Version).where(Version.session_id == session_id).where(Version.number == number)
    ).first()
    if found is None:
        raise NotFound("unknown_version",
                       f"the session has no version {number!r} [unknown_version]")
    return found


def history(ctx: Ctx, actor: str, session_id: str) -> list[VersionOut]:
    """Every kept version, newest first."""
    ok = authorize(ctx, actor, session_id, Operation.HISTORY)
    versions = ctx.db.exec(
        select(Version).where(Version.session_id == ok.row.id).order_by(col(Version.number).desc())
    ).all()
    return [VersionOut(number=v.number, digest=v.digest, size=v.size, saved_by=v.saved_by,
                       saved_at=v.saved_at, current=v.number == ok.row.version) for v in versions]


def revert(ctx: Ctx, actor: str, session_id: str, version: int) -> tuple[SessionOut, list[str]]:
    """Make an earlier version current again, as a new version."""
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Invalid("version_invalid", "a version is a positive whole number [version_invalid]")
    ok = authorize(ctx, actor, session_id, Operation.REVERT)
    row = ok.row
    chosen = version_row(ctx, row.id, version)
    mode = row.mode
    number = _add_version(ctx, row, BlobRef(digest=chosen.digest, size=chosen.size), actor)
    journal(ctx.db, actor=actor, operation="revert", session_id=row.id, at=ctx.now,
            detail={"from_version": version, "version": number},
            push="save" if mode == Mode.XRAY else None,
            payload={"version": number, "digest": chosen.digest})
    released = prune_versions(ctx, row)
    return session_out(ctx.db, row), released
