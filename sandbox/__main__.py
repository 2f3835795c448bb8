"""`python -m sandbox`: serve a sandbox in its own process (benchmarks, manual poking).

    python -m sandbox --deployment cloud --port 0 --latency-ms 50 --rate-limit 300/300

Prints the base URL once listening, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys

from sandbox.options import DEPLOYMENTS, RateLimit, SandboxOptions
from sandbox.server import serve_forever


def rate_limit(text: str) -> RateLimit:
    """`REQUESTS/SECONDS`, e.g. `300/300`."""
    try:
        count, seconds = text.split("/")
        return RateLimit(int(count), float(seconds))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected REQUESTS/SECONDS, got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    """The command line."""
    found = argparse.ArgumentParser(prog="python -m sandbox",
                                    description="Serve a Jira + Xray sandbox on loopback.")
    found.add_argument("--deployment", choices=DEPLOYMENTS, default="cloud")
    found.add_argument("--host", default="127.0.0.1")
    found.add_argument("--port", type=int, default=0)
    found.add_argument("--latency-ms", type=float, default=0.0)
    found.add_argument("--search-lag-seconds", type=float, default=0.0)
    found.add_argument("--rate-limit", type=rate_limit, default=None,
                       help="REQUESTS/SECONDS per client, e.g. 300/300 (default: none)")
    found.add_argument("--max-payload-bytes", type=int, default=10 * 1024 * 1024)
    found.add_argument("--webhook-time-scale", type=float, default=1.0,
                       help="multiplies webhook retry waits (30 s .. 8 min; default 1)")
    return found


def main(argv: list[str] | None = None) -> None:
    """Parses the arguments and serves until interrupted."""
    args = parser().parse_args(argv)
    options = SandboxOptions(latency_ms=args.latency_ms,
                             search_lag_seconds=args.search_lag_seconds,
                             rate_limit=args.rate_limit, max_payload_bytes=args.max_payload_bytes,
                             webhook_time_scale=args.webhook_time_scale)
    serve_forever(args.deployment, args.host, args.port, options,
                  on_ready=lambda url: print(url, flush=True))


if __name__ == "__main__":
    main(sys.argv[1:])
