"""The site reads of `connector.site` (for `xray-sync doctor`): their readers, what they
remember of rate limits, and their requests against Atlassian's and Xray's specs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

from connector import ConnectorSettings
from connector.errors import AuthenticationFailed, InvalidResponse, RateLimited
from connector.site import SYNC_PERMISSIONS, SiteReader, make_site_reader
from connector.site.permissions import read_permissions
from sandbox.server import RunningSandbox, start_sandbox
from tests.connector.conftest import JIRA, XRAY, settings
from tests.connector.test_fidelity_dc import Method, wadl_methods  # noqa: F401 - a fixture
from tests.third_party import SPECS


def _reader(deployment: str) -> SiteReader:
    return make_site_reader(settings(deployment))


def test_server_info_tells_the_deployment_and_the_clock(mocked: responses.RequestsMock) -> None:
    """serverInfo's deploymentType "Cloud" is cloud, "Server" is Data Center; serverTime read."""
    mocked.get(f"{JIRA}/rest/api/3/serverInfo", json={
        "deploymentType": "Cloud", "version": "1001.0.0",
        "serverTime": "2026-11-30T10:00:00.000+0000"})
    mocked.get(f"{JIRA}/rest/api/2/serverInfo", json={"deploymentType": "Server",
                                                       "version": "9.12.0"})
    cloud, dc = _reader("cloud").server_info(), _reader("datacenter").server_info()
    assert (cloud.deployment, cloud.server_time is not None) == ("cloud", True)
    assert (dc.deployment, dc.deployment_type, dc.server_time) == ("datacenter", "Server", None)


def test_anonymous_server_info_sends_no_credentials(mocked: responses.RequestsMock) -> None:
    """The anonymous read carries no Authorization header."""
    call = mocked.get(f"{JIRA}/rest/api/3/serverInfo", json={"deploymentType": "Cloud"})
    _reader("cloud").server_info_anonymous()
    assert "Authorization" not in call.calls[0].request.headers


def test_myself_reads_the_account_and_time_zone(mocked: responses.RequestsMock) -> None:
    """myself gives the accountId (Cloud) or name (DC), and the IANA time zone."""
    mocked.get(f"{JIRA}/rest/api/3/myself", json={
        "accountId": "abc", "displayName": "Bot", "timeZone": "Asia/Kolkata", "active": True})
    found = _reader("cloud").myself()
    assert (found.account, found.time_zone, found.active) == ("abc", "Asia/Kolkata", True)


def test_project_lists_its_issue_types(mocked: responses.RequestsMock) -> None:
    """project/{key} gives the names of the project's issue types."""
    mocked.get(f"{JIRA}/rest/api/2/project/QA", json={
        "id": "1", "key": "QA", "name": "Q", "issueTypes": [{"name": "Bug"}, {"name": "Test"}]})
    assert _reader("datacenter").project("QA").issue_types == ("Bug", "Test")


def test_permissions_skip_deprecated_keys() -> None:
    """A pre-6.4 key marked deprecatedKey does not hide the current key's answer."""
    held = read_permissions({"permissions": {
        "EDIT_ISSUE": {"key": "EDIT_ISSUES", "havePermission": True, "deprecatedKey": True},
        "EDIT_ISSUES": {"key": "EDIT_ISSUES", "havePermission": False}}})
    assert held == {"EDIT_ISSUES": False}


def test_a_malformed_answer_names_what_is_missing(mocked: responses.RequestsMock) -> None:
    """A serverInfo without deploymentType is InvalidResponse naming the key."""
    mocked.get(f"{JIRA}/rest/api/3/serverInfo", json={"version": "1"})
    with pytest.raises(InvalidResponse, match="deploymentType"):
        _reader("cloud").server_info()


def test_rate_headers_are_remembered_per_service(mocked: responses.RequestsMock) -> None:
    """The X-RateLimit-* headers of Jira's answers are kept under "jira"."""
    mocked.get(f"{JIRA}/rest/api/3/myself", json={"accountId": "a"},
               headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "99"})
    reader = _reader("cloud")
    reader.myself()
    assert reader.rate_headers == {"jira": {"X-RateLimit-Limit": "100",
                                            "X-RateLimit-Remaining": "99"}}


def test_a_429_is_remembered_with_its_headers_and_not_retried(
    mocked: responses.RequestsMock,
) -> None:
    """A 429 raises RateLimited at once (a check does not wait), and is remembered."""
    mocked.post(f"{XRAY}/api/v2/authenticate", status=429, json={"error": "slow down"},
                headers={"Retry-After": "30", "X-RateLimit-Reset": "2026-11-30T10:01Z"})
    reader = _reader("cloud")
    with pytest.raises(RateLimited):
        reader.check_xray()
    assert len(mocked.calls) == 1
    assert reader.rate_limited[0].retry_after == 30.0
    assert reader.rate_headers["xray"]["Retry-After"] == "30"


def test_xray_cloud_refusing_the_key_is_authentication_failed(
    mocked: responses.RequestsMock,
) -> None:
    """A 401 from Xray's authenticate is AuthenticationFailed."""
    mocked.post(f"{XRAY}/api/v2/authenticate", status=401, json={"error": "Invalid credentials"})
    with pytest.raises(AuthenticationFailed):
        _reader("cloud").check_xray()


def _every_read(reader: SiteReader) -> None:
    reader.server_info()
    reader.server_info_anonymous()
    reader.myself()
    reader.project("QA")
    reader.permissions("QA", tuple(SYNC_PERMISSIONS))
    if reader.cloud:
        reader.check_xray()
    else:
        reader.xray_fields()
        reader.check_xray()


@pytest.fixture
def recorded() -> Iterator[tuple[RunningSandbox, list[requests.PreparedRequest]]]:
    """A Cloud sandbox and the requests a site reader sent it."""
    sent: list[requests.PreparedRequest] = []
    with start_sandbox("cloud") as sb:
        reader = make_site_reader(ConnectorSettings(
            deployment="cloud", jira_url=sb.url, token="sandbox-token",
            email="sandbox@example.com", xray_url=sb.url, client_id="sandbox",
            client_secret="sandbox-secret"))
        reader.backend.channel.http.hooks["response"].append(
            lambda r, *a, **k: sent.append(r.request))
        _every_read(reader)
        yield sb, sent


def test_cloud_site_reads_match_the_openapi_document(
    recorded: tuple[RunningSandbox, list[requests.PreparedRequest]],
) -> None:
    """Every Jira request of the site reads is valid for Atlassian's Cloud OpenAPI."""
    sb, sent = recorded
    spec = json.loads((SPECS / "jira/jira-cloud-platform-openapi-v3.json").read_text())
    spec["servers"] = [{"url": sb.url}]
    openapi = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
    paths = {urlsplit(r.url or "").path.rsplit("/", 1)[-1] for r in sent}
    assert paths == {"serverInfo", "myself", "QA", "mypermissions"}
    for request in sent:
        openapi.validate_request(RequestsOpenAPIRequest(request))
    permissions = [r for r in sent if "mypermissions" in (r.url or "")]
    asked = parse_qs(urlsplit(permissions[0].url or "").query)["permissions"][0].split(",")
    assert asked == list(SYNC_PERMISSIONS)


def test_dc_site_reads_are_wadl_methods(wadl_methods: list[Method]) -> None:  # noqa: F811
    """Every DC Jira request of the site reads is a WADL method with declared queries, and
    Xray's test statuses are read where Xray's REST v1.0 collection says."""
    sent: list[requests.PreparedRequest] = []
    with start_sandbox("datacenter") as sb:
        reader = make_site_reader(ConnectorSettings(deployment="datacenter", jira_url=sb.url,
                                                    token="sandbox-token"))
        reader.backend.channel.http.hooks["response"].append(
            lambda r, *a, **k: sent.append(r.request))
        _every_read(reader)
    jira = [r for r in sent if "/rest/api/2/" in (r.url or "")]
    assert len(jira) == 5
    for request in jira:
        parts = urlsplit(request.url or "")
        query = set(parse_qs(parts.query))
        matches = [q for pattern, method, q in wadl_methods
                   if pattern.match(parts.path) and method == request.method]
        assert any(query <= q for q in matches), f"{request.method} {parts.path} {query}"
    collection = (SPECS / "xray/Xray_REST_API_v1.0.postman_collection.json").read_text()
    (xray,) = [r for r in sent if "/rest/raven/" in (r.url or "")]
    assert urlsplit(xray.url or "").path in collection
