"""Every word the CLI says when something fails, and the exit code of each error code.

    CliError                  code, rule, message   (found by the CLI itself)
     +-- NoActingUser         code "invalid"        (no --as, XRAY_SYNC_USER or [cli] user)
     +-- NoStore              code "not_found"      (no store where the config points)
     +-- DemoRunning          code "conflict"       (a demo already runs in that data folder)
     +-- AddressInUse         code "unavailable"    (the HTTP API's port is taken)
     +-- FileExists           code "conflict"       (download would overwrite; --force)
     +-- LocalFileError       code "unavailable"    (a local file cannot be read or written)

Errors of the layers below (`store.errors.StoreError`, `sync.config.ConfigError`)
and click's usage errors are translated here, once: one line on stderr
`error: <message> (<code>)` and the exit code of the code; with `--json` the
shape of docs/design.md section 6 on stdout instead.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import ClassVar

import click

from store.errors import Locked, StoreError
from sync.config import ConfigError

EXIT_CODES: dict[str, int] = {
    "invalid": 2,
    "permission_denied": 3,
    "not_found": 4,
    "locked": 5,
    "conflict": 6,
    "unavailable": 7,
}


class CliError(Exception):
    """A refusal found by the CLI itself, shaped like the store's errors (rule in brackets)."""

    code: ClassVar[str] = "invalid"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class NoActingUser(CliError):
    """No acting user was named anywhere."""

    code: ClassVar[str] = "invalid"

    def __init__(self) -> None:
        super().__init__(
            "acting_user_required",
            "no acting user: pass --as USER, set XRAY_SYNC_USER, or set user in the config's "
            "[cli] table [acting_user_required]",
        )


class NoStore(CliError):
    """The command needs a store and there is none where the config points."""

    code: ClassVar[str] = "not_found"

    def __init__(self, where: str) -> None:
        super().__init__(
            "no_store",
            f"no store at {where}: make one with `xray-sync init`, or set XRAY_SYNC_HOME "
            "to the home of an existing one [no_store]",
        )
        self.where = where


class DemoRunning(CliError):
    """Another demo holds the data folder."""

    code: ClassVar[str] = "conflict"

    def __init__(self, home: Path, pid: str) -> None:
        holder = f" (pid {pid})" if pid else ""
        super().__init__(
            "demo_running",
            f"a demo already runs in {home}{holder}: stop it first, or start another in a "
            "fresh folder (unset XRAY_SYNC_HOME) [demo_running]")


class AddressInUse(CliError):
    """The HTTP API's port is taken."""

    code: ClassVar[str] = "unavailable"

    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            "address_in_use",
            f"cannot listen on {host}:{port}: the address is in use; set XRAY_SYNC_SERVER_PORT "
            "to a free port (0: any) [address_in_use]")


class FileExists(CliError):
    """A download would overwrite a file."""

    code: ClassVar[str] = "conflict"

    def __init__(self, path: Path) -> None:
        super().__init__(
            "file_exists", f"{path} already exists: pass --force to overwrite it [file_exists]"
        )
        self.path = path


class LocalFileError(CliError):
    """A local file could not be read or written."""

    code: ClassVar[str] = "unavailable"

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__("local_file", f"cannot write {path}: {reason} [local_file]")
        self.path = path


def describe(exc: Exception) -> tuple[str, str, str | None]:
    """The (code, message, rule) that the user sees for `exc`."""
    if isinstance(exc, Locked):
        return exc.code, _locked_message(exc), exc.rule
    if isinstance(exc, StoreError | CliError):
        return exc.code, exc.message, exc.rule
    if isinstance(exc, ConfigError):
        return "invalid", exc.message, "config"
    if isinstance(exc, click.ClickException):
        return "invalid", exc.format_message(), "usage"
    raise TypeError(f"not a user-facing error: {exc!r}")  # pragma: no cover - a bug


def _locked_message(exc: Locked) -> str:
    if exc.holder is None or exc.holder in exc.message:
        return exc.message
    since = f" since {exc.since.isoformat()}" if exc.since is not None else ""
    return f"{exc.message} (held by {exc.holder}{since})"


def report(exc: Exception, *, as_json: bool) -> int:
    """Print `exc` the way the user asked for, and return the exit code."""
    code, message, rule = describe(exc)
    if as_json:
        body: dict[str, object] = {"code": code, "message": message}
        if rule is not None:
            body["rule"] = rule
        click.echo(json.dumps({"error": body}))
    else:
        click.echo(f"error: {message} ({code})", file=sys.stderr)
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            click.echo(f"try '{exc.ctx.command_path} --help'", file=sys.stderr)
    return EXIT_CODES[code]
