"""A command that needs a store, run where there is none, says so in one line and makes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

NEEDS_A_STORE = [
    ("sessions", "list"),
    ("sessions", "show", "0" * 32),
    ("users", "list"),
    ("users", "add", "bob"),
    ("workspaces", "list"),
    ("sample",),
    ("sync",),
]


def _home(xs: Cli) -> Path:
    home = xs.env["XRAY_SYNC_HOME"]
    assert home is not None
    return Path(home)


@pytest.mark.parametrize("argv", NEEDS_A_STORE, ids=" ".join)
def test_no_store_is_one_line_naming_the_home_and_init(xs: Cli, argv: tuple[str, ...]) -> None:
    """The error names the home and `xray-sync init`, exits 4, and creates no home at all."""
    result = xs(*argv, user="alice")
    assert result.exit_code == 4
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert f"no store at {_home(xs)}" in lines[0] and "xray-sync init" in lines[0]
    assert not _home(xs).exists()


def test_no_store_in_json_is_the_error_shape(xs: Cli) -> None:
    """With --json the same refusal is `{"error": {"code": "not_found", "rule": "no_store"}}`."""
    result = xs("sessions", "list", "--json", user="alice")
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["rule"]) == ("not_found", "no_store")


def test_init_still_makes_the_store_and_then_commands_work(xs: Cli) -> None:
    """`init` creates the store where there is none; the same command then succeeds."""
    xs.ok("init")
    assert (_home(xs) / "xray-sync.db").is_file()
    assert [u["name"] for u in xs.json("users", "list", user="admin")] == ["admin"]


def test_an_empty_home_folder_is_no_store(xs: Cli) -> None:
    """A home folder that exists but holds no store is refused too, and stays empty."""
    _home(xs).mkdir()
    assert xs("users", "list", user="admin").exit_code == 4
    assert list(_home(xs).iterdir()) == []
