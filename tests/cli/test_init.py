"""`xray-sync init`: home, store and first admin, idempotent."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli


def test_init_creates_the_home_the_store_and_an_admin(xs: Cli, tmp_path: Path) -> None:
    """A first `init` makes the home, the SQLite store, the user admin and a config naming it."""
    out = xs.ok("init").stdout
    home = tmp_path / "home"
    assert (home / "xray-sync.db").is_file()
    assert 'user = "admin"' in (home / "config.toml").read_text()
    assert "created admin user admin" in out
    assert xs.json("users", "list", user="admin") == [
        {"name": "admin", "role": "admin", "jira_account_id": None, "disabled": None,
         "token_expires": None}
    ]


def test_init_twice_creates_nothing_new(xs: Cli) -> None:
    """A second `init` reports that nothing was created and keeps the single admin."""
    xs.ok("init")
    again = xs.json("init")
    assert again["home_created"] is False
    assert again["admin_created"] is None
    assert again["config_written"] is None
    assert again["users"] == ["admin"]


def test_init_json_says_what_it_did(xs: Cli, tmp_path: Path) -> None:
    """`init --json` gives the home, the store URL, the admin made and the config written."""
    data = xs.json("init")
    assert data == {
        "home": str(tmp_path / "home"),
        "home_created": True,
        "store": f"sqlite:///{tmp_path / 'home' / 'xray-sync.db'}",
        "admin_created": "admin",
        "config_written": str(tmp_path / "home" / "config.toml"),
        "users": ["admin"],
    }


def test_init_leaves_a_named_config_file_alone(xs: Cli) -> None:
    """With --config naming a file, init writes no config of its own."""
    config = xs.file("mine.toml", b'[cli]\nuser = "admin"\n')
    data = xs.json("--config", str(config), "init")
    assert data["admin_created"] == "admin"
    assert data["config_written"] is None
    assert config.read_text() == '[cli]\nuser = "admin"\n'
