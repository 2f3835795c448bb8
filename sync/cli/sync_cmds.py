"""`xray-sync sync` and `xray-sync daemon` (`xray-sync demo`: `sync.cli.demo_cmd`).

`sync` asks the running daemon over HTTP (`POST /api/v1/sync` with the bearer token of
the acting user, taken from `XRAY_SYNC_TOKEN`; `xray-sync users token NAME` makes one);
with no daemon answering, or no token, it syncs in this process. Two engines on one
store are safe: sessions are claimed before they are pushed.
"""

from __future__ import annotations

import errno
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import click
import httpx

from sync.cli.context import CliState, json_option, pass_state
from sync.cli.errors import AddressInUse, CliError
from sync.cli.output import emit, table
from sync.cli.wait_view import QuietView, WaitView, open_view
from sync.config import Config
from sync.engine.summary import CycleSummary
from sync.progress import CycleProgress

if TYPE_CHECKING:
    from sync.engine.runner import SyncEngine

TOKEN_ENV = "XRAY_SYNC_TOKEN"  # noqa: S105  # the variable's name, not a token
WAIT_LIMIT_SECONDS = 600.0


class DaemonRefused(CliError):
    """The daemon answered the sync request with an error."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__("daemon_refused", f"the daemon refused the sync request "
                         f"(daemon_refused): HTTP {status} {body[:200]}")


def plan_text(plan: dict[str, Any]) -> str:
    """A dry run's plan for people: one line per step, then what it would cost."""
    steps = plan.get("steps") or []
    rows = [[s["kind"], s["name"] or "-", s["detail"], str(s["requests"]), s["session"]]
            for s in steps]
    lines = ["dry run: nothing was sent to Jira or Xray but reads, nothing stored"]
    lines.append(table(("Step", "Name", "What", "Requests", "Session"), rows,
                       right=("Requests",)) if rows else "nothing to do")
    counts, cost = plan.get("counts") or {}, plan.get("requests") or {}
    lines.append(f"would create {counts.get('created', 0)}, push {counts.get('pushed', 0)}, "
                 f"pull {counts.get('pulled', 0)}, defer {counts.get('deferred', 0)}, "
                 f"conflicts {counts.get('conflicts', 0)}")
    lines.append(f"requests: {cost.get('total', 0)} = {cost.get('reads', 0)} reads to look + "
                 f"{cost.get('writes', 0)} writes + {cost.get('setup', 0)} setup "
                 "(Xray token / field ids, once per process)")
    lines.extend(f"  error: {m}" for m in plan.get("errors") or [])
    return "\n".join(lines)


def summary_text(data: dict[str, Any]) -> str:
    """The human summary of a cycle: counts, then what waits and why, what was left to
    another process, and the errors."""
    line = (f"pushed {data.get('pushed', 0)} (created {data.get('created', 0)}), "
            f"pulled {data.get('pulled', 0)}, conflicts {data.get('conflicts', 0)}, "
            f"deferred {data.get('deferred', 0)}, errors {data.get('errors', 0)}")
    lines = [line, *(f"  deferred: {m}" for m in data.get("deferred_messages") or [])]
    skipped = int(data.get("skipped", 0))
    if skipped:
        lines.append(f"  {skipped} session(s) already claimed by another process (a daemon on "
                     "this store): left to it")
    lines.extend(f"  error: {m}" for m in data.get("error_messages") or [])
    return "\n".join(lines)


@click.command("sync")
@click.option("--session", "session_id", default=None, help="Only this session's changes.")
@click.option("--wait", is_flag=True, help="With a daemon: wait for the cycle to finish.")
@click.option("--reconcile", is_flag=True,
              help="List Jira's issues first to notice deletions (else hourly).")
@click.option("--dry-run", is_flag=True,
              help="Print what the cycle would do and cost; send no write, store nothing.")
@click.option("--force", is_flag=True,
              help="Admins: ask the daemon even past your budget of on-demand syncs.")
@json_option
@pass_state
def sync_cmd(state: CliState, session_id: str | None, wait: bool, reconcile: bool,
             dry_run: bool, force: bool) -> None:
    """Sync now: ask the running daemon, or (none running) sync in this process."""
    config = state.config()
    token = state.env.get(TOKEN_ENV, "").strip()
    base = f"http://{config.server.host}:{config.server.port}"
    daemon = bool(token) and _daemon_answers(base)
    if dry_run:
        plan = _ask_plan(base, token, session_id, reconcile, force) if daemon \
            else _engine(state, config).plan(_only(session_id), reconcile).to_json()
        emit(state.json, {"daemon": daemon, **plan}, lambda: plan_text(plan))
        return
    if daemon:
        view = (open_view() if not state.json else QuietView()) if wait else None
        try:
            data = _ask_daemon(base, token, session_id, view, reconcile, force)
        finally:
            if view is not None:
                view.close()
        emit(state.json, data, lambda: _daemon_text(data, base))
        return
    engine = _engine(state, config)
    reconciled = engine.reconcile(threading.Event()) if reconcile else None
    summary = _sync_here(state, engine, session_id)
    data = {"daemon": False, "last": summary.to_json()}
    if reconciled is not None:
        data["reconcile"] = reconciled.to_json()
    emit(state.json, data, lambda: "\n".join(
        ([f"reconcile: {summary_text(reconciled.to_json())}"] if reconciled else [])
        + [summary_text(summary.to_json())]))
    if summary.errors or (reconciled is not None and reconciled.errors):
        sys.exit(7)


def _daemon_text(data: dict[str, Any], base: str) -> str:
    """What a `sync` answered by the daemon says: the cycle's summary, or why there is none."""
    if data.get("finished") is None:
        return "sync requested from the daemon at " + base
    if not data["finished"]:
        return (f"the daemon's cycle was still running after {WAIT_LIMIT_SECONDS:.0f} s; it "
                "goes on: `xray-sync sync --wait` again shows its summary")
    return summary_text(data["last"] or {})


def _daemon_answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1.0).status_code < 500
    except httpx.HTTPError:
        return False


def _ask_plan(base: str, token: str, session_id: str | None, reconcile: bool,
              force: bool = False) -> dict[str, Any]:
    """The daemon's dry run (made between two of its cycles, so it may wait for one)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=WAIT_LIMIT_SECONDS) as http:
        answer = http.post("/api/v1/sync", json={"session": session_id, "reconcile": reconcile,
                                                 "dry_run": True, "force": force})
    if answer.status_code != 200:
        raise DaemonRefused(answer.status_code, answer.text)
    plan: dict[str, Any] = answer.json()
    return plan


def _ask_daemon(base: str, token: str, session_id: str | None,
                view: WaitView | None, reconcile: bool, force: bool = False) -> dict[str, Any]:
    """Ask for a cycle; with a `view`, wait for it to end, showing where it stands."""
    wait = view is not None
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10.0) as http:
        before = http.get("/api/v1/sync/status")
        if before.status_code != 200:
            raise DaemonRefused(before.status_code, before.text)
        cycles = int(before.json().get("cycles", 0))
        answer = http.post("/api/v1/sync", json={"session": session_id, "reconcile": reconcile,
                                                 "force": force})
        if answer.status_code != 202:
            raise DaemonRefused(answer.status_code, answer.text)
        status: dict[str, Any] = before.json()
        deadline = time.monotonic() + (WAIT_LIMIT_SECONDS if wait else 0)
        pause = threading.Event()
        finished = False
        while view is not None and time.monotonic() < deadline:
            status = http.get("/api/v1/sync/status").json()
            finished = status.get("cycles", 0) > cycles and not status.get("running") \
                and not status.get("pending")
            if finished:
                break
            view.show(status)
            pause.wait(0.2)
        return {"daemon": True, "requested": True, "finished": finished if wait else None,
                **status}


def _only(session_id: str | None) -> frozenset[str] | None:
    return frozenset({session_id}) if session_id else None


def _engine(state: CliState, config: Config) -> SyncEngine:
    from sync.engine.build import NotConfigured, build_engine  # the engine: only when used here

    try:
        return build_engine(config, state.store())
    except NotConfigured as exc:
        raise CliError("jira_not_configured", exc.message) from None


def _sync_here(state: CliState, engine: SyncEngine, session_id: str | None) -> CycleSummary:
    only = _only(session_id)
    stop = threading.Event()
    if state.json:
        return engine.sync(only, stop)
    view = open_view()
    start = engine.ctx.clock()
    snapshot = [CycleProgress(started=start, now=start)]

    def progress(done: int, total: int) -> None:
        snapshot[0] = snapshot[0].pushed(done, total, engine.ctx.clock())
        view.show({"running": True, "progress": snapshot[0].to_json()})

    view.show({"running": True, "progress": snapshot[0].to_json()})
    try:
        return engine.sync(only, stop, progress)
    finally:
        view.close()


@click.command("daemon")
@pass_state
def daemon_cmd(state: CliState) -> None:
    """Run the scheduler and the HTTP API until SIGTERM or Ctrl-C."""
    from sync.daemon import run_daemon
    from sync.engine.build import NotConfigured
    from sync.wiring import configure_logging

    config = state.config()
    configure_logging(config)
    try:
        code = run_daemon(config, on_ready=lambda url: click.echo(f"xray-sync daemon on {url}"))
    except NotConfigured as exc:
        raise CliError("jira_not_configured", exc.message) from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise AddressInUse(config.server.host, config.server.port) from None
        raise
    sys.exit(code)


def register(root: click.Group) -> None:
    root.add_command(sync_cmd)
    root.add_command(daemon_cmd)
