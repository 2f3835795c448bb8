"""`xray-sync doctor`: prints the readiness report of `sync.doctor`; exit status 1 when a
check failed (or could not be made because another failed)."""

from __future__ import annotations

import sys

import click

from sync.cli.context import CliState, json_option, pass_state
from sync.cli.output import emit
from sync.doctor import Report, run_doctor

NOT_READY_EXIT = 1
_MARKS = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def report_text(report: Report) -> str:
    """The report for people: one line per check, its fix below it when it has one."""
    site = report.site
    lines = [f"xray-sync doctor: {site['deployment']} Jira at {site['jira'] or '(no url)'}, "
             f"project {site['project']}"]
    width = max(len(c.name) for c in report.checks)
    for check in report.checks:
        lines.append(f"  {_MARKS[check.status]:<4}  {check.name:<{width}}  {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"  {'':<4}  {'':<{width}}  fix: {check.fix}")
    failed = sum(c.status in ("fail", "skip") for c in report.checks)
    lines.append("ready" if report.ready else
                 f"not ready: {failed} check(s) failed or could not be made")
    return "\n".join(lines)


@click.command("doctor")
@json_option
@pass_state
def doctor_cmd(state: CliState) -> None:
    """Check the configured Jira, Xray, webhook address and store; print each fix."""
    report = run_doctor(state.config())
    emit(state.json, report.to_json(), lambda: report_text(report))
    if not report.ready:
        sys.exit(NOT_READY_EXIT)


def register(root: click.Group) -> None:
    root.add_command(doctor_cmd)
