"""The `xray-sync` command line (docs/design.md section 6).

Each command module registers its commands on the root group (`module.register(cli)`);
to add one, name the command and its module(s) in ONE entry of `COMMANDS` below. A module
is imported only when its command runs (or `--help` lists them all), so that a quick
command such as `sync --wait` starts talking to the daemon in a fraction of a second
instead of loading the store, the engine and the sandbox first.
"""

from __future__ import annotations

from sync.cli.context import CliState
from sync.cli.root import cli

COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("sync.cli.init_cmd",),
    "users": ("sync.cli.users_cmds",),
    "workspaces": ("sync.cli.workspaces_cmds",),
    "sessions": ("sync.cli.sessions_cmds", "sync.cli.sessions_edit_cmds"),
    "sample": ("sync.cli.sample_cmd",),
    "sync": ("sync.cli.sync_cmds",),
    "daemon": ("sync.cli.sync_cmds",),
    "sandbox": ("sync.cli.sandbox_cmd",),
    "doctor": ("sync.cli.doctor_cmd",),
    "demo": ("sync.cli.demo_cmd",),
    "backup": ("sync.cli.backup_cmds",),
    "restore": ("sync.cli.backup_cmds",),
    "audit": ("sync.cli.audit_cmd",),
}
cli.lazy_commands.update(COMMANDS)


def main() -> None:
    """The console script `xray-sync`."""
    cli.main(obj=CliState(setup_logging=True))


__all__ = ["cli", "main"]
