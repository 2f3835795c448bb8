"""`xray-sync demo` as a newcomer meets it: its hints and the README's tour run verbatim in a
clean shell, a second demo never disturbs a running one, and nothing is left behind."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from sync.cli import cli, sync_cmds
from sync.cli.demo_cmd import TEMP_PREFIX, cli_bin_dir
from tests.bounds import REPOSITORY

pytestmark = pytest.mark.slow

START_SECONDS = 60.0
TOUR = re.compile(r"<!-- tour:start -->\s*```sh\n(.*?)```", re.S)


@dataclass
class Demo:
    """A demo running in its own process group, with what it printed."""

    proc: subprocess.Popen[str]
    lines: list[str]
    tmp: Path

    def hint_commands(self) -> list[str]:
        """The lines under "in another terminal:", as printed (without the indent)."""
        start = self.lines.index("in another terminal:") + 1
        return [line[2:] for line in self.lines[start:] if line.startswith("  ")]

    def field(self, label: str) -> str:
        line = next(line for line in self.lines if line.startswith(label))
        return line[len(label):].split()[0]

    @property
    def home(self) -> Path:
        return Path(self.field("data folder:"))

    @property
    def token(self) -> str:
        line = next(line for line in self.lines if line.startswith("HTTP API:"))
        return line.split("Bearer ")[-1].rstrip(")")

    def api(self) -> str:
        return self.field("HTTP API:")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM (or `sig`), then the exit status (15 s at most)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=15)
        finally:
            if self.proc.stdout is not None:
                self.proc.stdout.close()


def _clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XRAY_SYNC_")}
    return {**env, "TMPDIR": str(tmp), **extra}


def start_demo(tmp: Path, **extra: str) -> Demo:
    """`xray-sync demo` in a new process group; returns once it printed its hints."""
    proc = subprocess.Popen([str(cli_bin_dir() / "xray-sync"), "demo"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=_clean_env(tmp, **extra),
                            start_new_session=True)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C stops the demo."):
            return Demo(proc, lines, tmp)
    proc.kill()
    raise AssertionError(f"the demo printed no hints: {lines}")


def clean_shell(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`script` in bash started by `env -i`: no venv, no PATH of ours, no XRAY_SYNC_*."""
    return subprocess.run(["env", "-i", "bash", "--noprofile", "--norc", "-c", script],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


@contextmanager
def synced_demo(tmp: Path) -> Iterator[Demo]:
    """A demo whose first cycle is done (the sample pushed); stopped at the end."""
    running = start_demo(tmp)
    try:
        headers = {"Authorization": f"Bearer {running.token}"}
        for _ in range(300):
            status = httpx.get(f"{running.api()}sync/status", headers=headers, timeout=10)
            if status.json()["cycles"] >= 1 and not status.json()["running"]:
                break
            threading.Event().wait(0.1)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo for the module, its first cycle done (the sample pushed)."""
    with synced_demo(tmp_path_factory.mktemp("demo-tmp")) as running:
        yield running


def test_the_printed_hints_run_verbatim_in_a_clean_shell(demo: Demo, tmp_path: Path) -> None:
    """Each hint line, pasted into a shell that never saw the venv, succeeds; the rename is sent."""
    script = "set -e\n" + "\n".join(demo.hint_commands())
    done = clean_shell(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "command not found" not in done.stderr
    assert "renamed session" in done.stdout
    session_id = next(c.split()[3] for c in demo.hint_commands() if " rename " in c)
    shown = clean_shell("\n".join([demo.hint_commands()[0],
                                   f"xray-sync sessions show {session_id} --json"]), tmp_path)
    key = json.loads(shown.stdout)["link"]["test_execution"]
    issue = httpx.get(f"{demo.field('sandbox Jira:')}/rest/api/3/issue/{key}", timeout=10,
                      auth=("sandbox@example.com", "sandbox-token"))
    assert issue.json()["fields"]["summary"] == "Checkout, expired cards"


def test_the_readme_tour_runs_verbatim_against_the_demo(demo: Demo, tmp_path: Path) -> None:
    """Every line of the README's tour does what its comment says: refusals refuse, the rest
    succeed."""
    match = TOUR.search((REPOSITORY / "README.md").read_text(encoding="utf-8"))
    assert match is not None
    commands = [line for line in match.group(1).splitlines() if line.strip()]
    shutil.copytree(REPOSITORY / "examples", tmp_path / "examples")
    export = next(line for line in demo.hint_commands() if line.startswith("export "))
    script = "\n".join([export, *(f'{c}\necho "@@rc=$?"' for c in commands)])
    done = clean_shell(script, tmp_path)
    codes = [int(code) for code in re.findall(r"@@rc=(\d+)", done.stdout)]
    assert len(codes) == len(commands), done.stdout + done.stderr
    for command, code in zip(commands, codes, strict=True):
        refused = "# refused" in command
        assert (code != 0) == refused, f"{command!r} exited {code}: {done.stderr}"
    assert "locked" in done.stderr and "permission" in done.stderr
    assert (tmp_path / "Checkout v2.xea").is_file()


def test_a_second_demo_on_the_same_folder_refuses_and_leaves_the_first_alone(
        demo: Demo) -> None:
    """One line, exit 6, no traceback; the first demo's token still works and nothing is
    seeded again."""
    headers = {"Authorization": f"Bearer {demo.token}"}
    before = httpx.get(f"{demo.api()}workspaces/qa-team/sessions?limit=500",
                       headers=headers, timeout=10).json()["items"]
    second = subprocess.run([str(cli_bin_dir() / "xray-sync"), "demo"], capture_output=True,
                            text=True, timeout=60,
                            env=_clean_env(demo.tmp, XRAY_SYNC_HOME=str(demo.home)))
    assert second.returncode == 6
    assert second.stderr.count("\n") == 1 and "[demo_running]" in second.stderr
    assert second.stdout == ""
    after = httpx.get(f"{demo.api()}workspaces/qa-team/sessions?limit=500",
                      headers=headers, timeout=10)
    assert after.status_code == 200
    assert sorted(s["id"] for s in after.json()["items"]) == sorted(s["id"] for s in before)


def test_a_demo_in_a_fresh_folder_runs_beside_and_sigterm_leaves_nothing(
        demo: Demo, tmp_path: Path) -> None:
    """A second demo gets its own folder and ports; SIGTERM ends its whole process group and
    removes its temporary folder."""
    other = start_demo(tmp_path, XRAY_SYNC_SERVER_PORT=demo.api().split(":")[2].split("/")[0])
    try:
        assert other.home != demo.home and other.home.name.startswith(TEMP_PREFIX)
        assert other.api() != demo.api()
        assert httpx.get(f"{other.api()}me", timeout=10,
                         headers={"Authorization": f"Bearer {other.token}"}).status_code == 200
    finally:
        code = other.stop()
    assert code == 0
    with pytest.raises(ProcessLookupError):
        os.killpg(other.proc.pid, 0)
    assert list(tmp_path.glob(f"{TEMP_PREFIX}*")) == []


def test_a_closed_terminal_sighup_also_leaves_nothing(tmp_path: Path) -> None:
    """SIGHUP (the demo's terminal closed) stops it cleanly: no process, no folder left."""
    other = start_demo(tmp_path)
    assert other.stop(signal.SIGHUP) == 0
    with pytest.raises(ProcessLookupError):
        os.killpg(other.proc.pid, 0)
    assert list(tmp_path.glob("xray-sync-*")) == []


def test_once_says_where_its_data_went_and_removes_it(tmp_path: Path) -> None:
    """`demo --once` prints its summary and the data folder, which is then gone."""
    done = subprocess.run([str(cli_bin_dir() / "xray-sync"), "demo", "--once"],
                          capture_output=True, text=True, timeout=120, env=_clean_env(tmp_path))
    assert done.returncode == 0, done.stderr
    folder = re.search(r"data folder: (\S+) \(removed\)", done.stdout)
    assert folder is not None, done.stdout
    assert not Path(folder.group(1)).exists()
    assert list(tmp_path.glob(f"{TEMP_PREFIX}*")) == []


def test_once_with_keep_keeps_the_folder(tmp_path: Path) -> None:
    """`demo --once --keep` leaves its data folder, and says so."""
    done = subprocess.run([str(cli_bin_dir() / "xray-sync"), "demo", "--once", "--keep"],
                          capture_output=True, text=True, timeout=120, env=_clean_env(tmp_path))
    folder = re.search(r"data folder: (\S+) \(kept\)", done.stdout)
    assert done.returncode == 0 and folder is not None, done.stdout
    assert (Path(folder.group(1)) / "xray-sync.db").is_file()


def _demo_env(demo: Demo) -> dict[str, str]:
    export = next(line for line in demo.hint_commands() if line.startswith("export "))
    pairs = (item.split("=", 1) for item in shlex.split(export[len("export "):]))
    return {key: value for key, value in pairs if key.startswith("XRAY_SYNC_")}


def test_a_wait_that_runs_out_says_the_cycle_still_runs(demo: Demo,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """When --wait gives up, it says the cycle goes on instead of showing an older summary."""
    monkeypatch.setattr(sync_cmds, "WAIT_LIMIT_SECONDS", 0.0)
    result = CliRunner().invoke(cli, ["sync", "--wait"], env=_demo_env(demo))
    assert result.exit_code == 0, result.output
    assert "still running after 0 s" in result.stdout and "pushed" not in result.stdout


def test_a_wait_that_ends_is_marked_finished(demo: Demo) -> None:
    """`sync --wait --json` against the daemon reports finished true with the cycle's summary."""
    result = CliRunner().invoke(cli, ["sync", "--wait", "--json"], env=_demo_env(demo))
    data = json.loads(result.stdout)
    assert (data["daemon"], data["finished"], data["last"]["errors"]) == (True, True, 0)


def lock_holder(demo: Demo, session_id: str, cwd: Path) -> str | None:
    """Who holds the session's lock, as `sessions show --json` says in a clean shell."""
    shown = clean_shell(f"{demo.hint_commands()[0]}\n"
                        f"xray-sync sessions show {session_id} --json", cwd)
    lock = json.loads(shown.stdout)["lock"]
    return None if lock is None else str(lock["holder"])


def wait_for_holder(demo: Demo, session_id: str, cwd: Path, holder: str | None) -> str | None:
    """The lock holder once it is `holder`, or what it still is after 30 s."""
    seen = lock_holder(demo, session_id, cwd)
    deadline = time.monotonic() + 30
    while seen != holder and time.monotonic() < deadline:
        threading.Event().wait(0.5)
        seen = lock_holder(demo, session_id, cwd)
    return seen


def test_the_bridge_hint_archives_the_session_through_the_sandbox_webhook(
        demo: Demo, tmp_path: Path) -> None:
    """The hinted move to Done in the sandbox reaches the daemon as a signed webhook and
    archives the session (locked by jira) within seconds; Reopened unarchives it."""
    commands = demo.hint_commands()
    session_id = next(c.split()[3] for c in commands if " rename " in c)
    first = next(i for i, c in enumerate(commands) if c.startswith("KEY="))
    bridge = [c for c in commands[first:] if not c.startswith("sleep")]
    key = clean_shell(f"{commands[0]}\n{commands[first]}\necho $KEY", tmp_path).stdout.strip()
    sandbox, auth = demo.field("sandbox Jira:"), ("sandbox@example.com", "sandbox-token")
    issue = httpx.get(f"{sandbox}/rest/api/3/issue/{key}", auth=auth, timeout=10).json()
    if issue["fields"]["status"]["name"] == "Done":  # the hints test moved it there already
        httpx.post(f"{sandbox}/rest/api/3/issue/{key}/transitions", auth=auth, timeout=10,
                   json={"transition": {"id": "51"}}).raise_for_status()
    reopened = wait_for_holder(demo, session_id, tmp_path, None)
    moved = clean_shell("set -e\n" + "\n".join([commands[0], *bridge]), tmp_path)
    archived = wait_for_holder(demo, session_id, tmp_path, "jira")
    state = httpx.get(f"{sandbox}/_sandbox/state", timeout=10).json()
    answers = {d["status"] for d in state["webhook_deliveries"]
               if d["url"] == f"{demo.api().removesuffix('/api/v1/')}/hooks/jira"}
    assert (reopened, moved.returncode, archived, answers <= {200, 202}, bool(answers)) == (
        None, 0, "jira", True, True)
