"""The store's one facade: every operation the CLI, the HTTP API, the daemon and the Jira
workflow bridge call, each in one database transaction.

Actors are user names.  Each method opens a transaction, lets the operation module check
the rules and write the change with its outbox entry and audit row, and commits.  Uploads
are streamed to a staged blob *before* the transaction (a 500 MB file never holds the
database), inspected by `bundle.inspect_upload`, and made part of the store inside it.
Database failures leave here as `Unavailable`; nothing else of SQLAlchemy leaks out.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import BinaryIO, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session

from store import (
    audit,
    changes,
    content,
    deliveries,
    download_links,
    lifecycle,
    locking,
    notices,
    ownership,
    queries,
    sync_claims,
    sync_state,
    users,
    workspaces,
)
from store.blobs import BlobRef, BlobStore
from store.bundle import BundleInfo, inspect_upload
from store.columns import utc_now
from store.context import Ctx, authorize
from store.db import read_only
from store.errors import Conflict, Invalid, Unavailable
from store.models import Mode
from store.rows import SURFACE, admin_check_actor, session_out, user_named
from store.rules import AdminOperation, Operation, check_admin_only
from store.settings import StoreSettings
from store.sync_state import SyncRow
from store.validation import choice, clean_name, project_key
from store.views import (
    DownloadOut,
    OpenResult,
    SessionOut,
    SessionPage,
    SessionQuery,
    StoreGauges,
    UserOut,
    VersionOut,
    WorkspaceOut,
)

__all__ = ["Store", "StoreSettings", "utc_now"]

T = TypeVar("T")


class Store:
    """Users, workspaces and exploratory sessions, under the rules of docs/design.md section 3."""

    def __init__(self, engine: Engine, settings: StoreSettings,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.settings = settings
        self.blobs = BlobStore(settings.blob_root)
        self._reader = read_only(engine)
        self._clock = clock
        self._admin_rights = True
        self._surface: str | None = None

    def via(self, surface: str) -> Store:
        """This store, recording `surface` (api, cli, webhook, automation, pull) in the
        audit row of every change made through it, so an admin sees where it came from."""
        clone = copy.copy(self)
        clone._surface = surface
        return clone

    def without_admin_rights(self) -> Store:
        """This store, for requests whose actor's admin role must count for nothing.

        Jira Automation's requests carry only a shared secret: whoever holds it may name
        any actor, so such a request is honoured only for what its actor may do as a user.
        """
        clone = copy.copy(self)
        clone._admin_rights = False
        return clone

    @contextmanager
    def _tx(self, *, read: bool = False) -> Iterator[Ctx]:
        """One transaction; database failures become `Unavailable` / `Conflict`."""
        try:
            with Session(self._reader if read else self.engine, expire_on_commit=False,
                         info={SURFACE: self._surface}) as db, db.begin():
                yield Ctx(db=db, settings=self.settings, blobs=self.blobs, now=self._clock(),
                          admin_rights=self._admin_rights)
        except IntegrityError as exc:
            raise Conflict("concurrent_change",
                           "a concurrent change got there first: retry [concurrent_change]"
                           ) from exc
        except (OperationalError, InterfaceError) as exc:  # the server, not our SQL
            raise Unavailable("database_unavailable",
                              "the database cannot serve the request now [database_unavailable]"
                              ) from exc

    def _with_upload(self, stream: BinaryIO, write: Callable[[Ctx, BlobRef, BundleInfo], T]) -> T:
        """Stage and inspect the upload, then `write` it in a transaction that adopts the blob."""
        with self.blobs.staged(stream, max_bytes=self.settings.max_upload_bytes) as staged:
            info = inspect_upload(staged.path)
            adopted = False
            try:
                with self._tx() as ctx:
                    result = write(ctx, staged.ref, info)
                    content.guard_blob(ctx, staged.ref.digest)
                    staged.commit()
                    adopted = True
            except BaseException:
                if adopted:  # the rows were not written: drop the blob unless others use it
                    self._release([staged.ref.digest])
                raise
            return result

    def _release(self, digests: list[str]) -> None:
        """Delete the blobs of `digests` that no version names (in a writing transaction)."""
        if not digests:
            return
        with self._tx() as ctx:
            for digest in content.unreferenced(ctx, digests):
                self.blobs.delete(digest)

    # -- users and workspaces -------------------------------------------------------------

    def add_user(self, name: str, *, admin: bool = False, jira_account_id: str | None = None,
                 actor: str | None = None) -> UserOut:
        """Create a user and their personal workspace (admins only; `actor` None: bootstrap)."""
        with self._tx() as ctx:
            return users.add_user(ctx.db, name, admin=admin, jira_account_id=jira_account_id,
                                  actor=actor, now=ctx.now)

    def list_users(self, *, actor: str | None = None) -> list[UserOut]:
        """Every user, by name (with an `actor`: admins only)."""
        with self._tx(read=True) as ctx:
            if actor is not None:
                check_admin_only(AdminOperation.LIST_USERS, admin_check_actor(ctx.db, actor))
            return users.list_users(ctx.db)

    def get_user(self, name: str) -> UserOut:
        """The user called `name`."""
        with self._tx(read=True) as ctx:
            return users.get_user(ctx.db, name)

    def issue_token(self, name: str, *, actor: str | None = None,
                    expires: timedelta | None = None) -> str:
        """A new bearer token for `name` (shown once; only its hash is kept), valid for
        `expires` (None: until replaced).

        For oneself, or by an admin for anyone; `actor` None is the bootstrap."""
        with self._tx() as ctx:
            return users.issue_token(ctx.db, name, actor=actor, now=ctx.now, expires=expires)

    def user_for_token(self, token: str) -> UserOut:
        """The user a bearer token belongs to; `permission_denied` (`bad_token`, or
        `token_expired`) otherwise."""
        with self._tx(read=True) as ctx:
            return users.user_for_token(ctx.db, token, ctx.now)

    def disable_user(self, name: str, *, actor: str | None) -> UserOut:
        """Offboard `name` (admins): token revoked, locks released, sessions kept."""
        with self._tx() as ctx:
            return users.set_disabled(ctx.db, name, True, actor=actor, now=ctx.now)

    def enable_user(self, name: str, *, actor: str | None) -> UserOut:
        """Let a disabled user back in (admins); they need a new token."""
        with self._tx() as ctx:
            return users.set_disabled(ctx.db, name, False, actor=actor, now=ctx.now)

    def user_by_jira_account(self, account_id: str) -> UserOut:
        """The user carrying this Jira accountId."""
        with self._tx(read=True) as ctx:
            return users.user_by_jira_account(ctx.db, account_id)

    def add_workspace(self, actor: str | None, name: str, *, members: tuple[str, ...] = ()
                      ) -> WorkspaceOut:
        """Create a team workspace with the actor and `members` in it (admins only)."""
        with self._tx() as ctx:
            return workspaces.add_workspace(ctx.db, actor, name, tuple(members), ctx.now)

    def list_workspaces(self, actor: str) -> list[WorkspaceOut]:
        """The actor's workspaces (all of them for admins)."""
        with self._tx(read=True) as ctx:
            return workspaces.list_workspaces(ctx.db, actor)

    def add_member(self, actor: str | None, workspace: str, user: str) -> WorkspaceOut:
        """Add `user` to a team workspace (admins only)."""
        with self._tx() as ctx:
            return workspaces.add_member(ctx.db, actor, workspace, user, ctx.now)

    def remove_member(self, actor: str | None, workspace: str, user: str) -> WorkspaceOut:
        """Remove `user` from a team workspace (admins only)."""
        with self._tx() as ctx:
            return workspaces.remove_member(ctx.db, actor, workspace, user, ctx.now)

    # -- the panel ------------------------------------------------------------------------

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

    def open(self, actor: str, session_id: str) -> OpenResult:
        """Continue in desktop app: take the lock (again, for its holder)."""
        with self._tx() as ctx:
            return locking.open_session(ctx, actor, session_id)

    def close(self, actor: str, session_id: str) -> SessionOut:
        """Release the actor's own lock."""
        with self._tx() as ctx:
            return locking.close(ctx, actor, session_id)

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

    def rename(self, actor: str, session_id: str, new_name: str, *,
               expected_row_version: int | None = None) -> SessionOut:
        """Rename; a stale `expected_row_version` is a `conflict`."""
        with self._tx() as ctx:
            return lifecycle.rename(ctx, actor, session_id, new_name, expected_row_version)

    def unlock(self, actor: str, session_id: str) -> SessionOut:
        """The holder releases, or an admin breaks, the lock."""
        with self._tx() as ctx:
            return locking.unlock(ctx, actor, session_id)

    def delete(self, actor: str, session_id: str) -> SessionOut:
        """Move to the trash."""
        with self._tx() as ctx:
            return lifecycle.delete_session(ctx, actor, session_id)

    def restore(self, actor: str, session_id: str) -> SessionOut:
        """Take out of the trash."""
        with self._tx() as ctx:
            return lifecycle.restore(ctx, actor, session_id)

    def purge_trash(self, older_than: datetime | None = None) -> list[str]:
        """Remove for good what was trashed before `older_than` (default: the retention)."""
        with self._tx() as ctx:
            purged, digests = lifecycle.purge_trash(ctx, older_than)
        self._release(digests)
        return purged

    def duplicate(self, actor: str, session_id: str, workspace: str,
                  name: str | None = None) -> SessionOut:
        """Duplicate to a workspace the actor is a member of."""
        with self._tx() as ctx:
            return lifecycle.duplicate(ctx, actor, session_id, workspace, name)

    def move(self, actor: str, session_id: str, workspace: str, *,
             keep_original: bool = False, name: str | None = None) -> SessionOut:
        """Move to another workspace (or duplicate there, keeping the original), renamed to
        `name` if given: one transaction, so a refused name moves nothing."""
        with self._tx() as ctx:
            return lifecycle.move(ctx, actor, session_id, workspace, keep_original, name)

    def reassign(self, actor: str, session_id: str, new_owner: str) -> SessionOut:
        """Hand the session to another member of its workspace (admins only)."""
        with self._tx() as ctx:
            return ownership.reassign(ctx, actor, session_id, new_owner)

    def connect(self, actor: str, session_id: str, project: str | None = None) -> SessionOut:
        """Make the session Xray-connected to `project` (by default the settings' project)."""
        key = self._project(project)
        with self._tx() as ctx:
            return lifecycle.connect(ctx, actor, session_id, key)

    def _project(self, project: str | None) -> str:
        """The Jira project of an `xray` session: the one given, else the default one."""
        chosen = project if project is not None else self.settings.default_project
        if chosen is None:
            raise Invalid("project_required",
                          "an xray session needs a Jira project key [project_required]")
        return project_key(chosen)

    def disconnect(self, actor: str, session_id: str) -> SessionOut:
        """Make the session standalone again."""
        with self._tx() as ctx:
            return lifecycle.disconnect(ctx, actor, session_id)

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

    def expire_leases(self) -> list[str]:
        """Free the locks whose lease ran out (when a lease is configured)."""
        with self._tx() as ctx:
            return locking.expire_leases(ctx)

    def archive(self, actor: str, session_id: str, reason: str) -> SessionOut:
        """Jira's lock (holder `jira`, with a reason)."""
        with self._tx() as ctx:
            return locking.archive(ctx, actor, session_id, reason)

    def unarchive(self, actor: str, session_id: str) -> SessionOut:
        """End Jira's lock."""
        with self._tx() as ctx:
            return locking.unarchive(ctx, actor, session_id)

    # -- monitoring -----------------------------------------------------------------------

    def audit(self, actor: str, query: audit.AuditQuery | None = None) -> audit.AuditPage:
        """A page of the audit trail, newest first (admins only)."""
        with self._tx(read=True) as ctx:
            return audit.read(ctx, actor, query or audit.AuditQuery())

    def may_sync(self, actor: str, session_id: str) -> SessionOut:
        """The session, when `actor` may ask for a sync of it now (Retry sync); else the
        rule's error. Nothing is written: the caller asks the sync engine."""
        with self._tx(read=True) as ctx:
            return session_out(ctx.db, authorize(ctx, actor, session_id, Operation.SYNC).row)

    def notices(self, actor: str, after: int = 0) -> list[notices.NoticeOut]:
        """What `actor` should be told: their saves kept as conflicted copies, their locks
        ended by someone else, after audit id `after`, oldest first."""
        with self._tx(read=True) as ctx:
            user_named(ctx.db, actor)
            return notices.read(ctx, actor, after)

    def change_stamp(self) -> str:
        """An opaque stamp that differs whenever a session or its sync state changed."""
        with self._tx(read=True) as ctx:
            return changes.stamp(ctx.db.connection())

    def ping(self) -> None:
        """Raise `Unavailable` unless the database answers (`/healthz`)."""
        with self._tx(read=True) as ctx:
            ctx.db.connection().execute(text("SELECT 1"))

    def gauges(self) -> StoreGauges:
        """The outbox depth and the locks held, read now (`/metrics`)."""
        with self._tx(read=True) as ctx:
            locks = locking.locks_held(ctx)
        return StoreGauges(outbox_depth=sync_claims.outbox_depth(self.engine), locks_held=locks)

    def session_of_issue(self, issue_key: str) -> SyncRow | None:
        """The `xray` session compared with `issue_key` (its Test Execution; a charter's Test)."""
        return sync_state.rows_by_key(self.engine, [issue_key]).get(issue_key)

    # -- Jira webhook deliveries ----------------------------------------------------------

    def remember_delivery(self, identifier: str | None, now: datetime | None = None, *,
                          digest: str | None = None) -> bool:
        """Record a webhook delivery by its id and/or its body's SHA-256 (hex): True the first
        time (handle it), False when either was seen before (a replay).

        Atomic on both databases: of racing daemons, exactly one gets True."""
        keys = _delivery_keys(identifier, digest)
        with self._tx() as ctx:
            return deliveries.remember_all(ctx.db.connection(), keys, now or ctx.now)

    def forget_delivery(self, identifier: str | None, *, digest: str | None = None) -> None:
        """Drop a delivery whose handling failed, so that Jira's retry is handled."""
        with self._tx() as ctx:
            for key in _delivery_keys(identifier, digest):
                deliveries.forget(ctx.db.connection(), key)

    def purge_deliveries(self, older_than: datetime | None = None) -> int:
        """Drop the delivery ids received before `older_than` (default: 7 days ago)."""
        with self._tx() as ctx:
            horizon = older_than or ctx.now - deliveries.RETENTION
            return deliveries.purge(ctx.db.connection(), horizon)


def _delivery_keys(identifier: str | None, digest: str | None) -> list[str]:
    keys = [identifier] if identifier is not None else []
    if digest is not None:
        keys.append(deliveries.body_key(digest))
    if not keys:
        raise Invalid("delivery_id_empty", "a webhook delivery needs an id or a body digest "
                      "[delivery_id_empty]")
    return keys
