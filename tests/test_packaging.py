"""The wheel: built from the project, installed into a fresh venv, run from another folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parent.parent
# Local state that is no part of the source (and may be large or in use by others).
NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".hypothesis", ".import_linter_cache", "node_modules",
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    elsewhere: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a command of the fresh venv from a folder outside the project."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("XRAY_SYNC_")}
        env |= {"HOME": str(self.elsewhere), "XRAY_SYNC_HOME": str(self.elsewhere / "home")}
        return subprocess.run(args, cwd=self.elsewhere, env=env, capture_output=True,
                              text=True, timeout=300, check=False)


def checked(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """Build the wheel from a copy of the project and pip-install it into a new venv."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    shutil.copytree(PROJECT, source, ignore=NOT_SOURCE)
    checked([sys.executable, "-m", "build", "--wheel", "--outdir", str(base / "dist"),
             str(source)], cwd=base)
    (wheel,) = (base / "dist").glob("xray_sync-*.whl")
    venv = base / "venv"
    checked([sys.executable, "-m", "venv", str(venv)], cwd=base)
    checked([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", str(wheel)], cwd=base)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    yield Installed(wheel=wheel, venv=venv, elsewhere=elsewhere)


def test_wheel_holds_the_manifest_schema_and_the_migrations(installed: Installed) -> None:
    """The wheel ships store/manifest.schema.json and the alembic migrations with a revision."""
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert "store/manifest.schema.json" in names
    assert {"store/migrations/env.py", "store/migrations/script.py.mako"} <= names
    assert any(n.startswith("store/migrations/versions/") and n.endswith(".py")
               and not n.endswith("__init__.py") for n in names)


def test_installed_cli_prints_its_usage(installed: Installed) -> None:
    """`xray-sync --help` of the installed wheel exits 0 with its usage, outside the project."""
    done = installed.run(str(installed.venv / "bin" / "xray-sync"), "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage: xray-sync" in done.stdout


def test_installed_package_loads_its_manifest_schema(installed: Installed) -> None:
    """The installed store finds its manifest schema as package data and checks a manifest."""
    script = ("from store.bundle import validate_manifest, SCHEMA_PATH; "
              "validate_manifest({'format': 'xea-session/1', 'type': 'session', 'name': 'n'}); "
              "print(SCHEMA_PATH)")
    done = installed.run(str(installed.venv / "bin" / "python"), "-c", script)
    assert done.returncode == 0, done.stderr
    assert str(installed.venv) in done.stdout
