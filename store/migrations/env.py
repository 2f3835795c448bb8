"""Alembic environment: runs the revisions on the connection that `store.db.migrate` opened."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, create_engine
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from store import models  # noqa: F401  (registers the tables on the metadata)

target_metadata = SQLModel.metadata


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # revisions name plain SQLAlchemy types, so they never depend on sqlmodel internals
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Online migrations only: the store always migrates a live database."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("store migrations need a connection or sqlalchemy.url")
    with create_engine(url).begin() as fresh:
        _run(fresh)


run()
