"""The daemon's HTTP server facing the network: slow heads are cut, trickling clients do not
starve others, accept-error storms are one line a second, plain HTTP stays on loopback."""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.api.serving import (
    OncePerInterval,
    check_exposure,
    is_loopback,
    protocol_class,
)
from sync.config import ConfigError, ServerConfig, load_config
from sync.daemon import ApiServer, run_daemon

HEAD_TIMEOUT = 0.3


async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The smallest ASGI app: 200 "ok" to every request."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def served() -> Iterator[ApiServer]:
    """The ASGI app behind the daemon's server, with a short head timeout."""
    server = ApiServer(hello, "127.0.0.1", 0, {"http": protocol_class(HEAD_TIMEOUT),
                                               "limit_concurrency": 1000,
                                               "timeout_keep_alive": 5})
    server.start()
    try:
        yield server
    finally:
        server.stop()


def address(server: ApiServer) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def closed_within(conn: socket.socket, seconds: float) -> bool:
    """Whether the server closes `conn` within `seconds` (reading what it sends first)."""
    conn.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if conn.recv(4096) == b"":
                return True
    except TimeoutError:
        return False
    return False


def test_a_head_that_never_ends_is_cut_after_the_head_timeout(served: ApiServer) -> None:
    """A connection that sends half a request head is closed by the server."""
    with socket.create_connection(address(served)) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        assert closed_within(conn, HEAD_TIMEOUT * 10)


def test_a_second_head_trickled_on_a_kept_alive_connection_is_cut(served: ApiServer) -> None:
    """After a full request and its answer, a slow next head meets the same timeout."""
    with socket.create_connection(address(served)) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        first = conn.recv(4096)
        conn.sendall(b"GET / HT")
        assert (first.startswith(b"HTTP/1.1 200"), closed_within(conn, HEAD_TIMEOUT * 10)) == (
            True, True)


def test_a_whole_request_is_answered_and_not_cut(served: ApiServer) -> None:
    """A request whose head arrives in time gets its answer on a kept-alive connection."""
    with httpx.Client() as http:
        answers = [http.get(f"{served.url}/").status_code for _ in range(3)]
        time.sleep(HEAD_TIMEOUT * 2)  # idle, within keep-alive: the next request still works
        answers.append(http.get(f"{served.url}/").status_code)
    assert answers == [200, 200, 200, 200]


def test_hundreds_of_trickling_clients_do_not_starve_a_request(served: ApiServer) -> None:
    """With 300 connections holding half a head, a new request is answered at once."""
    tricklers = [socket.create_connection(address(served)) for _ in range(300)]
    try:
        for conn in tricklers:
            conn.sendall(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        status = httpx.get(f"{served.url}/", timeout=5).status_code
        assert (status, time.monotonic() - started < 2) == (200, True)
    finally:
        for conn in tricklers:
            conn.close()


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
    ("0.0.0.0", False), ("192.168.1.10", False), ("jira-sync.internal", False)])  # noqa: S104
def test_loopback_is_told_from_other_addresses(host: str, expected: bool) -> None:
    """Only 127.0.0.0/8, ::1 and localhost count as this machine."""
    assert is_loopback(host) is expected


def test_plain_http_beyond_loopback_is_refused_naming_the_rule() -> None:
    """A non-loopback host without TLS or allow_plain_http is a config error."""
    with pytest.raises(ConfigError) as refused:
        check_exposure(ServerConfig(host="0.0.0.0"))  # noqa: S104
    assert "[server_plain_http_exposed]" in refused.value.message


@pytest.mark.parametrize("settings", [
    {"allow_plain_http": True}, {"tls_certfile": "/etc/x/cert.pem", "tls_keyfile": "k.pem"}])
def test_tls_or_an_explicit_setting_allows_a_wider_address(settings: dict[str, Any]) -> None:
    """TLS served by the daemon, or a proxy declared in config, lets it listen wider."""
    check_exposure(ServerConfig(host="0.0.0.0", **settings))  # noqa: S104


def test_the_daemon_refuses_a_wide_plain_address_before_it_opens_anything(
        tmp_path: Path) -> None:
    """run_daemon checks the exposure first: no store is made, nothing is bound."""
    config = load_config(None, {"XRAY_SYNC_HOME": str(tmp_path / "home"),
                                "XRAY_SYNC_SERVER_HOST": "0.0.0.0"})  # noqa: S104
    with pytest.raises(ConfigError):
        run_daemon(config, stop=threading.Event())
    assert not (tmp_path / "home").exists()


def test_the_daemon_serves_https_with_its_own_certificate(tmp_path: Path) -> None:
    """With tls_certfile and tls_keyfile the server answers over TLS."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = ApiServer(hello, "127.0.0.1", 0, {"ssl_certfile": str(cert),
                                               "ssl_keyfile": str(key)})
    server.start()
    try:
        answer = httpx.get(f"{server.url}/", verify=False, timeout=5)  # noqa: S501 - self-signed
    finally:
        server.stop()
    assert (server.url.startswith("https://"), answer.status_code) == (True, 200)


def test_a_storm_of_errors_is_one_line_a_second_without_tracebacks() -> None:
    """100 accept errors in one second log once; the next second's line counts the rest."""
    now = [0.0]
    limiter = OncePerInterval(clock=lambda: now[0])
    records = [logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "accept failed", (),
                                 (OSError, OSError(24, "Too many open files"), None))
               for _ in range(101)]
    passed = [r for r in records[:100] if limiter.filter(r)]
    now[0] = 1.5
    last = limiter.filter(records[100])
    assert (len(passed), passed[0].exc_info, last, records[100].getMessage()) == (
        1, None, True, "accept failed (99 more like it in the last second)")
