"""Fixtures for the CLI tests: a temp XRAY_SYNC_HOME per test and a runner bound to it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sync.cli import cli
from sync.cli.sample import make_bundle


@dataclass
class Cli:
    """Runs `xray-sync ARGS` in process with its own environment."""

    env: dict[str, str | None]
    workdir: Path
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(self, *args: str, user: str | None = None) -> Result:
        argv = (["--as", user] if user else []) + list(args)
        return self.runner.invoke(cli, argv, env=self.env, catch_exceptions=False)

    def ok(self, *args: str, user: str | None = None) -> Result:
        result = self(*args, user=user)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str, user: str | None = None) -> Any:
        return json.loads(self.ok(*args, "--json", user=user).stdout)

    def file(self, name: str, data: bytes) -> Path:
        path = self.workdir / name
        path.write_bytes(data)
        return path

    def import_bundle(self, name: str, *, user: str, workspace: str = "qa-team",
                      extra: tuple[str, ...] = ()) -> dict[str, Any]:
        path = self.file(f"{name}.xea", make_bundle(name, tester=user))
        session: dict[str, Any] = self.json(
            "sessions", "import", str(path), "--workspace", workspace, *extra, user=user
        )
        return session


@pytest.fixture
def xs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """A CLI on a fresh home, run from a fresh working folder, with no XRAY_SYNC_* leaking in."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("XRAY_SYNC_")}
    env["XRAY_SYNC_HOME"] = str(tmp_path / "home")
    yield Cli(env=env, workdir=workdir)


@pytest.fixture
def team(xs: Cli) -> Cli:
    """`init`, then alice (admin), bob, carol, and the team workspace qa-team of alice and bob."""
    xs.ok("init")
    xs.ok("users", "add", "alice", "--admin", user="admin")
    for name in ("bob", "carol"):
        xs.ok("users", "add", name, user="admin")
    xs.ok("workspaces", "add", "qa-team", "--team", "--member", "bob", user="alice")
    return xs
