"""The size limit on a request's head (request line and headers), as Jira's front ends apply it.

Data Center runs on Tomcat, whose `maxHttpHeaderSize` (8 KiB by default) bounds the request
line and the headers together: beyond it Tomcat answers 400 with its own HTML error page,
before Jira sees the request. Jira Cloud's edge refuses a request line (the URL) that is too
long with 414; Atlassian publishes no figure, so the sandbox uses the same limit. Both tell a
client to send a long JQL in a POST body instead (Atlassian's docs of GET search say so).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox.options import Deployment

TOMCAT_400 = ("<!doctype html><html lang=\"en\"><head><title>HTTP Status 400 &#8211; Bad Request"
              "</title></head><body><h1>HTTP Status 400 &#8211; Bad Request</h1><p><b>Message</b> "
              "Request header is too large</p></body></html>")
EDGE_414 = ("<html><head><title>414 Request-URI Too Large</title></head><body><center><h1>"
            "414 Request-URI Too Large</h1></center></body></html>")


def request_line_bytes(method: str, raw_path: bytes, query: bytes) -> int:
    """The size of `METHOD /path?query HTTP/1.1\\r\\n`."""
    target = len(raw_path) + (len(query) + 1 if query else 0)
    return len(method) + 1 + target + len(" HTTP/1.1\r\n")


def headers_bytes(headers: Iterable[tuple[bytes, bytes]]) -> int:
    """The size of the header lines (`Name: value\\r\\n` each) and the blank line after them."""
    return sum(len(name) + 2 + len(value) + 2 for name, value in headers) + 2


def refusal(scope: dict[str, Any] | Any, deployment: Deployment,
            limit: int) -> tuple[int, bytes] | None:
    """The (status, HTML body) a too-large request head gets, or None when it fits."""
    raw_path = scope.get("raw_path") or scope["path"].encode()
    line = request_line_bytes(scope["method"], raw_path, scope.get("query_string", b""))
    if deployment == "cloud":
        return (414, EDGE_414.encode()) if line > limit else None
    if line + headers_bytes(scope.get("headers", [])) > limit:
        return 400, TOMCAT_400.encode()
    return None
