"""`xray-sync doctor` against sandboxes: one that passes every check, and one set up to fail
each check, each failure printed with its fix and a non-zero exit status."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sandbox.options import RateLimit, SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from sync.api.app import create_app
from sync.cli import cli
from sync.config import load_config
from sync.daemon import ApiServer
from sync.wiring import open_store

ALL_CHECKS = ["credentials", "deployment", "clock", "project", "issue_types", "permissions",
              "xray", "time_zone", "rate_limits", "webhook_secret", "public_url",
              "store_schema", "store_writable"]


@dataclass
class Site:
    """A sandbox, a home with a migrated store, and the daemon's HTTP API answering at
    `[server] public_url`: everything doctor checks, set up right unless a test breaks it."""

    sandbox: RunningSandbox
    home: Path
    env: dict[str, str] = field(default_factory=dict)

    def doctor(self, **env: str) -> tuple[int, dict[str, Any]]:
        """Run `doctor --json` with `env` on top; its exit code and report."""
        result = CliRunner().invoke(cli, ["doctor", "--json"], env={**self.env, **env})
        return result.exit_code, json.loads(result.output)

    def text(self, **env: str) -> str:
        return CliRunner().invoke(cli, ["doctor"], env={**self.env, **env}).output


def _env(sandbox: RunningSandbox, home: Path, deployment: str, port: int) -> dict[str, str]:
    return {
        "XRAY_SYNC_HOME": str(home), "XRAY_SYNC_CONFIG": "",
        "XRAY_SYNC_JIRA_DEPLOYMENT": deployment, "XRAY_SYNC_JIRA_URL": sandbox.url,
        "XRAY_SYNC_XRAY_URL": sandbox.url, "XRAY_SYNC_JIRA_EMAIL": "sandbox@example.com",
        "XRAY_SYNC_JIRA_TOKEN": "sandbox-token", "XRAY_SYNC_XRAY_CLIENT_ID": "sandbox",
        "XRAY_SYNC_XRAY_CLIENT_SECRET": "sandbox-secret", "XRAY_SYNC_JIRA_PROJECT": "QA",
        "XRAY_SYNC_WEBHOOKS_SECRET": "hook-secret",
        "XRAY_SYNC_WEBHOOKS_AUTOMATION_SECRET": "automation-secret",
        "XRAY_SYNC_SERVER_PORT": str(port), "XRAY_SYNC_STORE_URL": "",
    }


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[Callable[..., Site]]:
    """Builds a ready site of a deployment, on a sandbox with the options given."""
    running: list[Callable[[], None]] = []

    def build(deployment: str = "cloud", options: SandboxOptions | None = None) -> Site:
        sandbox = start_sandbox(deployment, options=options)
        running.append(sandbox.stop)
        home = tmp_path / f"home-{len(running)}"
        env = _env(sandbox, home, deployment, 0)
        config = load_config(None, env)
        store = open_store(config)
        server = ApiServer(create_app(config, store), "127.0.0.1", 0)
        server.start()
        running.append(server.stop)
        running.append(store.engine.dispose)
        env["XRAY_SYNC_SERVER_PORT"] = server.url.rsplit(":", 1)[1]
        return Site(sandbox, home, env)

    yield build
    for stop in reversed(running):
        stop()


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"]}


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_ready_site_passes_every_check(make_site: Callable[..., Site],
                                         deployment: str) -> None:
    """Against a sandbox set up right, every check is ok and the exit status is 0."""
    code, report = make_site(deployment).doctor()
    expected = [*ALL_CHECKS[:5], "xray_fields", *ALL_CHECKS[5:]] \
        if deployment == "datacenter" else ALL_CHECKS
    assert [c["name"] for c in report["checks"]] == expected
    assert {c["name"]: c["status"] for c in report["checks"]} == dict.fromkeys(expected, "ok")
    assert (code, report["ready"]) == (0, True)


def test_the_text_report_shows_each_failure_with_its_fix(make_site: Callable[..., Site]) -> None:
    """The human report marks the failed check FAIL, prints its fix, and says not ready."""
    output = make_site().text(XRAY_SYNC_WEBHOOKS_SECRET="")
    line = next(x for x in output.splitlines() if "webhook_secret" in x)
    assert line.split()[0] == "FAIL"
    assert "fix: register a Jira webhook" in output
    assert output.splitlines()[-1].startswith("not ready")


def _clock_ahead(seconds: float) -> SandboxOptions:
    return SandboxOptions(clock=lambda: time.time() - seconds)


# (the check that fails, the deployment, the sandbox's options, the environment on top,
#  a word the fix must contain)
FAILURES: list[tuple[str, str, SandboxOptions | None, dict[str, str], str]] = [
    ("credentials", "cloud", None, {"XRAY_SYNC_JIRA_TOKEN": "wrong"}, "API token"),
    ("credentials", "datacenter", None, {"XRAY_SYNC_JIRA_TOKEN": "wrong"},
     "personal access token"),
    ("deployment", "cloud", None, {"XRAY_SYNC_JIRA_DEPLOYMENT": "datacenter"},
     'deployment = "cloud"'),
    ("clock", "cloud", _clock_ahead(600), {}, "overlap_seconds"),
    ("project", "cloud", None, {"XRAY_SYNC_JIRA_PROJECT": "NOPE"}, "[jira] project"),
    ("issue_types", "cloud", SandboxOptions(missing_issue_types=frozenset({"Test Execution"})),
     {}, "Test Execution"),
    ("xray_fields", "datacenter", SandboxOptions(missing_fields=frozenset({"Test Type"})), {},
     "Xray"),
    ("permissions", "cloud", SandboxOptions(withheld_permissions=frozenset({"LINK_ISSUES"})),
     {}, "LINK_ISSUES"),
    ("xray", "cloud", None, {"XRAY_SYNC_XRAY_CLIENT_SECRET": "wrong"}, "API key"),
    ("rate_limits", "cloud", SandboxOptions(rate_limit=RateLimit(3, 60.0)), {}, "wait"),
    ("webhook_secret", "cloud", None, {"XRAY_SYNC_WEBHOOKS_SECRET": ""},
     "XRAY_SYNC_WEBHOOKS_SECRET"),
    ("public_url", "cloud", None, {"XRAY_SYNC_SERVER_PUBLIC_URL": "http://127.0.0.1:9"},
     "public_url"),
]


@pytest.mark.parametrize(("check", "deployment", "options", "env", "word"), FAILURES,
                         ids=[f"{f[0]}-{f[1]}" for f in FAILURES])
def test_a_site_set_up_to_fail_one_check_fails_it(
    make_site: Callable[..., Site], check: str, deployment: str,
    options: SandboxOptions | None, env: dict[str, str], word: str,
) -> None:
    """The broken check fails with a fix naming what to change, and doctor exits 1."""
    code, report = make_site(deployment, options).doctor(**env)
    found = _by_name(report)[check]
    assert found["status"] == "fail", found
    assert word in found["fix"]
    assert (code, report["ready"]) == (1, False)


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata"])
def test_a_service_user_west_or_east_of_utc_is_ready(make_site: Callable[..., Site],
                                                     zone: str) -> None:
    """A service user in a non-UTC zone passes `time_zone`: the connector writes JQL dates
    in it."""
    code, report = make_site(options=SandboxOptions(time_zone=zone)).doctor()
    assert _by_name(report)["time_zone"]["data"] == {"zone": zone}
    assert (code, report["ready"]) == (0, True)


def test_a_zone_unknown_here_warns_with_its_fix(make_site: Callable[..., Site]) -> None:
    """A service user's zone this machine does not know warns (every pull is widened by
    12 h) and names tzdata; the site is still ready."""
    code, report = make_site(options=SandboxOptions(time_zone="Mars/Olympus_Mons")).doctor()
    check = _by_name(report)["time_zone"]
    assert (check["status"], "tzdata" in check["fix"]) == ("warn", True)
    assert code == 0


def test_xray_server_missing_fails_the_xray_check(make_site: Callable[..., Site]) -> None:
    """On Data Center, Xray's REST API answering 404 (Xray not installed) fails `xray`."""
    site = make_site("datacenter")
    site.sandbox.faults.add("status", path="^/rest/raven/", status=404, count=None)
    code, report = site.doctor()
    assert _by_name(report)["xray"]["status"] == "fail"
    assert code == 1


def test_an_unmigrated_store_fails_the_schema_check(make_site: Callable[..., Site],
                                                    tmp_path: Path) -> None:
    """A store database that was never migrated fails `store_schema` with `init` as fix,
    and doctor does not migrate it."""
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    url = f"sqlite:///{empty}"
    code, report = make_site().doctor(XRAY_SYNC_STORE_URL=url)
    schema = _by_name(report)["store_schema"]
    assert (schema["status"], "xray-sync init" in schema["fix"]) == ("fail", True)
    with sqlite3.connect(empty) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []
    assert code == 1


def test_a_missing_store_is_not_created_by_looking(make_site: Callable[..., Site],
                                                   tmp_path: Path) -> None:
    """A store URL naming no file fails `store_schema`; the file is still absent after."""
    missing = tmp_path / "nowhere" / "store.db"
    code, report = make_site().doctor(XRAY_SYNC_STORE_URL=f"sqlite:///{missing}")
    assert _by_name(report)["store_schema"]["status"] == "fail"
    assert not missing.exists()
    assert code == 1


def test_a_read_only_store_fails_the_writable_check(make_site: Callable[..., Site]) -> None:
    """A store database opened read-only fails `store_writable`."""
    site = make_site()
    database = site.home / "xray-sync.db"
    code, report = site.doctor(XRAY_SYNC_STORE_URL=f"sqlite:///file:{database}?mode=ro&uri=true")
    checks = _by_name(report)
    assert (checks["store_schema"]["status"], checks["store_writable"]["status"]) == ("ok",
                                                                                      "fail")
    assert code == 1


def test_without_a_jira_url_the_site_checks_name_the_key(tmp_path: Path) -> None:
    """With no [jira] url, `credentials` fails naming the key and the other site checks
    are skipped."""
    env = {"XRAY_SYNC_HOME": str(tmp_path), "XRAY_SYNC_JIRA_URL": "", "XRAY_SYNC_CONFIG": ""}
    result = CliRunner().invoke(cli, ["doctor", "--json"], env=env)
    checks = _by_name(json.loads(result.output))
    assert "jira_url_required" in checks["credentials"]["detail"]
    assert checks["project"]["status"] == "skip"
    assert result.exit_code == 1
