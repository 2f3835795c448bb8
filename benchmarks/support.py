"""What several benchmarks share: the sandbox in its own process, a throwaway PostgreSQL database.

Run the benchmarks from the repository root with ``PYTHONPATH=.`` so that this module
imports as ``benchmarks.support``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

PYTHON_MAIN = "from sync.cli import main; main()"


# The sandbox in its own process with Xray Cloud's window enforced (argv: deployment,
# requests, seconds), refusing with a bare 429 as Xray may (XRAYCLOUD-1399).
SANDBOX_WITH_XRAY_WINDOW = """
import sys
from sandbox.options import RateLimit, SandboxOptions
from sandbox.server import serve_forever
window = RateLimit(int(sys.argv[2]), float(sys.argv[3]), retry_after=False, headers=False)
serve_forever(sys.argv[1], options=SandboxOptions(xray_rate_limit=window),
              on_ready=lambda url: print(url, flush=True))
"""


class SandboxProcess:
    """`xray-sync sandbox` in its own process, read through its control plane; with
    `xray_window` (requests, seconds) enforcing Xray Cloud's window per API key."""

    def __init__(self, deployment: str = "cloud", latency_ms: float = 0,
                 xray_window: tuple[int, float] | None = None) -> None:
        argv = [sys.executable, "-c", PYTHON_MAIN, "sandbox", "--port", "0",
                "--deployment", deployment]
        if xray_window is not None:
            argv = [sys.executable, "-c", SANDBOX_WITH_XRAY_WINDOW, deployment,
                    str(xray_window[0]), str(xray_window[1])]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if latency_ms:
            self.set_latency(latency_ms)

    def set_latency(self, latency_ms: float) -> None:
        httpx.post(f"{self.url}/_sandbox/options", json={"latency_ms": latency_ms}, timeout=30)

    def issues(self) -> list[dict[str, Any]]:
        body = httpx.get(f"{self.url}/_sandbox/state", timeout=120).json()
        return list(body["issues"])

    def total(self) -> int:
        """Requests the sandbox has answered, this read included."""
        return int(httpx.get(f"{self.url}/_sandbox/log", timeout=30).json()["total"])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@contextmanager
def postgres_database(base: str) -> Iterator[str]:
    """A fresh, randomly named PostgreSQL database next to `base`, dropped afterwards."""
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"xs_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def daemon_process(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`xray-sync daemon` in its own process with `env`, once its /healthz answers;
    terminated at the end."""
    port = int(env["XRAY_SYNC_SERVER_PORT"])
    proc = subprocess.Popen([sys.executable, "-c", PYTHON_MAIN, "daemon"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code < 600:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
