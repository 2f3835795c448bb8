"""Xray Cloud's host when the connector is used on its own (issue 9, item 6): the global
host by default, a region's one setting away, never the Jira URL."""

from __future__ import annotations

import pytest
import responses

from connector import ConnectorSettings, IssueRef, make_backend
from connector.cloud import CloudBackend
from connector.errors import InvalidInput
from connector.settings import xray_cloud_url


def cloud_backend(**overrides: str) -> CloudBackend:
    backend = make_backend(ConnectorSettings(
        deployment="cloud", jira_url="https://acme.atlassian.net", email="bot@acme.test",
        token="t", client_id="id", client_secret="secret", **overrides))  # type: ignore[arg-type]
    assert isinstance(backend, CloudBackend)
    return backend


@pytest.mark.parametrize(("region", "host"), [
    ("", "https://xray.cloud.getxray.app"), ("eu", "https://eu.xray.cloud.getxray.app"),
    ("us", "https://us.xray.cloud.getxray.app"), ("AU", "https://au.xray.cloud.getxray.app"),
])
def test_xray_calls_go_to_xray_clouds_host(region: str, host: str) -> None:
    """With no Xray URL the connector talks to Xray Cloud's global host, or to the region's
    when one is set; never to the Jira site."""
    backend = cloud_backend(xray_region=region)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mocked:
        mocked.post(f"{host}/api/v2/authenticate", json="token")
        mocked.post(f"{host}/api/v2/graphql", json={"data": {"getTestRun": None}})
        assert backend.get_test_run(IssueRef("1", "QA-1"), IssueRef("2", "QA-2")) is None


def test_an_xray_url_wins_over_the_region() -> None:
    """An explicit Xray URL (a proxy, the sandbox) is used as given."""
    backend = cloud_backend(xray_url="https://proxy.acme.test", xray_region="eu")
    assert backend.xray.base == "https://proxy.acme.test/api/v2"


def test_an_unknown_region_is_refused_naming_the_rule() -> None:
    """A region Xray does not serve is refused before anything is sent."""
    with pytest.raises(InvalidInput, match="xray_region_known"):
        cloud_backend(xray_region="mars")
    with pytest.raises(InvalidInput, match="xray_region_known"):
        xray_cloud_url("mars")
