"""The `xray-sync` entry point in a real process, from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _command() -> list[str]:
    """The installed console script next to this Python, else the same entry point via -m."""
    script = Path(sys.executable).with_name("xray-sync")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "sync.cli"]


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XRAY_SYNC_")}
    env["XRAY_SYNC_HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([*_command(), *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_help_runs_in_a_real_process(tmp_path: Path) -> None:
    """`xray-sync --help` exits 0 and shows the usage line."""
    done = _run(["--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and "sessions" in done.stdout


def test_init_then_an_error_in_real_processes(tmp_path: Path) -> None:
    """`xray-sync init` makes the store; then an unknown id exits 4 with one line, no traceback."""
    done = _run(["init"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "home" / "xray-sync.db").is_file()
    assert "created admin user admin" in done.stdout
    failed = _run(["sessions", "show", "f" * 32], tmp_path)
    assert failed.returncode == 4
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
