"""The sandbox set up as a badly prepared site, for `xray-sync doctor`: permissions the user
lacks, issue types the project lacks, Xray fields Jira lacks; and what every site serves:
`mypermissions`, Xray Server's test statuses, an anonymous `serverInfo`."""

from __future__ import annotations

import requests

from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from tests.sandbox.helpers import CLOUD_AUTH, DC_HEADERS


def test_cloud_answers_only_the_permissions_asked_for(cloud: RunningSandbox,
                                                      http: requests.Session) -> None:
    """Cloud's mypermissions answers the keys named in `permissions`, each held."""
    answer = http.get(f"{cloud.url}/rest/api/3/mypermissions",
                      params={"projectKey": "QA", "permissions": "CREATE_ISSUES,LINK_ISSUES"})
    permissions = answer.json()["permissions"]
    assert set(permissions) == {"CREATE_ISSUES", "LINK_ISSUES"}
    assert all(p["havePermission"] is True for p in permissions.values())


def test_cloud_requires_the_permissions_parameter(cloud: RunningSandbox,
                                                  http: requests.Session) -> None:
    """Without `permissions` (or with an unknown key) Cloud answers 400, as documented."""
    url = f"{cloud.url}/rest/api/3/mypermissions"
    assert http.get(url, params={"projectKey": "QA"}).status_code == 400
    assert http.get(url, params={"permissions": "NOPE"}).status_code == 400


def test_dc_answers_every_permission_and_the_deprecated_keys(dc: RunningSandbox,
                                                             dc_http: requests.Session) -> None:
    """Data Center answers all permissions, the pre-6.4 keys marked deprecatedKey."""
    answer = dc_http.get(f"{dc.url}/rest/api/2/mypermissions", params={"projectKey": "QA"})
    permissions = answer.json()["permissions"]
    assert permissions["EDIT_ISSUE"] == {**permissions["EDIT_ISSUES"], "deprecatedKey": True}
    assert "TRANSITION_ISSUES" in permissions


def test_an_unknown_project_is_404(cloud: RunningSandbox, http: requests.Session) -> None:
    """mypermissions in a project the user cannot see answers 404."""
    answer = http.get(f"{cloud.url}/rest/api/3/mypermissions",
                      params={"projectKey": "NOPE", "permissions": "EDIT_ISSUES"})
    assert answer.status_code == 404


def test_a_site_set_up_badly_says_so() -> None:
    """Withheld permissions, missing issue types and missing fields show in the answers."""
    options = SandboxOptions(withheld_permissions=frozenset({"LINK_ISSUES"}),
                             missing_issue_types=frozenset({"Test Execution"}),
                             missing_fields=frozenset({"Test Type"}))
    with start_sandbox("datacenter", options=options) as sb, requests.Session() as http:
        http.headers.update(DC_HEADERS)
        base = f"{sb.url}/rest/api/2"
        held = http.get(f"{base}/mypermissions").json()["permissions"]
        kinds = [k["name"] for k in http.get(f"{base}/project/QA").json()["issueTypes"]]
        names = [f["name"] for f in http.get(f"{base}/field").json()]
    assert (held["LINK_ISSUES"]["havePermission"], held["LINK_ISSUE"]["havePermission"],
            held["EDIT_ISSUES"]["havePermission"]) == (False, False, True)
    assert "Test Execution" not in kinds and "Test" in kinds
    assert "Test Type" not in names and "Generic Test Definition" in names


def test_xray_server_lists_its_test_statuses(dc: RunningSandbox,
                                             dc_http: requests.Session) -> None:
    """Xray Server's settings/teststatuses lists the run statuses in Server's words."""
    answer = dc_http.get(f"{dc.url}/rest/raven/1.0/api/settings/teststatuses")
    assert [s["name"] for s in answer.json()] == ["TODO", "EXECUTING", "PASS", "FAIL", "ABORTED"]


def test_server_info_is_served_anonymously_but_bad_credentials_are_refused(
    cloud: RunningSandbox,
) -> None:
    """serverInfo answers a request with no credentials; wrong credentials still get 401."""
    url = f"{cloud.url}/rest/api/3/serverInfo"
    assert requests.get(url, timeout=10).json()["deploymentType"] == "Cloud"
    assert requests.get(url, timeout=10, auth=(CLOUD_AUTH[0], "wrong")).status_code == 401
    assert requests.get(f"{cloud.url}/rest/api/3/myself", timeout=10).status_code == 401
