"""`xray-sync sandbox`: serve the local Jira/Xray emulator in the foreground and print its URL."""

from __future__ import annotations

import contextlib

import click

from sandbox.server import serve_forever
from sync.cli.context import CliState, json_option, pass_state
from sync.cli.output import emit


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=0, type=click.IntRange(0, 65535), show_default=True,
              help="Port to bind (0: any free port).")
@click.option("--deployment", type=click.Choice(["cloud", "datacenter"]), default="cloud",
              show_default=True, help="Emulate Jira Cloud + Xray Cloud, or Data Center.")
@json_option
@pass_state
def sandbox(state: CliState, host: str, port: int, deployment: str) -> None:
    """Serve Jira and Xray on one base URL until Ctrl-C (credentials: see docs/sandbox.md)."""

    def ready(url: str) -> None:
        data = {"url": url, "deployment": deployment}

        def text() -> str:
            return (f"{url}\n# export XRAY_SYNC_JIRA_URL={url} XRAY_SYNC_XRAY_URL={url} "
                    f"XRAY_SYNC_JIRA_DEPLOYMENT={deployment}")

        emit(state.json, data, text)

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it is meant to stop
        serve_forever(deployment, host, port, on_ready=ready)


def register(root: click.Group) -> None:
    root.add_command(sandbox)
