"""A newcomer's first minutes, timed: `bash scripts/demo` on a fresh clone to its hints, then
`xray-sync sync --wait` of 30 new sessions against that demo, with when its first
progress line came.

    PYTHONPATH=. python benchmarks/bench_newcomer.py [--sessions 30]

The clone is made with `git clone` of this repository into a temporary folder (so its
`.venv` is built from nothing, as on a fresh machine; the packages come from the
machine's package index or cache), the demo runs with `XRAY_SYNC_SYNC_INTERVAL=3600` so
that only the requested cycle pushes, and everything is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XRAY_SYNC_", "VIRTUAL_ENV", "PYTHONPATH"))}
    return {**env, "TMPDIR": str(tmp), "XRAY_SYNC_SYNC_INTERVAL": "3600"}


def start_demo(clone: Path, tmp: Path) -> tuple[subprocess.Popen[str], list[str], float]:
    """`bash scripts/demo` in the clone; returns once its hints are printed, and how long
    that took."""
    began = time.perf_counter()
    proc = subprocess.Popen(["bash", "scripts/demo"], cwd=clone, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=clean_env(tmp),
                            start_new_session=True)
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C stops the demo."):
            return proc, lines, time.perf_counter() - began
    raise SystemExit(f"the demo printed no hints: {lines}")


def export_line(lines: list[str]) -> str:
    return next(line.strip() for line in lines if line.strip().startswith("export PATH="))


def clean_shell(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["env", "-i", "bash", "--noprofile", "--norc", "-c", script],
                          cwd=cwd, capture_output=True, text=True, check=True)


def import_sessions(clone: Path, export: str, count: int) -> None:
    script = "\n".join([
        export, "set -e",
        f"for n in $(seq 1 {count}); do",
        "  xray-sync --as alice sessions import examples/checkout.xea --workspace qa-team "
        "--mode xray --project QA --name \"Bench $n\" -q >/dev/null",
        "done",
    ])
    clean_shell(script, clone)


def timed_sync_wait(clone: Path, export: str) -> tuple[float, list[tuple[float, str]]]:
    """`xray-sync sync --wait` (stderr not a terminal: plain lines), each line timed."""
    proc = subprocess.Popen(["env", "-i", "bash", "--noprofile", "--norc", "-c",
                             f"{export}\nexec xray-sync sync --wait 2>&1"], cwd=clone,
                            stdout=subprocess.PIPE, text=True)
    began = time.perf_counter()
    assert proc.stdout is not None
    timed = [(time.perf_counter() - began, line.rstrip("\n")) for line in proc.stdout]
    proc.wait()
    return time.perf_counter() - began, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-newcomer-") as folder:
        tmp = Path(folder)
        clone = tmp / "clone"
        subprocess.run(["git", "clone", "--quiet", str(REPOSITORY), str(clone)], check=True)
        proc, lines, to_hints = start_demo(clone, tmp)
        try:
            print(f"bash scripts/demo on a fresh clone to its hints: {to_hints:.1f} s")
            export = export_line(lines)
            import_sessions(clone, export, args.sessions)
            total, timed = timed_sync_wait(clone, export)
            print(f"sync --wait of {args.sessions} new sessions: {total:.1f} s")
            for at, line in timed:
                print(f"  {at:6.2f} s  {line}")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
