"""An over-long request head is refused as Jira's front ends do; the POST search still works."""

from __future__ import annotations

import jira
import pytest
import requests
from jira.exceptions import JIRAError

from sandbox.request_head import headers_bytes, request_line_bytes
from sandbox.server import RunningSandbox

LONG_JQL = "key in (" + ", ".join(f"QA-{n}" for n in range(1, 3000)) + ")"  # ~24 KB


def test_long_get_search_is_refused_and_post_answers(
        client: tuple[RunningSandbox, jira.JIRA]) -> None:
    """A GET search with 24 KB of JQL is refused (DC 400, Cloud 414); the POST form answers."""
    running, connection = client
    made = connection.create_issue(fields={"project": {"key": "QA"}, "summary": "Found",
                                           "issuetype": {"name": "Task"}})
    with pytest.raises(JIRAError) as refused:
        connection.search_issues(LONG_JQL)
    expected = 414 if running.runtime.deployment == "cloud" else 400
    assert refused.value.status_code == expected
    found = connection.search_issues(LONG_JQL, use_post=True)
    assert made.key in [issue.key for issue in found]


def test_dc_counts_headers_too(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """On Data Center a short URL with 9 KB of headers is refused 400 with Tomcat's page."""
    answer = dc_http.get(f"{dc.url}/rest/api/2/myself", headers={"X-Padding": "x" * 9000})
    assert answer.status_code == 400
    assert "Request header is too large" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_cloud_allows_large_headers_with_a_short_url(cloud: RunningSandbox,
                                                     http: requests.Session) -> None:
    """On Cloud only the URL counts: 9 KB of headers with a short URL are served."""
    answer = http.get(f"{cloud.url}/rest/api/3/myself", headers={"X-Padding": "x" * 9000})
    assert answer.status_code == 200


def test_head_size_arithmetic() -> None:
    """The request line and header sizes count what goes on the wire."""
    assert request_line_bytes("GET", b"/a", b"b=1") == len("GET /a?b=1 HTTP/1.1\r\n")
    assert headers_bytes([(b"host", b"x")]) == len("host: x\r\n\r\n")
