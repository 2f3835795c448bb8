"""Fault injection, the enforced rate limit, the payload limit and the control plane."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import formatdate

import pytest
import requests

from sandbox.options import RateLimit, SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from tests.sandbox.helpers import CLOUD_AUTH, FakeClock, create

NEW_BUG = {"fields": {"project": {"key": "QA"}, "issuetype": {"name": "Bug"}, "summary": "B"}}


def test_status_fault_answers_then_stops(cloud: RunningSandbox, http: requests.Session) -> None:
    """A 503 fault for the next 2 requests answers 503 with Retry-After twice, then passes."""
    cloud.faults.add("status", status=503, retry_after=7, count=2)
    answers = [http.get(f"{cloud.url}/rest/api/3/myself") for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "7"
    assert answers[0].json()["errorMessages"]


def test_status_fault_applies_nothing(cloud: RunningSandbox, http: requests.Session) -> None:
    """A create answered by a 500 fault creates no issue."""
    cloud.faults.add("status", status=500, method="POST", path=r"/issue$")
    assert http.post(f"{cloud.url}/rest/api/3/issue", json=NEW_BUG).status_code == 500
    assert cloud.state.issues == {}


def test_fault_targets_method_and_path(cloud: RunningSandbox, http: requests.Session) -> None:
    """A fault aimed at POST .../issue leaves GETs alone."""
    cloud.faults.add("status", status=502, method="POST", path=r"/issue$", count=1)
    assert http.get(f"{cloud.url}/rest/api/3/myself").status_code == 200
    assert http.post(f"{cloud.url}/rest/api/3/issue", json=NEW_BUG).status_code == 502


def test_fractional_fault_hits_some_requests(cloud: RunningSandbox,
                                             http: requests.Session) -> None:
    """A fault with fraction 0.5 fails some requests and lets others through."""
    cloud.faults.add("status", status=503, fraction=0.5, count=None)
    statuses = {http.get(f"{cloud.url}/rest/api/3/myself").status_code for _ in range(30)}
    assert statuses == {200, 503}


def test_drop_closes_without_answer_and_applies_nothing(cloud: RunningSandbox,
                                                        http: requests.Session) -> None:
    """A dropped connection gives the client no answer and creates nothing."""
    cloud.faults.add("drop", method="POST")
    with pytest.raises(requests.ConnectionError):
        http.post(f"{cloud.url}/rest/api/3/issue", json=NEW_BUG)
    assert cloud.state.issues == {}


def test_lost_response_applies_the_write(cloud: RunningSandbox, http: requests.Session) -> None:
    """'Applied but the response was lost': no answer, yet the issue exists."""
    cloud.faults.add("lost_response", method="POST", path=r"/issue$")
    with pytest.raises(requests.ConnectionError):
        http.post(f"{cloud.url}/rest/api/3/issue", json=NEW_BUG)
    assert [i.summary for i in cloud.state.issues.values()] == ["B"]


def test_latency_fault_delays_the_answer(cloud: RunningSandbox, http: requests.Session) -> None:
    """A 150 ms latency fault makes the answer take at least that long."""
    cloud.faults.add("latency", latency_ms=150)
    started = time.monotonic()
    assert http.get(f"{cloud.url}/rest/api/3/myself").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_429_storm_counts_early_requests(cloud: RunningSandbox, http: requests.Session) -> None:
    """After a 429 with Retry-After, a request sent at once is logged as early."""
    cloud.faults.add("status", status=429, retry_after=60, count=3)
    first = http.get(f"{cloud.url}/rest/api/3/myself")
    http.get(f"{cloud.url}/rest/api/3/myself")
    assert first.status_code == 429 and first.headers["Retry-After"] == "60"
    assert cloud.state.log.early_requests == 1


@pytest.fixture
def limited() -> Iterator[tuple[RunningSandbox, FakeClock]]:
    """A Cloud sandbox limited to 3 requests a minute, on a hand-moved clock."""
    clock = FakeClock(1_800_000_000.0)
    running = start_sandbox("cloud", options=SandboxOptions(
        rate_limit=RateLimit(requests=3, window_seconds=60), clock=clock))
    yield running, clock
    running.stop()


def test_rate_limit_answers_429_with_headers(limited: tuple[RunningSandbox, FakeClock]) -> None:
    """The 4th request in a window answers 429 with Retry-After and X-RateLimit-* headers."""
    running, _ = limited
    answers = [requests.get(f"{running.url}/rest/api/3/myself", auth=CLOUD_AUTH, timeout=10)
               for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"
    refused = answers[3].headers
    assert (refused["Retry-After"], refused["X-RateLimit-Limit"],
            refused["X-RateLimit-Remaining"]) == ("60", "3", "0")
    assert refused["X-RateLimit-Reset"].endswith("Z")
    assert "X-RateLimit-NearLimit" not in answers[0].headers
    assert answers[2].headers["X-RateLimit-NearLimit"] == "true"


def test_rate_limit_window_resets_and_early_ones_are_logged(
        limited: tuple[RunningSandbox, FakeClock]) -> None:
    """A request before Retry-After is early and refused; after the window it passes."""
    running, clock = limited
    for _ in range(4):
        requests.get(f"{running.url}/rest/api/3/myself", auth=CLOUD_AUTH, timeout=10)
    clock.now += 30
    early = requests.get(f"{running.url}/rest/api/3/myself", auth=CLOUD_AUTH, timeout=10)
    clock.now += 30
    late = requests.get(f"{running.url}/rest/api/3/myself", auth=CLOUD_AUTH, timeout=10)
    assert (early.status_code, late.status_code) == (429, 200)
    assert running.state.log.early_requests == 1


def test_payload_limit_answers_413() -> None:
    """A body beyond max_payload_bytes answers 413 and creates nothing, declared or chunked."""
    running = start_sandbox("cloud", options=SandboxOptions(max_payload_bytes=500))
    try:
        big = dict(NEW_BUG, filler="x" * 1000)
        declared = requests.post(f"{running.url}/rest/api/3/issue", json=big, auth=CLOUD_AUTH,
                                 timeout=10)
        chunked = requests.post(f"{running.url}/rest/api/3/issue", auth=CLOUD_AUTH, timeout=10,
                                data=iter([b"{" + b" " * 400, b" " * 400 + b"}"]))
        assert (declared.status_code, chunked.status_code) == (413, 413)
        assert running.state.issues == {}
    finally:
        running.stop()


def test_attachment_needs_the_xsrf_header(cloud: RunningSandbox, http: requests.Session) -> None:
    """Attachments without X-Atlassian-Token: no-check answer 403 and store nothing."""
    made = create(http, cloud.url)
    answer = http.post(f"{cloud.url}/rest/api/3/issue/{made['key']}/attachments",
                       files={"file": ("a.txt", b"abc")})
    assert answer.status_code == 403
    assert cloud.state.issue(made["key"]).attachments == []


def test_control_plane_over_http(cloud: RunningSandbox, http: requests.Session) -> None:
    """Faults, log, state and reset work over HTTP for out-of-process users."""
    posted = requests.post(f"{cloud.url}/_sandbox/faults", timeout=10,
                           json={"kind": "status", "status": 502, "count": 1})
    assert posted.status_code == 200
    assert http.get(f"{cloud.url}/rest/api/3/myself").status_code == 502
    create(http, cloud.url)
    log = requests.get(f"{cloud.url}/_sandbox/log", timeout=10).json()
    assert log["per_endpoint"] == {"GET /rest/api/{version}/myself": 1,
                                   "POST /rest/api/{version}/issue": 1}
    assert log["statuses"] == {"502": 1, "201": 1}
    state = requests.get(f"{cloud.url}/_sandbox/state", timeout=10).json()
    assert [i["key"] for i in state["issues"]] == ["QA-1"]
    assert requests.post(f"{cloud.url}/_sandbox/reset", timeout=10).status_code == 204
    assert cloud.state.issues == {}


def test_control_plane_refuses_a_bad_fault(cloud: RunningSandbox) -> None:
    """An unknown fault kind answers 400 naming the allowed kinds, and adds nothing."""
    answer = requests.post(f"{cloud.url}/_sandbox/faults", json={"kind": "explode"}, timeout=10)
    assert answer.status_code == 400
    assert "latency" in answer.json()["errorMessages"][0]
    assert cloud.faults.rules() == []


def test_xray_limit_is_per_tenant_not_per_token(
        limited: tuple[RunningSandbox, FakeClock]) -> None:
    """The Xray tenant's 4th request gets Xray's 429; Jira's budget is separate."""
    running, _ = limited
    creds = {"client_id": "sandbox", "client_secret": "sandbox-secret"}
    answers = [requests.post(f"{running.url}/api/v2/authenticate", json=creds, timeout=10)
               for _ in range(4)]
    jira = requests.get(f"{running.url}/rest/api/3/myself", auth=CLOUD_AUTH, timeout=10)
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "error" in answers[3].json()
    assert jira.status_code == 200


def test_writes_per_issue_are_limited() -> None:
    """With issue_write_limit 2/min, a 3rd write to one issue is 429 while another issue is not;
    writing again to the refused issue at once is early."""
    clock = FakeClock(1_800_000_000.0)
    running = start_sandbox("cloud", options=SandboxOptions(
        issue_write_limit=RateLimit(requests=2, window_seconds=60), clock=clock))
    try:
        with requests.Session() as http:
            http.auth = CLOUD_AUTH
            first, second = create(http, running.url)["key"], create(http, running.url)["key"]
            edits = [http.put(f"{running.url}/rest/api/3/issue/{first}",
                              json={"fields": {"summary": f"v{n}"}}) for n in range(3)]
            other = http.put(f"{running.url}/rest/api/3/issue/{second}",
                             json={"fields": {"summary": "fine"}})
            assert running.state.log.early_requests == 0
            again = http.put(f"{running.url}/rest/api/3/issue/{first}",
                             json={"fields": {"summary": "too soon"}})
        assert [e.status_code for e in edits] == [204, 204, 429]
        assert edits[2].headers["Retry-After"] == "60"
        assert (other.status_code, again.status_code) == (204, 429)
        assert running.state.log.early_requests == 1
        assert running.state.issue(first).summary == "v1"
    finally:
        running.stop()


def test_attachments_have_their_own_streamed_limit() -> None:
    """Attachments may exceed the JSON payload limit up to max_attachment_bytes, then 413."""
    running = start_sandbox("cloud", options=SandboxOptions(max_payload_bytes=300,
                                                            max_attachment_bytes=2000))
    try:
        with requests.Session() as http:
            http.auth = CLOUD_AUTH
            key = create(http, running.url)["key"]
            url = f"{running.url}/rest/api/3/issue/{key}/attachments"
            xsrf = {"X-Atlassian-Token": "no-check"}
            fits = http.post(url, headers=xsrf, files={"file": ("a.bin", b"a" * 1000)})
            declared = http.post(url, headers=xsrf, files={"file": ("b.bin", b"b" * 3000)})
            boundary = "sandboxboundary"
            body = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                    f"filename=\"c.bin\"\r\n\r\n".encode(), b"c" * 3000,
                    f"\r\n--{boundary}--\r\n".encode()]
            streamed = http.post(url, data=iter(body), headers={
                **xsrf, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert (fits.status_code, declared.status_code, streamed.status_code) == (200, 413, 413)
        assert [a.filename for a in running.state.issue(key).attachments] == ["a.bin"]
    finally:
        running.stop()


def test_attachment_is_kept_on_disk_and_downloads_intact(cloud: RunningSandbox,
                                                         http: requests.Session) -> None:
    """A 5 MB attachment is stored as a file and downloads byte for byte."""
    key = create(http, cloud.url)["key"]
    payload = bytes(range(256)) * (5 * 1024 * 1024 // 256)
    made = http.post(f"{cloud.url}/rest/api/3/issue/{key}/attachments",
                     headers={"X-Atlassian-Token": "no-check"},
                     files={"file": ("big.xea", payload, "application/zip")}).json()
    stored = cloud.state.issue(key).attachments[0]
    assert stored.path.stat().st_size == len(payload) == made[0]["size"]
    assert http.get(made[0]["content"]).content == payload


def test_retry_after_as_http_date_counts_early_requests(cloud: RunningSandbox,
                                                        http: requests.Session) -> None:
    """A Retry-After given as an HTTP date an hour ahead makes an immediate retry early."""
    later = formatdate(cloud.state.now() + 3600, usegmt=True)
    cloud.faults.add("status", status=503, retry_after=later, count=1)
    first = http.get(f"{cloud.url}/rest/api/3/myself")
    second = http.get(f"{cloud.url}/rest/api/3/myself")
    assert (first.status_code, first.headers["Retry-After"], second.status_code) == (
        503, later, 200)
    assert cloud.state.log.early_requests == 1


def test_options_change_at_run_time(cloud: RunningSandbox) -> None:
    """POST /_sandbox/options sets the search lag; an unknown option is 400."""
    try:
        assert requests.post(f"{cloud.url}/_sandbox/options", json={"search_lag_seconds": 3},
                             timeout=10).status_code == 204
        assert cloud.runtime.options.search_lag_seconds == 3
        assert requests.post(f"{cloud.url}/_sandbox/options", json={"rate_limit": 1},
                             timeout=10).status_code == 400
    finally:
        cloud.runtime.options.search_lag_seconds = 0.0
