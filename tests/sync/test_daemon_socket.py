"""The daemon's listening socket: accepted connections have TCP_NODELAY (no Nagle stall)."""

from __future__ import annotations

import asyncio
import socket

from sync.daemon import listening_socket


async def _accepted_nodelay(listener: socket.socket) -> int:
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted = transport.get_extra_info("socket")
            seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    # uvicorn serves the daemon's socket the same way: loop.create_server(sock=...)
    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    host, port = listener.getsockname()[:2]
    _reader, writer = await asyncio.open_connection(host, port)
    try:
        return await asyncio.wait_for(seen, 10.0)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


def test_an_accepted_connection_has_tcp_nodelay() -> None:
    """A connection the daemon's HTTP socket accepts sends small answers without Nagle's delay."""
    listener = listening_socket("127.0.0.1", 0)
    assert asyncio.run(_accepted_nodelay(listener)) != 0
