"""Jira webhooks from the sandbox: registration, payload shapes, signature, retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from sandbox.server import RunningSandbox
from sandbox.webhook_retry import MAX_RETRIES, retry_wait, should_retry
from tests.sandbox.helpers import create

QUICK = 0.0001  # webhook_time_scale: the 30 s .. 8 min waits become 3 .. 48 ms


@pytest.fixture(autouse=True)
def quick_retries(request: pytest.FixtureRequest) -> None:
    """The sandboxes a test uses wait a ten-thousandth of Jira's retry waits."""
    for name in ("cloud", "dc"):
        if name in request.fixturenames:
            running: RunningSandbox = request.getfixturevalue(name)
            running.runtime.options.webhook_time_scale = QUICK


@dataclass
class Receiver:
    """A loopback HTTP server that records the webhooks it gets."""

    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    failures_left: int = 0
    failure_status: int = 500
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int) -> list[tuple[dict[str, str], bytes]]:
        """Blocks (at most 10 s) until `count` deliveries arrived."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.received) >= count, timeout=10)
            return list(self.received)

    def events(self, count: int) -> list[dict[str, Any]]:
        """The JSON bodies of the first `count` deliveries."""
        return [json.loads(body) for _, body in self.wait_for(count)[:count]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1, a free port."""
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            target = holder[0]
            with target.arrived:
                target.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                failing = target.failures_left > 0
                target.failures_left -= 1
                target.arrived.notify_all()
            self.send_response(target.failure_status if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks/jira"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield holder[0]
    server.shutdown()
    server.server_close()


def register(http: requests.Session, url: str, receiver: Receiver, **extra: Any) -> Any:
    """Registers the receiver for every issue event."""
    answer = http.post(f"{url}/rest/webhooks/1.0/webhook",
                       json={"name": "xray-sync", "url": receiver.url, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_created_updated_deleted_payloads(cloud: RunningSandbox, http: requests.Session,
                                          receiver: Receiver) -> None:
    """Create, transition and delete send Cloud-shaped payloads in that order."""
    register(http, cloud.url, receiver)
    key = create(http, cloud.url, kind="Test Execution")["key"]
    http.post(f"{cloud.url}/rest/api/3/issue/{key}/transitions", json={"transition": {"id": "31"}})
    http.delete(f"{cloud.url}/rest/api/3/issue/{key}")
    created, updated, deleted = receiver.events(3)
    assert (created["webhookEvent"], created["issue_event_type_name"]) == (
        "jira:issue_created", "issue_created")
    assert (updated["webhookEvent"], updated["issue_event_type_name"]) == (
        "jira:issue_updated", "issue_generic")
    assert updated["changelog"]["items"] == [{
        "field": "status", "fieldtype": "jira", "fieldId": "status", "from": "10000",
        "fromString": "To Do", "to": "10001", "toString": "Done"}]
    assert updated["issue"]["fields"]["status"]["name"] == "Done"
    assert updated["issue"]["self"].endswith(f"/rest/api/2/issue/{updated['issue']['id']}")
    assert deleted["webhookEvent"] == "jira:issue_deleted"
    assert "issue_event_type_name" not in deleted and "changelog" not in deleted
    assert created["user"]["accountId"]


def test_dc_changelog_has_no_field_id(dc: RunningSandbox, dc_http: requests.Session,
                                      receiver: Receiver) -> None:
    """Data Center payloads carry name/key users and changelog items without fieldId."""
    register(dc_http, dc.url, receiver, events=["jira:issue_updated"])
    key = create(dc_http, dc.url)["key"]
    dc_http.put(f"{dc.url}/rest/api/2/issue/{key}", json={"fields": {"summary": "Renamed"}})
    (update,) = receiver.events(1)
    assert update["changelog"]["items"] == [{
        "field": "summary", "fieldtype": "jira", "from": None, "fromString": "A test",
        "to": None, "toString": "Renamed"}]
    assert "accountId" not in update["user"] and update["user"]["name"]


def test_signature_and_jql_filter(cloud: RunningSandbox, http: requests.Session,
                                  receiver: Receiver) -> None:
    """With a secret, X-Hub-Signature is the HMAC of the body; the JQL filter picks issues."""
    register(http, cloud.url, receiver, secret="s3cret",
             filters={"issue-related-events-section": 'issuetype = "Test Execution"'})
    create(http, cloud.url, kind="Bug")
    create(http, cloud.url, kind="Test Execution")
    (headers, body), = receiver.wait_for(1)
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-hub-signature"] == f"sha256={expected}"
    assert json.loads(body)["issue"]["fields"]["issuetype"]["name"] == "Test Execution"
    assert len(receiver.received) == 1


def test_retries_keep_the_identifier(cloud: RunningSandbox, http: requests.Session,
                                     receiver: Receiver) -> None:
    """A delivery answered 500 is sent again with the same X-Atlassian-Webhook-Identifier,
    and the retry says which it is in X-Atlassian-Webhook-Retry."""
    receiver.failures_left = 1
    register(http, cloud.url, receiver, events=["jira:issue_created"])
    create(http, cloud.url)
    first, second = receiver.wait_for(2)
    assert first[0]["x-atlassian-webhook-identifier"] == \
        second[0]["x-atlassian-webhook-identifier"]
    assert first[1] == second[1]
    assert "x-atlassian-webhook-retry" not in first[0]
    assert second[0]["x-atlassian-webhook-retry"] == "1"


@pytest.mark.parametrize("status", [408, 429])
def test_timeouts_and_throttling_are_retried(dc: RunningSandbox, dc_http: requests.Session,
                                             receiver: Receiver, status: int) -> None:
    """A delivery answered 408 or 429 is retried, as Jira Cloud's policy says."""
    receiver.failures_left, receiver.failure_status = 1, status
    register(dc_http, dc.url, receiver, events=["jira:issue_created"])
    create(dc_http, dc.url)
    first, second = receiver.wait_for(2)
    assert (first[1], second[0]["x-atlassian-webhook-retry"]) == (second[1], "1")


def test_a_failing_receiver_gets_five_retries(cloud: RunningSandbox, http: requests.Session,
                                              receiver: Receiver) -> None:
    """A receiver answering 503 every time gets the first attempt and five retries."""
    receiver.failures_left = 100
    register(http, cloud.url, receiver, events=["jira:issue_created"])
    create(http, cloud.url)
    attempts = receiver.wait_for(1 + MAX_RETRIES)
    assert [h.get("x-atlassian-webhook-retry") for h, _ in attempts] == [
        None, "1", "2", "3", "4", "5"]


@pytest.mark.parametrize("status, retries_done, expected", [
    (0, 0, True), (500, 0, True), (503, 4, True), (408, 0, True), (409, 0, True),
    (425, 0, True), (429, 0, True), (503, 5, False), (200, 0, False), (400, 0, False),
    (404, 0, False), (410, 0, False)])
def test_which_answers_are_retried(status: int, retries_done: int, expected: bool) -> None:
    """408, 409, 425, 429, 5xx and no answer are retried, five times at most."""
    assert should_retry(status, retries_done) is expected


def test_waits_double_and_scale() -> None:
    """Retry waits double from 30 s (jitter between half and one and a half) and scale."""
    assert [retry_wait(n, 0.5, 1.0) for n in range(1, 6)] == [30.0, 60.0, 120.0, 240.0, 480.0]
    assert (retry_wait(1, 0.0, 1.0), retry_wait(1, 0.999, 1.0)) == pytest.approx((15.0, 44.97))
    assert retry_wait(3, 0.5, 0.001) == pytest.approx(0.12)


def test_registration_is_listed_and_deleted(cloud: RunningSandbox,
                                            http: requests.Session) -> None:
    """A registration is listed without its secret and can be deleted."""
    made = register(http, cloud.url, Receiver("http://127.0.0.1:9/none"), secret="x")
    listed = http.get(f"{cloud.url}/rest/webhooks/1.0/webhook").json()
    assert [w["url"] for w in listed] == ["http://127.0.0.1:9/none"]
    assert all("secret" not in w for w in listed)
    webhook_id = made["self"].rsplit("/", 1)[1]
    assert http.delete(f"{cloud.url}/rest/webhooks/1.0/webhook/{webhook_id}").status_code == 204
    assert http.get(f"{cloud.url}/rest/webhooks/1.0/webhook").json() == []


def test_bad_registration_is_refused(cloud: RunningSandbox, http: requests.Session) -> None:
    """A registration without an http(s) url, or with an unknown event, answers 400."""
    assert http.post(f"{cloud.url}/rest/webhooks/1.0/webhook",
                     json={"url": "ftp://x"}).status_code == 400
    assert http.post(f"{cloud.url}/rest/webhooks/1.0/webhook", json={
        "url": "http://127.0.0.1:9/x", "events": ["board_created"]}).status_code == 400
    assert cloud.state.webhooks == {}
