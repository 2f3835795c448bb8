"""Wiring: turns a `Config` into the running parts every surface shares.

The CLI, the HTTP API and the daemon all open the store the same way
(`open_store`) and log the same way (`configure_logging`), so a setting means the
same thing whichever surface reads it. Logging masks every secret of the config,
should one ever reach a log line (a request echoed by a library, an exception text).
"""

from __future__ import annotations

import base64
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from store.api import Store, StoreSettings
from store.db import make_engine
from store.db import migrate as migrate_schema
from store.errors import Unavailable
from sync.config import Config
from sync.privacy import privacy_warnings, private_file, private_folder

MASK = "********"
_MIB = 1024 * 1024
log = logging.getLogger(__name__)


def store_settings(config: Config) -> StoreSettings:
    """The store's settings as the `[store]` table of the config gives them."""
    section = config.store
    return StoreSettings(
        home=config.home,
        max_upload_bytes=section.max_upload_mb * _MIB,
        lock_lease_seconds=section.lock_lease_seconds,
        version_retention=section.version_retention,
        trash_retention_days=section.trash_retention_days,
        desktop_link_template=section.desktop_link_template,
        duplicate_xray_as=section.duplicate_xray_as,
        default_project=config.jira.project or None,
    )


def open_store(config: Config, *, migrate: bool = True) -> Store:
    """The store of `config`: its home created, its schema migrated (unless told not to)."""
    private_folder(config.home)
    database = _create_sqlite_file(config.store_url)
    for warning in privacy_warnings(config.home, (database,) if database else ()):
        log.warning("%s", warning)
    engine = make_engine(config.store_url)
    if migrate:
        try:
            migrate_schema(engine)
        except (OperationalError, DBAPIError) as exc:
            raise _unreachable(config.store_url) from exc
    return Store(engine, store_settings(config))


def store_exists(config: Config) -> bool:
    """Whether `config` names a store that `open_store` made before (creating nothing).

    SQLite: its database file exists. Another database: it has the schema's version table.
    """
    parsed = make_url(config.store_url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return True
        return Path(parsed.database).expanduser().is_file()
    engine = make_engine(config.store_url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("alembic_version")
    except (OperationalError, DBAPIError) as exc:
        raise _unreachable(config.store_url) from exc
    finally:
        engine.dispose()


def _unreachable(url: str) -> Unavailable:
    shown = make_url(url).render_as_string(hide_password=True)
    return Unavailable("database_unavailable",
                       f"cannot reach the store database {shown} [database_unavailable]")


def _create_sqlite_file(url: str) -> Path | None:
    """The SQLite database file of `url`, created private (0600, in a 0700 folder) if new.

    A SQLite URL may point outside the home; its folder must exist before connecting."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database).expanduser()
    private_folder(path.parent)
    private_file(path)  # SQLite gives its -wal and -shm files this file's mode
    return path


def secret_values(config: Config) -> list[str]:
    """Every secret string of `config` and the encodings it travels in (Basic auth)."""
    values: list[str] = []
    for field in type(config.secrets).model_fields:
        secret = getattr(config.secrets, field)
        if secret is not None and secret.get_secret_value():
            values.append(secret.get_secret_value())
    token = config.secrets.jira_token
    if token is not None and token.get_secret_value() and config.jira.email:
        pair = f"{config.jira.email}:{token.get_secret_value()}".encode()
        values.append(base64.b64encode(pair).decode("ascii"))
    # longest first, so a secret containing another is masked whole
    return sorted(set(values), key=len, reverse=True)


class SecretMaskFilter(logging.Filter):
    """Replaces every secret value in a record's message, exception and stack text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [value for value in secrets if value]

    def mask(self, text: str) -> str:
        for value in self._secrets:
            text = text.replace(value, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]  # TextIO-typed stream
    """The handler `configure_logging` installs, recognised when it is called again."""


def configure_logging(
    config: Config, *, stream: TextIO | None = None, level: str | None = None
) -> logging.Handler:
    """Log to stderr (or `stream`) at `level` (default: the configured one), masking secrets.

    Replaces the handler a previous call installed, so calling it twice is harmless.
    Returns the handler; other handlers (uvicorn's) can take its filter with
    `handler.filters`.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _ConsoleHandler)]:
        root.removeHandler(old)
    handler = _ConsoleHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(SecretMaskFilter(secret_values(config)))
    root.addHandler(handler)
    root.setLevel(level or config.logging.level)
    # Their INFO lines (each migration step, each job added) say nothing a user acts on.
    # DEBUG keeps them.
    for chatty in ("alembic", "apscheduler"):
        quiet = root.level > logging.DEBUG
        logging.getLogger(chatty).setLevel(logging.WARNING if quiet else logging.NOTSET)
    return handler
