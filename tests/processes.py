"""Stopping the child processes (daemons) that the tests and the benchmarks start.

Only the standard library: the benchmarks import it too (`benchmarks/bench_kill9.py`),
and it needs neither the product nor pytest.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence

STOP_WAIT_SECONDS = 30.0


def stop_all(processes: Sequence[subprocess.Popen[bytes]],
             timeout: float = STOP_WAIT_SECONDS) -> None:
    """SIGTERM every process first, so that they all stop at once, then wait for each;
    one still running after `timeout` seconds is killed (SIGKILL)."""
    for proc in processes:
        proc.send_signal(signal.SIGTERM)
    for proc in processes:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
