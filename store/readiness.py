"""Is the store ready to serve? Its schema's revision against the newest shipped, and a
write that is rolled back (the database) or removed (the blob folder). Read by
`xray-sync doctor`; nothing here migrates or keeps a change.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from store.db import alembic_config
from store.errors import Unavailable


@dataclass(frozen=True)
class SchemaState:
    """The revision the database is at (None: never migrated) and the newest shipped."""

    current: str | None
    head: str

    @property
    def migrated(self) -> bool:
        return self.current == self.head


def schema_state(engine: Engine) -> SchemaState:
    """Where the database's schema stands; `Unavailable` when it cannot be read."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None  # the package ships its migrations
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise Unavailable("database_unavailable",
                          f"cannot read the store's schema: {type(exc).__name__} "
                          "[database_unavailable]") from exc
    return SchemaState(current=current, head=head)


def check_writable(engine: Engine, blob_root: Path) -> None:
    """A write to the database (rolled back) and a file in the blob folder (removed);
    `Unavailable` naming which one failed."""
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            if inspect(conn).has_table("alembic_version"):
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            else:
                conn.execute(text("CREATE TABLE xray_sync_write_probe (x INTEGER)"))
            transaction.rollback()
    except SQLAlchemyError as exc:
        raise Unavailable("database_read_only",
                          f"the store's database refuses writes: {_reason(exc)} "
                          "[database_read_only]") from exc
    try:
        with tempfile.NamedTemporaryFile(dir=blob_root, prefix=".probe-"):
            pass
    except OSError as exc:
        raise Unavailable("blobs_read_only",
                          f"the blob folder {blob_root} refuses new files: {exc.strerror} "
                          "[blobs_read_only]") from exc


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    return str(original).splitlines()[0] if original is not None else type(exc).__name__


def missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL when it does not exist yet (connecting would create it)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    path = Path(database.removeprefix("file:")).expanduser()
    return None if path.is_file() else path
