"""`xray-sync demo`: a sandbox Jira, the daemon and sample data, on embedded defaults.

The demo runs in a data folder: `XRAY_SYNC_HOME` when set (kept), else a new
`xray-sync-demo-*` folder in the temporary directory (removed when the demo ends, unless
`--keep`). A lock file in the folder keeps a second demo off a folder a running one uses:
it refuses in one line before it touches anything (no seed, no new token). Each demo
listens on ports of its own, so demos in different folders run side by side.

The hints it prints run as printed in a new terminal that never saw the virtual
environment: the export line puts this installation's `xray-sync` on `PATH`, and the
session they rename is a real one of the sample.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import click

from store.api import Store
from store.views import SessionQuery
from sync.cli.context import CliState, json_option, pass_state
from sync.cli.demo_bridge import bridge_env, bridge_hints, register_bridge, with_bridge
from sync.cli.errors import AddressInUse, DemoRunning
from sync.cli.output import emit
from sync.config import Config, load_config
from sync.privacy import private_folder

LOCK_NAME = "demo.lock"
TEMP_PREFIX = "xray-sync-demo-"
RENAMED_SAMPLE = "Checkout with expired cards"  # alice's xray session, renamed by the hints

SANDBOX_ENV = {
    "XRAY_SYNC_JIRA_EMAIL": "sandbox@example.com",
    "XRAY_SYNC_JIRA_TOKEN": "sandbox-token",  # the sandbox's public default, not a secret
    "XRAY_SYNC_XRAY_CLIENT_ID": "sandbox",
    "XRAY_SYNC_XRAY_CLIENT_SECRET": "sandbox-secret",
    "XRAY_SYNC_JIRA_PROJECT": "QA",
    # the demo's sandbox enforces no rate limit: Xray Cloud's budget (about one request a
    # second) would only slow the demo down; real sites keep [sync] rate_limit_* as set
    "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000",
    "XRAY_SYNC_SYNC_RATE_LIMIT_WINDOW": "1",
}


@dataclass(frozen=True)
class DemoHome:
    """The demo's data folder, and whether the demo made it (then it may remove it)."""

    path: Path
    made: bool

    @classmethod
    def choose(cls, env_home: str) -> DemoHome:
        if env_home:
            return cls(Path(env_home).expanduser().absolute(), made=False)
        return cls(Path(tempfile.mkdtemp(prefix=TEMP_PREFIX)), made=True)

    def fate(self, keep: bool) -> str:
        """What becomes of the folder when the demo ends, in words."""
        if not self.made:
            return "kept (named by XRAY_SYNC_HOME)"
        return "kept (--keep)" if keep else "removed when the demo ends (--keep keeps it)"

    def finish(self, keep: bool) -> None:
        if self.made and not keep:
            shutil.rmtree(self.path, ignore_errors=True)


@contextmanager
def demo_lock(home: Path) -> Iterator[None]:
    """Hold `home/demo.lock` while the demo runs; another holder: `DemoRunning`."""
    private_folder(home)  # the demo's data is as private as a service's
    fd = os.open(home / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DemoRunning(home, os.read(fd, 32).decode(errors="replace").strip()) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    # SIGTERM or SIGHUP before the daemon takes the signals over: end like Ctrl-C, cleaning up
    raise KeyboardInterrupt


def demo_config(env: dict[str, str], home: Path, sandbox_url: str, deployment: str) -> Config:
    """The demo's config: the sandbox's URLs and credentials, a free port, this home."""
    merged = {**env, **demo_env(home, sandbox_url, deployment), **bridge_env()}
    # a port of its own, whatever a previous demo's hints exported: demos run side by side
    merged["XRAY_SYNC_SERVER_PORT"] = str(_free_port("127.0.0.1"))
    merged.pop("XRAY_SYNC_SERVER_HOST", None)
    merged.setdefault("XRAY_SYNC_SYNC_INTERVAL", "30")
    merged.pop("XRAY_SYNC_CONFIG", None)
    merged.pop("XRAY_SYNC_STORE_URL", None)
    return with_bridge(load_config(None, merged))


def demo_env(home: Path, sandbox_url: str, deployment: str) -> dict[str, str]:
    """What the demo sets on top of the environment (the hints export the same)."""
    return {**SANDBOX_ENV, "XRAY_SYNC_HOME": str(home), "XRAY_SYNC_JIRA_URL": sandbox_url,
            "XRAY_SYNC_XRAY_URL": sandbox_url, "XRAY_SYNC_JIRA_DEPLOYMENT": deployment}


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def cli_bin_dir() -> Path:
    """The folder of this installation's `xray-sync` (the venv's bin)."""
    beside = Path(sys.executable).parent
    if (beside / "xray-sync").exists():
        return beside.absolute()
    found = shutil.which("xray-sync")
    return Path(found).parent.absolute() if found else beside.absolute()


def export_line(config: Config, home: Path, sandbox_url: str, deployment: str,
                token: str) -> str:
    """One `export` that gives a new terminal this demo: PATH, home, user, token, sandbox."""
    values = {**demo_env(home, sandbox_url, deployment), "XRAY_SYNC_USER": "alice",
              "XRAY_SYNC_TOKEN": token, "XRAY_SYNC_SERVER_PORT": str(config.server.port)}
    pairs = " ".join(f"{key}={shlex.quote(value)}" for key, value in sorted(values.items()))
    return f'export PATH={shlex.quote(str(cli_bin_dir()))}:"$PATH" {pairs}'


def hints(config: Config, sandbox_url: str, token: str, home: DemoHome, keep: bool,
          session_id: str, deployment: str) -> str:
    url = config.public_url
    return "\n".join([
        f"web console:   {url}/   (token for alice: {token})",
        f"HTTP API:      {url}/api/v1/  (Authorization: Bearer {token})",
        f"sandbox Jira:  {sandbox_url}  (what the sync created: {sandbox_url}/_sandbox/state)",
        f"data folder:   {home.path}  ({home.fate(keep)})",
        "in another terminal:",
        f"  {export_line(config, home.path, sandbox_url, deployment, token)}",
        "  xray-sync sessions list --workspace qa-team",
        f"  xray-sync sessions rename {session_id} 'Checkout, expired cards'",
        "  xray-sync sync --wait",
        "  xray-sync sync --wait --json",
        *(f"  {line}" for line in bridge_hints(sandbox_url, deployment, session_id)),
        "Ctrl-C stops the demo.",
    ])


def renamed_sample_id(store: Store) -> str:
    """The id of the sample session the hints rename (in a kept folder where it was renamed
    already: another xray session of alice's)."""
    from sync.cli.sample import ADMIN, TEAM

    query = SessionQuery(workspace=TEAM, owner=ADMIN, mode="xray", type="session", limit=50)
    items = store.list_sessions(ADMIN, query).items
    named = [s.id for s in items if s.name == RENAMED_SAMPLE]
    return (named or [s.id for s in items] or ["ID"])[0]


@click.command("demo")
@click.option("--once", is_flag=True, help="One full sync cycle, print the summary, exit.")
@click.option("--keep", is_flag=True, help="Keep the temporary data folder when the demo ends.")
@click.option("--deployment", type=click.Choice(["cloud", "datacenter"]), default="cloud",
              show_default=True, help="Which Jira/Xray the sandbox plays.")
@json_option
@pass_state
def demo(state: CliState, once: bool, keep: bool, deployment: str) -> None:
    """Sandbox Jira + daemon + sample data on embedded defaults (XRAY_SYNC_HOME or a temp dir)."""
    main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, _terminate)
                for sig in (signal.SIGTERM, signal.SIGHUP)} if main else {}
    home = DemoHome.choose(state.env.get("XRAY_SYNC_HOME", "").strip())
    try:
        with demo_lock(home.path):
            code = _run(state, home, once=once, keep=keep, deployment=deployment)
    finally:
        home.finish(keep)
        if home.made and not keep and not once:
            click.echo(f"removed the demo's data folder {home.path}", err=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.exit(code)


def _run(state: CliState, home: DemoHome, *, once: bool, keep: bool, deployment: str) -> int:
    from sandbox.server import start_sandbox
    from sync.cli.sample import ADMIN, seed_sample
    from sync.cli.sync_cmds import summary_text
    from sync.daemon import run_daemon
    from sync.engine.build import build_engine
    from sync.wiring import configure_logging, open_store

    sandbox = start_sandbox(deployment)
    try:
        config = demo_config(dict(state.env), home.path, sandbox.url, deployment)
        store = open_store(config)
        seed_sample(store, project=config.jira.project)
        token = store.issue_token(ADMIN)
        session_id = renamed_sample_id(store)
        if once:
            summary = build_engine(config, store).sync(None, threading.Event())
            store.engine.dispose()
            fate = "kept" if keep or not home.made else "removed"
            data = {"home": str(home.path), "home_kept": fate == "kept", "sandbox": sandbox.url,
                    "last": summary.to_json()}
            emit(state.json, data, lambda: f"demo cycle: {summary_text(summary.to_json())}\n"
                 f"data folder: {home.path} ({fate})")
            return 1 if summary.errors else 0
        store.engine.dispose()
        configure_logging(config)
        register_bridge(config, sandbox.url, deployment)

        def ready(_url: str) -> None:
            emit(state.json, {"console": config.public_url, "token": token,
                              "sandbox": sandbox.url, "home": str(home.path),
                              "home_kept": keep or not home.made,
                              "export": export_line(config, home.path, sandbox.url, deployment,
                                                    token)},
                 lambda: hints(config, sandbox.url, token, home, keep, session_id, deployment))

        try:
            return run_daemon(config, on_ready=ready)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AddressInUse(config.server.host, config.server.port) from None
            raise
    finally:
        sandbox.stop()


def register(root: click.Group) -> None:
    root.add_command(demo)
