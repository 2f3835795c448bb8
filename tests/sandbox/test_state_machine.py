"""Random sequences of Jira writes over HTTP keep the sandbox's reads and search in step with a
plain model of what was done."""

from __future__ import annotations

from typing import Any

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sandbox.server import RunningSandbox, start_sandbox

LABELS = st.sampled_from(["xray-sync", "xs-a", "xs-b"])
TRANSITIONS = {"To Do": {"21": "In Progress", "31": "Done", "41": "Cancelled"},
               "In Progress": {"11": "To Do", "31": "Done", "41": "Cancelled"},
               "Done": {"51": "Reopened"}, "Cancelled": {"51": "Reopened"},
               "Reopened": {"21": "In Progress", "31": "Done", "41": "Cancelled"}}
SANDBOX: list[RunningSandbox] = []


def sandbox() -> RunningSandbox:
    """One Cloud sandbox for every run of the machine (reset at each start)."""
    if not SANDBOX:
        SANDBOX.append(start_sandbox("cloud"))
    return SANDBOX[0]


class JiraMachine(RuleBasedStateMachine):
    """Creates, relabels, transitions and deletes issues; compares with a dict model."""

    def __init__(self) -> None:
        super().__init__()
        self.http = requests.Session()
        self.http.auth = ("sandbox@example.com", "sandbox-token")
        self.model: dict[str, dict[str, Any]] = {}

    @initialize()
    def fresh(self) -> None:
        """Starts from an empty project."""
        self.sb = sandbox()
        self.sb.state.reset()
        self.url = f"{self.sb.url}/rest/api/3"

    @rule(label=LABELS)
    def create(self, label: str) -> None:
        """Creates an issue with one label."""
        answer = self.http.post(f"{self.url}/issue", json={"fields": {
            "project": {"key": "QA"}, "issuetype": {"name": "Test Execution"},
            "summary": "s", "labels": [label]}})
        assert answer.status_code == 201
        self.model[answer.json()["key"]] = {"labels": {label}, "status": "To Do"}

    @rule(data=st.data(), label=LABELS)
    def add_label(self, data: st.DataObject, label: str) -> None:
        """Adds a label with an update operation."""
        if not self.model:
            return
        key = data.draw(st.sampled_from(sorted(self.model)))
        answer = self.http.put(f"{self.url}/issue/{key}",
                               json={"update": {"labels": [{"add": label}]}})
        assert answer.status_code == 204
        self.model[key]["labels"].add(label)

    @rule(data=st.data())
    def transition(self, data: st.DataObject) -> None:
        """Takes one available transition."""
        if not self.model:
            return
        key = data.draw(st.sampled_from(sorted(self.model)))
        choices = TRANSITIONS[self.model[key]["status"]]
        transition = data.draw(st.sampled_from(sorted(choices)))
        answer = self.http.post(f"{self.url}/issue/{key}/transitions",
                                json={"transition": {"id": transition}})
        assert answer.status_code == 204
        self.model[key]["status"] = choices[transition]

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        """Deletes an issue."""
        if not self.model:
            return
        key = data.draw(st.sampled_from(sorted(self.model)))
        assert self.http.delete(f"{self.url}/issue/{key}").status_code == 204
        del self.model[key]

    @invariant()
    def search_matches_the_model(self) -> None:
        """Searching each label finds exactly the model's issues with it, with their status."""
        if not hasattr(self, "url"):
            return
        for label in ("xray-sync", "xs-a", "xs-b"):
            page = self.http.get(f"{self.url}/search/jql", params={
                "jql": f'labels = "{label}"', "fields": "status", "maxResults": "100"}).json()
            found = {hit["key"]: hit["fields"]["status"]["name"] for hit in page["issues"]}
            expected = {k: v["status"] for k, v in self.model.items() if label in v["labels"]}
            assert found == expected

    def teardown(self) -> None:
        self.http.close()


JiraMachine.TestCase.settings = settings(
    max_examples=10, stateful_step_count=10, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestJiraMachine = JiraMachine.TestCase


def teardown_module() -> None:
    """Stops the machine's sandbox."""
    for running in SANDBOX:
        running.stop()
