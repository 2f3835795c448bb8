"""What every command shares: the config, the store, the acting user, and `--json`.

The root group puts one `CliState` on click's context; commands get it with
`pass_state` and add `--json` with `json_option` (accepted on the root and on
every subcommand, either place turns it on). Config and store are opened lazily,
so `--help` never touches the disk.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sync.cli.errors import NoActingUser, NoStore
from sync.config import Config, load_config

if TYPE_CHECKING:  # the store and the wiring load SQLAlchemy and more: only when needed
    from store.api import Store

F = TypeVar("F", bound=Callable[..., Any])

USER_ENV = "XRAY_SYNC_USER"


@dataclass
class CliState:
    """The root options and the lazily opened config and store."""

    config_path: Path | None = None
    as_user: str | None = None
    json: bool = False
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    setup_logging: bool = False  # the console script logs; in-process runners leave it alone
    _config: Config | None = None
    _store: Store | None = None

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, self.env)
            if self.setup_logging:
                from sync.wiring import configure_logging

                configure_logging(self._config, level=cli_log_level(self._config.logging.level))
        return self._config

    def store(self, *, create: bool = False) -> Store:
        """The store; unless `create` (for `init`), one that exists already: nothing is made."""
        if self._store is None:
            from sync.wiring import open_store, store_exists

            config = self.config()
            if not create and not store_exists(config):
                raise NoStore(store_place(config))
            self._store = open_store(config).via("cli")
        return self._store

    def close(self) -> None:
        """Release the store's database connections (the command is over)."""
        if self._store is not None:
            self._store.engine.dispose()
            self._store = None

    def actor(self) -> str:
        """The acting user: `--as`, else `XRAY_SYNC_USER`, else `[cli] user`."""
        return choose_actor(self.as_user, self.env.get(USER_ENV), self.config().cli.user)


def store_place(config: Config) -> str:
    """Where the store is: the home for the default SQLite file, else the database URL."""
    if not config.store.url:
        return str(config.home)
    from sqlalchemy.engine import make_url

    return make_url(config.store_url).render_as_string(hide_password=True)


def cli_log_level(configured: str) -> str:
    """Commands log warnings only, unless the config asks for DEBUG or for ERROR only."""
    return configured if configured in ("DEBUG", "ERROR") else "WARNING"


def choose_actor(as_option: str | None, env_value: str | None, configured: str) -> str:
    """The first of the three sources that names someone; none names anyone: an error."""
    for candidate in (as_option, env_value, configured):
        if candidate and candidate.strip():
            return candidate.strip()
    raise NoActingUser()


pass_state = click.make_pass_decorator(CliState, ensure=True)


def _turn_on_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(CliState).json = True


def json_option(func: F) -> F:
    """`--json`: print the JSON shapes of docs/design.md section 6 instead of text."""
    option = click.option(
        "--json",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_turn_on_json,
        help="Print JSON (the shapes of the HTTP API) instead of text.",
    )
    return option(func)
