"""The demo's configuration: its own port and a client budget that fits its sandbox."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sync.cli.demo_cmd import (
    RENAMED_SAMPLE,
    DemoHome,
    demo_config,
    demo_lock,
    export_line,
    renamed_sample_id,
)
from sync.cli.sample import seed_sample
from sync.config import load_config
from sync.wiring import open_store


def test_the_demo_lifts_the_client_budget_and_real_sites_keep_xray_clouds(tmp_path: Path) -> None:
    """The demo (its sandbox enforces no limit) allows 100,000 a second; the default stays
    Xray Cloud's 300 per 5 minutes."""
    demo = demo_config({}, tmp_path, "http://127.0.0.1:1", "cloud")
    default = load_config(None, {"XRAY_SYNC_HOME": str(tmp_path)})
    assert (demo.sync.rate_limit_requests, demo.sync.rate_limit_window) == (100_000, 1)
    assert (default.sync.rate_limit_requests, default.sync.rate_limit_window) == (300, 300)


def test_the_demo_takes_a_free_port_whatever_the_environment_says(tmp_path: Path) -> None:
    """A port exported by an earlier demo's hints is not reused (demos run side by side)."""
    config = demo_config({"XRAY_SYNC_SERVER_PORT": "8470"}, tmp_path, "http://127.0.0.1:1",
                         "cloud")
    assert config.server.port not in (0, 8470) and config.home == tmp_path


def test_the_export_line_puts_this_installations_cli_first_on_path(tmp_path: Path) -> None:
    """The hints' export line starts with PATH=<bin of this xray-sync>:"$PATH"."""
    config = demo_config({}, tmp_path, "http://127.0.0.1:1", "cloud")
    line = export_line(config, tmp_path, "http://127.0.0.1:1", "cloud", "tok")
    assert line.startswith("export PATH=/") and ':"$PATH" ' in line
    assert (Path(line.split("=", 1)[1].split(":")[0]) / "xray-sync").exists()


def test_a_named_home_is_kept_and_a_made_one_is_removed(tmp_path: Path) -> None:
    """XRAY_SYNC_HOME is never removed by the demo; the demo's own temp folder is, unless kept."""
    named = DemoHome.choose(str(tmp_path / "mine"))
    named.path.mkdir()
    named.finish(keep=False)
    assert named.path.is_dir()
    made = DemoHome(tmp_path / "made", made=True)
    made.path.mkdir()
    made.finish(keep=True)
    assert made.path.is_dir()
    made.finish(keep=False)
    assert not made.path.exists()


def test_the_hints_rename_a_real_session_even_in_a_kept_folder(tmp_path: Path) -> None:
    """The hinted rename names the sample session, or after it was renamed another of
    alice's xray sessions: never a placeholder."""
    store = open_store(demo_config({}, tmp_path, "http://127.0.0.1:1", "cloud"))
    try:
        seed_sample(store)
        first = renamed_sample_id(store)
        assert store.show("alice", first).name == RENAMED_SAMPLE
        store.rename("alice", first, "Renamed by an earlier run")
        again = renamed_sample_id(store)
        shown = store.show("alice", again)
        assert (shown.mode, shown.owner) == ("xray", "alice")
    finally:
        store.engine.dispose()


def test_the_demo_makes_its_data_folder_private_whatever_the_umask(tmp_path: Path) -> None:
    """A demo home it creates is 0700 under a umask of 022 (no warning at the daemon's start)."""
    home = tmp_path / "demo-home"
    previous = os.umask(0o022)
    try:
        with demo_lock(home):
            mode = stat.S_IMODE(home.stat().st_mode)
    finally:
        os.umask(previous)
    assert mode == 0o700
