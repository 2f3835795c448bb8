"""The root group `xray-sync`: its options, and the one place errors become exit codes.

`RootGroup.main` runs click in non-standalone mode so that every expected error
(the store's, the config's, click's usage errors, the CLI's own) is reported by
`sync.cli.errors.report` and never as a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from store.errors import StoreError
from sync.cli.context import CliState, json_option
from sync.cli.errors import CliError, report
from sync.config import ConfigError

_EXPECTED = (StoreError, ConfigError, CliError, click.ClickException)


class RootGroup(click.Group):
    """A group whose `main` translates expected errors into one line and an exit code, and
    whose commands are imported when first asked for (`lazy_commands`: name -> modules,
    each with a `register(root)`)."""

    lazy_commands: dict[str, tuple[str, ...]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            for module in self.lazy_commands.get(cmd_name, ()):
                importlib.import_module(module).register(self)
        return super().get_command(ctx, cmd_name)

    def main(  # always exits, like standalone mode
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            # a group with nothing after it (bare `xray-sync`): its help is the answer
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except _EXPECTED as exc:
            sys.exit(report(exc, as_json="--json" in argv))
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)
        except BrokenPipeError:
            # the reader went away (`| head`): stop quietly, and keep Python from
            # complaining again when it flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=RootGroup, name="xray-sync")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The TOML config file (else XRAY_SYNC_CONFIG, else $XRAY_SYNC_HOME/config.toml).",
)
@click.option(
    "--as",
    "as_user",
    metavar="USER",
    default=None,
    help="The acting user (else XRAY_SYNC_USER, else [cli] user of the config).",
)
@json_option
@click.version_option(package_name="xray-sync")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, as_user: str | None) -> None:
    """Keep Xray Exploratory App sessions: users, workspaces, sessions and their sync."""
    state = ctx.ensure_object(CliState)
    state.config_path = config_path
    state.as_user = as_user
    ctx.call_on_close(state.close)
