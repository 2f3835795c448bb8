"""The data folder is private whatever the umask: the home 0700, the SQLite store and its
WAL 0600, session files readable by their owner only; a home others can read is warned of."""

from __future__ import annotations

import io
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.config import load_config
from sync.privacy import privacy_warnings
from sync.wiring import open_store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask of a login shell, restored afterwards."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def test_a_new_store_is_private_under_umask_022(tmp_path: Path, umask_022: None) -> None:
    """Under umask 022 the home is 0700, the database and WAL 0600, a blob 0400."""
    home = tmp_path / "home"
    store = open_store(load_config(None, {"XRAY_SYNC_HOME": str(home)}))
    store.add_user("alice")
    session = store.import_session("alice", "alice", io.BytesIO(b"notes"), name="S")
    blob = store.blobs.path(session.digest)
    modes = {"home": _mode(home), "db": _mode(home / "xray-sync.db"),
             "wal": _mode(home / "xray-sync.db-wal"), "blob": _mode(blob),
             "blob folder": _mode(blob.parent)}
    store.engine.dispose()
    assert modes == {"home": 0o700, "db": 0o600, "wal": 0o600, "blob": 0o400,
                     "blob folder": 0o700}


def test_a_readable_home_is_warned_of_at_start(tmp_path: Path, umask_022: None,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """A home left 0755 (an older version's) is named in a warning when the store opens."""
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="sync.wiring"):
        open_store(load_config(None, {"XRAY_SYNC_HOME": str(home)})).engine.dispose()
    assert any(f"{home} has mode 0755" in r.getMessage() for r in caplog.records)


def test_a_private_home_gives_no_warning(tmp_path: Path) -> None:
    """A 0700 home with a 0600 file: nothing to say."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "store.db").touch(mode=0o600)
    assert privacy_warnings(home, (home / "store.db",)) == []


def test_the_systemd_unit_keeps_the_data_private_and_hardened() -> None:
    """deploy/xray-sync.service sets the umask, the state folder's mode and the hardening."""
    unit = (Path(__file__).resolve().parent.parent / "deploy" / "xray-sync.service").read_text()
    settings = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in unit.splitlines()
                if "=" in line and not line.startswith("#")}
    assert {key: settings.get(key) for key in (
        "UMask", "StateDirectoryMode", "NoNewPrivileges", "ProtectSystem", "ProtectHome",
        "PrivateTmp")} == {"UMask": "0077", "StateDirectoryMode": "0700",
                           "NoNewPrivileges": "yes", "ProtectSystem": "strict",
                           "ProtectHome": "yes", "PrivateTmp": "yes"}
    assert int(settings["LimitNOFILE"]) >= 4096
