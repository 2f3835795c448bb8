"""`xray-sync init`: the home folder, the store, and a first admin; safe to run again."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.engine import make_url

from sync.cli.context import CliState, json_option, pass_state
from sync.cli.output import emit, key_values
from sync.config import Config

FIRST_ADMIN = "admin"

_CONFIG_TEMPLATE = """\
# Written by `xray-sync init`. Every key is documented in config.example.toml.
[cli]
# the acting user when neither --as nor XRAY_SYNC_USER names one
user = "{user}"
"""


@click.command("init")
@json_option
@pass_state
def init(state: CliState) -> None:
    """Create the home folder, the store and a first admin `admin` (if there is no user)."""
    config = state.config()
    home_existed = config.home.is_dir()
    store = state.store(create=True)  # creates the home and brings the schema up to date
    admin_created = None
    if not store.list_users():
        admin_created = store.add_user(FIRST_ADMIN, admin=True).name
    config_written = _write_config(config, admin_created)
    data = {
        "home": str(config.home),
        "home_created": not home_existed,
        "store": make_url(config.store_url).render_as_string(hide_password=True),
        "admin_created": admin_created,
        "config_written": str(config_written) if config_written else None,
        "users": [user.name for user in store.list_users()],
    }
    emit(state.json, data, lambda: _describe(data))


def _write_config(config: Config, admin: str | None) -> Path | None:
    """A config naming the new admin as CLI user, when there is no config file at all."""
    path = config.home / "config.toml"
    if admin is None or config.source is not None or path.exists():
        return None
    path.write_text(_CONFIG_TEMPLATE.format(user=admin), encoding="utf-8")
    return path


def _describe(data: dict[str, object]) -> str:
    lines = [
        f"home {data['home']}: " + ("created" if data["home_created"] else "already there"),
        f"store {data['store']}: schema up to date",
    ]
    if data["admin_created"]:
        lines.append(f"created admin user {data['admin_created']}")
    else:
        lines.append("users already exist: no admin created")
    if data["config_written"]:
        lines.append(f"wrote {data['config_written']} (acting user: {data['admin_created']})")
    return "\n".join(lines) + "\n" + key_values({"users": data["users"]})


def register(root: click.Group) -> None:
    root.add_command(init)
