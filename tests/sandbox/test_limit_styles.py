"""The sandbox's limits as each service keeps them: Xray Cloud's own window answering 429
without Retry-After, Jira Cloud's and Data Center's X-RateLimit-* headers, and the count of
requests sent into a closed window."""

from __future__ import annotations

import requests

from sandbox.options import RateLimit, SandboxOptions
from sandbox.server import start_sandbox
from tests.sandbox.helpers import CLOUD_AUTH, DC_HEADERS, FakeClock, token


def test_xray_window_refuses_without_retry_after_and_counts_the_closed_window() -> None:
    """With Xray's window at 3 requests and neither Retry-After nor headers, the 4th and 5th
    Xray requests are bare 429s, counted in one closed window; Jira is not limited."""
    clock = FakeClock(1_000_000.0)
    limit = RateLimit(3, 30.0, retry_after=False, headers=False)
    with start_sandbox("cloud", options=SandboxOptions(xray_rate_limit=limit, clock=clock)) as sb:
        bearer = {"Authorization": f"Bearer {token(sb.url)}"}  # the 1st request
        query = {"query": "{ getTestRun(testExecIssueId: \"1\", testIssueId: \"2\") { id } }"}
        answers = [requests.post(f"{sb.url}/api/v2/graphql", json=query, headers=bearer,
                                 timeout=10) for _ in range(4)]
        jira = [requests.get(f"{sb.url}/rest/api/3/myself", auth=CLOUD_AUTH, timeout=10)
                for _ in range(5)]
        log = requests.get(f"{sb.url}/_sandbox/log", timeout=10).json()
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert "retry-after" not in answers[2].headers
    assert not any(h.lower().startswith("x-ratelimit") for h in answers[2].headers)
    assert answers[2].json() == {"error": "Rate limit exceeded."}
    assert {j.status_code for j in jira} == {200}
    assert log["closed_window"] == {"xray": {"total": 2, "most_in_one_window": 2}}


def test_a_new_window_opens_after_its_length() -> None:
    """Once the window's length has passed, Xray's requests are served again."""
    clock = FakeClock(1_000_000.0)
    limit = RateLimit(1, 30.0, retry_after=False, headers=False)
    with start_sandbox("cloud", options=SandboxOptions(xray_rate_limit=limit, clock=clock)) as sb:
        first = requests.post(f"{sb.url}/api/v2/authenticate", timeout=10,
                              json={"client_id": "sandbox", "client_secret": "sandbox-secret"})
        refused = requests.post(f"{sb.url}/api/v2/authenticate", timeout=10,
                                json={"client_id": "sandbox", "client_secret": "sandbox-secret"})
        clock.now += 30.0
        again = requests.post(f"{sb.url}/api/v2/authenticate", timeout=10,
                              json={"client_id": "sandbox", "client_secret": "sandbox-secret"})
    assert [first.status_code, refused.status_code, again.status_code] == [200, 429, 200]


def test_data_center_announces_its_token_bucket() -> None:
    """A Data Center sandbox's answers carry Jira DC's X-RateLimit-Interval-Seconds and
    FillRate (not Cloud's Reset), and its 429 a Retry-After."""
    limit = RateLimit(2, 10.0)
    with start_sandbox("datacenter", options=SandboxOptions(rate_limit=limit)) as sb:
        answers = [requests.get(f"{sb.url}/rest/api/2/myself", headers=DC_HEADERS, timeout=10)
                   for _ in range(3)]
    headers = answers[0].headers
    assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-FillRate"],
            headers["X-RateLimit-Interval-Seconds"]) == ("2", "2", "10")
    assert "X-RateLimit-Reset" not in headers
    assert answers[2].status_code == 429 and int(answers[2].headers["Retry-After"]) > 0


def test_jira_cloud_sends_its_reset_and_near_limit() -> None:
    """Jira Cloud's answers carry X-RateLimit-Reset and, below a fifth, NearLimit."""
    with start_sandbox("cloud", options=SandboxOptions(rate_limit=RateLimit(5, 10.0))) as sb:
        answers = [requests.get(f"{sb.url}/rest/api/3/myself", auth=CLOUD_AUTH, timeout=10)
                   for _ in range(5)]
    assert "X-RateLimit-Reset" in answers[0].headers
    assert answers[-1].headers.get("X-RateLimit-NearLimit") == "true"
