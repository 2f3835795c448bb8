"""`Store` operations on the panel's reads and a session's file: import, save, download,
download links, versions.  Uploads go through `StoreCore._with_upload`: staged and
inspected before the transaction, adopted inside it."""

from __future__ import annotations

from typing import BinaryIO

from store import content, download_links, queries, workspaces
from store.blobs import BlobRef
from store.bundle import BundleInfo
from store.context import Ctx, authorize
from store.facade.core import StoreCore
from store.models import Mode
from store.rows import user_named
from store.rules import Operation
from store.validation import choice, clean_name
from store.views import DownloadOut, SessionOut, SessionPage, SessionQuery, VersionOut


class FileOperations(StoreCore):
    """What the panel lists and shows, and the files behind its sessions."""

    def check(self, actor: str, session_id: str, op: Operation, *,
              lock_epoch: int | None = None) -> None:
        """Raise the rules' refusal of `op` now, if any (before reading an upload in vain)."""
        with self._tx(read=True) as ctx:
            authorize(ctx, actor, session_id, op, lock_epoch=lock_epoch)

    def check_member(self, actor: str, workspace: str) -> None:
        """Raise `members_only` unless the actor is a member of `workspace`."""
        with self._tx(read=True) as ctx:
            workspaces.member_workspace(ctx.db, user_named(ctx.db, actor), workspace,
                                        rule="members_only")

    def list_sessions(self, actor: str, query: SessionQuery | None = None) -> SessionPage:
        """A page of the sessions the actor may see."""
        with self._tx(read=True) as ctx:
            return queries.list_sessions(ctx, actor, query or SessionQuery())

    def show(self, actor: str, session_id: str) -> SessionOut:
        """One session."""
        with self._tx(read=True) as ctx:
            return queries.show(ctx, actor, session_id)

    def import_session(self, actor: str, workspace: str, stream: BinaryIO, *,
                       filename: str | None = None, name: str | None = None,
                       mode: str = "standalone", project: str | None = None) -> SessionOut:
        """Upload a new session file into `workspace`; the importer owns it."""
        choice(mode, ("standalone", "xray"), rule="mode_unknown", what="mode")
        key = self._project(project) if mode == Mode.XRAY or project is not None else None
        if name is not None:
            clean_name(name)
        self.check_member(actor, workspace)  # refuse before streaming a large file in vain

        def write(ctx: Ctx, blob: BlobRef, info: BundleInfo) -> SessionOut:
            user = user_named(ctx.db, actor)
            target = workspaces.member_workspace(ctx.db, user, workspace, rule="members_only")
            final = content.default_name(name, info, filename)
            return content.import_session(ctx, user, target, blob, info, name=final, mode=mode,
                                          project=key,
                                          extension=content.file_extension(filename))

        return self._with_upload(stream, write)

    def save(self, actor: str, session_id: str, stream: BinaryIO, *,
             lock_epoch: int | None = None) -> SessionOut:
        """Save new content under the actor's lock; under a broken lock, a conflicted copy."""
        self.check(actor, session_id, Operation.SAVE, lock_epoch=lock_epoch)
        released: list[str] = []

        def write(ctx: Ctx, blob: BlobRef, info: BundleInfo) -> SessionOut:
            out, freed = content.save(ctx, actor, session_id, blob, lock_epoch)
            released.extend(freed)
            return out

        out = self._with_upload(stream, write)
        self._release(released)
        return out

    def download(self, actor: str, session_id: str, version: int | None = None) -> DownloadOut:
        """A version of the file to stream (the last saved one by default)."""
        with self._tx() as ctx:
            return content.download(ctx, actor, session_id, version)

    def issue_download_link(self, actor: str, session_id: str,
                            version: int | None = None) -> download_links.IssuedLink:
        """A short-lived, single-use link to the file (the download rules apply now and again
        when it is used)."""
        with self._tx() as ctx:
            return download_links.issue(ctx, actor, session_id, version)

    def redeem_download_link(self, token: str) -> DownloadOut:
        """The file a link names, as its user may download it now; the link is used up."""
        with self._tx() as ctx:
            target = download_links.redeem(ctx, token)
        return self.download(target.user, target.session_id, target.version)

    def history(self, actor: str, session_id: str) -> list[VersionOut]:
        """Every kept version, newest first."""
        with self._tx(read=True) as ctx:
            return content.history(ctx, actor, session_id)

    def revert(self, actor: str, session_id: str, version: int) -> SessionOut:
        """Make an earlier version current, as a new version."""
        with self._tx() as ctx:
            out, released = content.revert(ctx, actor, session_id, version)
        self._release(released)
        return out
