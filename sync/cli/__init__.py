"""The `xray-sync` command line (docs/design.md section 6).

Each command module registers its commands on the root group with ONE line
below (`module.register(cli)`); nothing else needs to change to add one.
"""

from __future__ import annotations

from sync.cli import (
    demo_cmd,
    doctor_cmd,
    init_cmd,
    sample_cmd,
    sandbox_cmd,
    sessions_cmds,
    sessions_edit_cmds,
    sync_cmds,
    users_cmds,
    workspaces_cmds,
)
from sync.cli.context import CliState
from sync.cli.root import cli

init_cmd.register(cli)
users_cmds.register(cli)
workspaces_cmds.register(cli)
sessions_cmds.register(cli)
sessions_edit_cmds.register(cli)
sample_cmd.register(cli)
sync_cmds.register(cli)
sandbox_cmd.register(cli)
doctor_cmd.register(cli)
demo_cmd.register(cli)


def main() -> None:
    """The console script `xray-sync`."""
    cli.main(obj=CliState(setup_logging=True))


__all__ = ["cli", "main"]
