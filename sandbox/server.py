"""Starts and stops a sandbox: uvicorn in a background thread, or in the foreground for the CLI.

    sandbox = start_sandbox("cloud")          # binds 127.0.0.1 on a free port
    sandbox.url, sandbox.state, sandbox.faults
    sandbox.pause(); sandbox.resume()        # down a while (refused), then back, same state
    sandbox.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import uvicorn

from sandbox.app import build_app
from sandbox.errors import StartFailed
from sandbox.faults import Faults
from sandbox.options import DEPLOYMENTS, Deployment, SandboxOptions
from sandbox.runtime import Runtime
from sandbox.state import SandboxState
from sandbox.webhooks import Webhooks


@dataclass
class RunningSandbox:
    """A sandbox serving in a background thread."""

    url: str
    state: SandboxState
    faults: Faults
    runtime: Runtime
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        """Stops serving and waits for the thread to end."""
        self.pause()
        self.runtime.webhooks.stop()
        self.state.close()

    def pause(self) -> None:
        """Stops serving, as a site that went down: the port refuses connections and the
        open ones are closed; the state stays, for `resume`."""
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def resume(self) -> None:
        """Serves the same state again at the same URL, as the site back up."""
        address = urlsplit(self.url)
        listener = _listen(str(address.hostname), int(address.port or 0))
        self._server = uvicorn.Server(self._server.config)
        self._thread = _serve_in_thread(self._server, listener, self.url)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _check_deployment(deployment: str) -> Deployment:
    if deployment not in DEPLOYMENTS:
        raise ValueError(f"deployment must be one of {', '.join(DEPLOYMENTS)}, not {deployment!r}")
    return deployment


def _listen(host: str, port: int) -> socket.socket:
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only then, and
    # without it Nagle + delayed ACKs stall every kept-alive answer by ~40 ms.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    return listener


def _prepare(deployment: str, host: str, port: int, options: SandboxOptions | None
             ) -> tuple[Runtime, uvicorn.Server, socket.socket, str]:
    chosen = _check_deployment(deployment)
    options = options or SandboxOptions()
    state = SandboxState(chosen, options)
    runtime = Runtime(chosen, options, state, Faults(options.seed), Webhooks(state))
    listener = _listen(host, port)
    bound_host, bound_port = listener.getsockname()[:2]
    state.base_url = f"http://{bound_host}:{bound_port}"
    runtime.webhooks.start()
    config = uvicorn.Config(build_app(runtime), log_level="critical", access_log=False,
                            lifespan="off", timeout_keep_alive=30, http="h11",
                            # h11 would refuse a head over 16 KiB itself; the gate decides.
                            h11_max_incomplete_event_size=1024 * 1024)
    return runtime, uvicorn.Server(config), listener, f"http://{bound_host}:{bound_port}"


def start_sandbox(deployment: str = "cloud", host: str = "127.0.0.1", port: int = 0, *,
                  options: SandboxOptions | None = None) -> RunningSandbox:
    """Serves a fresh sandbox in a background thread and returns once it answers."""
    runtime, server, listener, url = _prepare(deployment, host, port, options)
    thread = _serve_in_thread(server, listener, url)
    return RunningSandbox(url, runtime.state, runtime.faults, runtime, server, thread)


def _serve_in_thread(server: uvicorn.Server, listener: socket.socket, url: str
                     ) -> threading.Thread:
    """Serves on `listener` in a background thread; returns once the server answers."""
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[listener])),
                              name=f"sandbox-{url}", daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            return thread
        if not thread.is_alive():
            raise StartFailed(url)
        threading.Event().wait(0.01)
    server.should_exit = True
    raise StartFailed(url)


def serve_forever(deployment: str = "cloud", host: str = "127.0.0.1", port: int = 0,
                  options: SandboxOptions | None = None,
                  on_ready: Callable[[str], None] | None = None) -> None:
    """Serves a sandbox in the foreground until interrupted; `on_ready(url)` once listening."""
    runtime, server, listener, url = _prepare(deployment, host, port, options)

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started and on_ready is not None:
            on_ready(url)
        await task

    # uvicorn re-raises the interrupt it caught once it has shut down; that is the normal
    # way out of the foreground server, not an error.
    try:
        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            asyncio.run(main())
    finally:
        runtime.webhooks.stop()
        runtime.state.close()
