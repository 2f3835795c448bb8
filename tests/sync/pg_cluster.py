"""A private PostgreSQL cluster for one test: made with `initdb`, served on a free loopback
port, restarted on demand with `pg_ctl`, stopped and removed at the end.

The shared server of the other PostgreSQL tests (``XRAY_SYNC_TEST_POSTGRES_URL``) cannot be
restarted by a test: other suites use it at the same time. A cluster of the test's own can.
CI runs as root, and PostgreSQL refuses to run as root, so there the binaries run as the
``postgres`` OS user (``runuser -u postgres --``); any other user runs them as itself.
The binaries are part of the test environment: when they cannot be found the fixture
fails, naming what it looked for, rather than skipping.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tests.sync.test_daemon_process import free_port

SEARCHED = "`pg_config --bindir`, /usr/lib/postgresql/*/bin, then PATH"
START_TIMEOUT_SECONDS = 30


def find_bindir() -> Path:
    """The folder holding `initdb` and `pg_ctl`: where `pg_config` says, else the newest
    Debian-style install, else the folder of `pg_ctl` on PATH."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                               check=False)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    # the numeric sort puts version 15 before 9.6
    installs = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                      key=lambda p: [int(s) for s in p.parent.name.split(".") if s.isdigit()],
                      reverse=True)
    candidates.extend(installs)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    pytest.fail(f"PostgreSQL's initdb and pg_ctl were not found (looked at {SEARCHED}); "
                "install the server package (Debian: apt-get install postgresql)")


def run_as() -> list[str]:
    """The prefix that runs a PostgreSQL binary as a user allowed to run it."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        pytest.fail("running as root, PostgreSQL needs another user, and runuser is missing")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root, PostgreSQL needs the `postgres` OS user, which is missing")
    return ["runuser", "-u", "postgres", "--"]


class PgCluster:
    """One private cluster: `url(database)` to reach it, `restart()` to bounce it."""

    def __init__(self, bindir: Path, folder: Path, prefix: list[str]) -> None:
        self.bindir, self.folder, self.prefix = bindir, folder, prefix
        self.data = folder / "data"
        self.port = free_port()
        self.restarts = 0

    def _run(self, tool: str, *args: str) -> None:
        # cwd: the tool may not be allowed into the caller's folder as the postgres user
        done = subprocess.run([*self.prefix, str(self.bindir / tool), *args], cwd=self.folder,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(f"{tool} {' '.join(args)} failed ({done.returncode}): "
                        f"{done.stderr.strip() or done.stdout.strip()}")

    def init(self) -> None:
        """`initdb` with trust authentication; no fsync, the data is thrown away."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        """Serve on the loopback port only (its socket in the cluster's folder), and wait."""
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "-t", str(START_TIMEOUT_SECONDS), "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session (as a restart does); `immediate` for the teardown."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, away_seconds: float = 0.0) -> None:
        """Fast shutdown (every connection ends), `away_seconds` with no server, start again."""
        self.stop("fast")
        threading.Event().wait(away_seconds)  # the outage the test asks for
        self.start()
        self.restarts += 1

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database on the cluster; its URL."""
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            admin.dispose()
        return self.url(name)


@pytest.fixture
def pg_cluster() -> Iterator[PgCluster]:
    """A running private cluster, stopped and removed at the end of the test."""
    bindir, prefix = find_bindir(), run_as()
    # straight under the temp folder: pytest's own tmp_path sits in a folder only the
    # current user may enter, which the postgres OS user could not reach
    folder = Path(tempfile.mkdtemp(prefix="xs-pg-"))
    if prefix:
        shutil.chown(folder, user="postgres", group=None)
    cluster = PgCluster(bindir, folder, prefix)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
