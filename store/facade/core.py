"""What every group of `Store` operations stands on: one database transaction per call.

Each operation opens a transaction, lets the operation module check the rules and write
the change with its outbox entry and audit row, and commits.  Uploads are streamed to a
staged blob *before* the transaction (a 500 MB file never holds the database), inspected
by `bundle.inspect_upload`, and made part of the store inside it.  Database failures
leave here as `Unavailable` (or `Conflict`); nothing else of SQLAlchemy leaks out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import BinaryIO, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session

from store import content
from store.blobs import BlobRef, BlobStore
from store.bundle import BundleInfo, inspect_upload
from store.columns import utc_now
from store.context import Ctx
from store.db import read_only
from store.errors import Conflict, Invalid, Unavailable
from store.rows import SURFACE
from store.settings import StoreSettings
from store.validation import project_key

T = TypeVar("T")


class StoreCore:
    """The engine, settings, blobs and clock of a `Store`, and its one transaction step."""

    def __init__(self, engine: Engine, settings: StoreSettings,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.settings = settings
        self.blobs = BlobStore(settings.blob_root)
        self._reader = read_only(engine)
        self._clock = clock
        self._admin_rights = True
        self._surface: str | None = None

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

    def _project(self, project: str | None) -> str:
        """The Jira project of an `xray` session: the one given, else the default one."""
        chosen = project if project is not None else self.settings.default_project
        if chosen is None:
            raise Invalid("project_required",
                          "an xray session needs a Jira project key [project_required]")
        return project_key(chosen)
