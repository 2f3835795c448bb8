"""Fidelity on Data Center: answers carry the keys of the Jira Server 8.4.3 WADL's examples."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from typing import Any

import requests

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import create
from tests.third_party import FIXTURES, SPECS

WADL = SPECS / "jira" / "jira-server-8.4.3-rest-plugin.wadl"
NS_WADL = "{http://wadl.dev.java.net/2009/02}"
NS_HTML = "{http://www.w3.org/1999/xhtml}"
# Keys an example shows that Jira sends only when they are set: a partner build, a project's
# url/email/category, an image attachment's thumbnail, a restricted comment's visibility.
OPTIONAL = {"buildPartnerName", "url", "email", "projectCategory", "thumbnail", "visibility"}
# Issue fields the 8.4.3 WADL example names that a real Jira 8 sends under another name
# (the 8.20.7 capture in fixtures/rest/): the example's name -> the real one.
RENAMED_FIELDS = {"watcher": "watches", "sub-tasks": "subtasks"}


def _walk(node: ET.Element, prefix: str, out: dict[tuple[str, str, str], Any]) -> None:
    for resource in node.findall(f"{NS_WADL}resource"):
        path = f"{prefix}/{(resource.get('path') or '').strip('/')}".lstrip("/")
        for method in resource.findall(f"{NS_WADL}method"):
            for response in method.findall(f"{NS_WADL}response"):
                for code in response.iter(f"{NS_HTML}code"):
                    try:
                        example = json.loads(code.text or "")
                    except ValueError:
                        continue
                    out.setdefault((method.get("name") or "", path,
                                    response.get("status") or ""), example)
                    break
        _walk(resource, path, out)


@cache
def examples() -> dict[tuple[str, str, str], Any]:
    """(method, resource path, status) -> the WADL's first JSON example."""
    root = ET.parse(WADL).getroot()  # noqa: S314 - a trusted local spec file
    found: dict[tuple[str, str, str], Any] = {}
    for resources in root.iter(f"{NS_WADL}resources"):
        _walk(resources, "", found)
    return found


def missing_keys(example: Any, answer: Any) -> set[str]:
    """Keys of the example (first item of lists; issue `fields` too) the answer lacks."""
    if isinstance(example, list):
        return missing_keys(example[0], answer[0]) if example and answer else set()
    if not isinstance(example, dict) or not isinstance(answer, dict):
        return set()
    missing = set(example) - set(answer) - OPTIONAL
    if isinstance(example.get("fields"), dict) and isinstance(answer.get("fields"), dict):
        wanted = {RENAMED_FIELDS.get(k, k) for k in example["fields"]}
        missing |= {f"fields.{k}" for k in wanted - set(answer["fields"])}
    return missing


def test_dc_answers_have_the_wadl_example_keys(dc: RunningSandbox,
                                               dc_http: requests.Session) -> None:
    """Each DC endpoint's answer has every key of the WADL example for that status."""
    base = f"{dc.url}/rest/api/2"
    key = create(dc_http, dc.url)["key"]
    dc_http.put(f"{base}/issue/{key}/properties/issue.support", json={"a": 1})
    note = dc_http.post(f"{base}/issue/{key}/comment", json={"body": "first"}).json()["id"]
    other = create(dc_http, dc.url)["key"]
    dc_http.post(f"{base}/issueLink", json={"type": {"name": "Relates"},
                                            "inwardIssue": {"key": key},
                                            "outwardIssue": {"key": other}})
    link = dc_http.get(f"{base}/issue/{key}").json()["fields"]["issuelinks"][0]["id"]
    calls: list[tuple[str, str, str, requests.Response]] = [
        ("GET", "api/2/serverInfo", "200", dc_http.get(f"{base}/serverInfo")),
        ("GET", "api/2/myself", "200", dc_http.get(f"{base}/myself")),
        ("GET", "api/2/field", "200", dc_http.get(f"{base}/field")),
        ("GET", "api/2/mypermissions", "200",
         dc_http.get(f"{base}/mypermissions", params={"projectKey": "QA"})),
        ("GET", "api/2/issuetype", "200", dc_http.get(f"{base}/issuetype")),
        ("GET", "api/2/priority", "200", dc_http.get(f"{base}/priority")),
        ("GET", "api/2/priority/{id}", "200", dc_http.get(f"{base}/priority/3")),
        ("GET", "api/2/issueLinkType", "200", dc_http.get(f"{base}/issueLinkType")),
        ("GET", "api/2/issueLinkType/{issueLinkTypeId}", "200",
         dc_http.get(f"{base}/issueLinkType/10000")),
        ("GET", "api/2/project", "200", dc_http.get(f"{base}/project")),
        ("GET", "api/2/issuetype/{id}", "200", dc_http.get(f"{base}/issuetype/10103")),
        ("GET", "api/2/status", "200", dc_http.get(f"{base}/status")),
        ("GET", "api/2/status/{idOrName}", "200", dc_http.get(f"{base}/status/Done")),
        ("GET", "api/2/statuscategory", "200", dc_http.get(f"{base}/statuscategory")),
        ("GET", "api/2/statuscategory/{idOrKey}", "200", dc_http.get(f"{base}/statuscategory/2")),
        ("GET", "api/2/resolution", "200", dc_http.get(f"{base}/resolution")),
        ("GET", "api/2/resolution/{id}", "200", dc_http.get(f"{base}/resolution/10000")),
        ("GET", "api/2/issueLink/{linkId}", "200", dc_http.get(f"{base}/issueLink/{link}")),
        ("GET", "api/2/issue/{issueIdOrKey}/watchers", "200",
         dc_http.get(f"{base}/issue/{key}/watchers")),
        ("GET", "api/2/issue/{issueIdOrKey}/votes", "200",
         dc_http.get(f"{base}/issue/{key}/votes")),
        ("GET", "api/2/project/{projectIdOrKey}", "200", dc_http.get(f"{base}/project/QA")),
        ("POST", "api/2/issue", "400", dc_http.post(f"{base}/issue", json={"fields": {}})),
        ("POST", "api/2/issue/bulk", "201", dc_http.post(f"{base}/issue/bulk", json={
            "issueUpdates": [{"fields": {"project": {"key": "QA"}, "issuetype": {"name": "Bug"},
                                         "summary": "B"}}]})),
        ("POST", "api/2/issue/{issueIdOrKey}/comment", "201",
         dc_http.post(f"{base}/issue/{key}/comment", json={"body": "hello"})),
        ("GET", "api/2/issue/{issueIdOrKey}/comment", "200",
         dc_http.get(f"{base}/issue/{key}/comment")),
        ("GET", "api/2/issue/{issueIdOrKey}/comment/{id}", "200",
         dc_http.get(f"{base}/issue/{key}/comment/{note}")),
        ("PUT", "api/2/issue/{issueIdOrKey}/comment/{id}", "200",
         dc_http.put(f"{base}/issue/{key}/comment/{note}", json={"body": "edited"})),
        ("POST", "api/2/issue/{issueIdOrKey}/remotelink", "200",
         dc_http.post(f"{base}/issue/{key}/remotelink", json={
             "globalId": "g", "relationship": "session",
             "object": {"url": "http://x", "title": "t"}})),
        ("POST", "api/2/issue/{issueIdOrKey}/remotelink", "400",
         dc_http.post(f"{base}/issue/{key}/remotelink", json={"object": {"url": "http://x"}})),
        ("GET", "api/2/issue/{issueIdOrKey}/remotelink", "200",
         dc_http.get(f"{base}/issue/{key}/remotelink")),
        ("POST", "api/2/issue/{issueIdOrKey}/attachments", "200",
         dc_http.post(f"{base}/issue/{key}/attachments", files={"file": ("a.txt", b"a")},
                      headers={"X-Atlassian-Token": "no-check"})),
        ("GET", "api/2/issue/{issueIdOrKey}/transitions", "200",
         dc_http.get(f"{base}/issue/{key}/transitions")),
        ("GET", "api/2/issue/{issueIdOrKey}/editmeta", "200",
         dc_http.get(f"{base}/issue/{key}/editmeta")),
        ("GET", "api/2/issue/createmeta", "200", dc_http.get(f"{base}/issue/createmeta", params={
            "expand": "projects.issuetypes.fields"})),
        ("GET", "api/2/user/assignable/search", "200",
         dc_http.get(f"{base}/user/assignable/search", params={"project": "QA"})),
        ("GET", "auth/1/session", "200", dc_http.get(f"{dc.url}/rest/auth/1/session")),
        ("GET", "api/2/issue/{issueIdOrKey}/properties", "200",
         dc_http.get(f"{base}/issue/{key}/properties")),
        ("GET", "api/2/issue/{issueIdOrKey}/properties/{propertyKey}", "200",
         dc_http.get(f"{base}/issue/{key}/properties/issue.support")),
        ("GET", "api/2/search", "200", dc_http.get(f"{base}/search", params={"jql": "project=QA"})),
        ("POST", "api/2/search", "200", dc_http.post(f"{base}/search", json={"jql": "project=QA"})),
        ("GET", "api/2/issue/{issueIdOrKey}", "200", dc_http.get(f"{base}/issue/{key}",
                                                          params={"expand": "names,schema"})),
    ]
    problems = {}
    for method, path, status, answer in calls:
        assert str(answer.status_code) == status, (method, path, answer.text)
        lacking = missing_keys(examples()[(method, path, status)], answer.json())
        if lacking:
            problems[f"{method} {path} {status}"] = sorted(lacking)
    assert problems == {}


def test_dc_serves_no_v3(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """Data Center has no REST v3: 404."""
    assert dc_http.get(f"{dc.url}/rest/api/3/myself").status_code == 404


def test_dc_refuses_cloud_basic_auth(dc: RunningSandbox) -> None:
    """Data Center wants the personal access token: basic auth answers 401."""
    answer = requests.get(f"{dc.url}/rest/api/2/myself", timeout=10,
                          auth=("sandbox@example.com", "sandbox-token"))
    assert answer.status_code == 401


def test_dc_myself_has_name_and_key_but_no_account_id(dc: RunningSandbox,
                                                      dc_http: requests.Session) -> None:
    """A DC user is name/key, never accountId."""
    body = dc_http.get(f"{dc.url}/rest/api/2/myself").json()
    assert body["name"] and body["key"] and "accountId" not in body


def capture(name: str) -> Any:
    """A real Jira 8.20.7 answer from fixtures/rest."""
    return json.loads((FIXTURES / "rest" / name).read_text(encoding="utf-8"))


def test_dc_answers_have_the_keys_of_real_captures(dc: RunningSandbox,
                                                   dc_http: requests.Session) -> None:
    """serverInfo, myself, search and an expanded issue have every non-custom key a real Jira
    8.20.7 sent (custom field ids differ per instance)."""
    base = f"{dc.url}/rest/api/2"
    key = create(dc_http, dc.url)["key"]
    pairs = [
        ("dc-8.20.7_serverInfo__jira-server-mcp.json", dc_http.get(f"{base}/serverInfo")),
        ("dc-8.20.7_myself__jira-server-mcp.json", dc_http.get(f"{base}/myself")),
        ("dc-8.20.7_search-v2__jira-server-mcp.json",
         dc_http.get(f"{base}/search", params={"jql": "project = QA ORDER BY created DESC"})),
        ("dc-8.20.7_issue-expand-changelog__jira-server-mcp.json",
         dc_http.get(f"{base}/issue/{key}",
                     params={"expand": "changelog,renderedFields,transitions"})),
    ]
    problems = {}
    for name, answer in pairs:
        real, ours = capture(name), answer.json()
        lacking = set(real) - set(ours)
        real_issue = real["issues"][0] if "issues" in real else real
        our_issue = ours["issues"][0] if "issues" in ours else ours
        if isinstance(real_issue.get("fields"), dict):
            lacking |= {f"fields.{k}" for k in real_issue["fields"]
                        if not k.startswith("customfield_") and k not in our_issue["fields"]}
        if lacking:
            problems[name] = sorted(lacking)
    assert problems == {}
