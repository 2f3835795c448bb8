"""What an Xray import may create: a Test from `testInfo`, and (multipart) the Test Execution
from the `info` part's Jira fields.

Played as Xray documents it, at its least convenient:
- a `tests` entry without `testKey` names its Test by `testInfo` (`projectKey`, `summary`,
  `type`, `definition`, `labels`); a Generic Test is matched to an existing one of the
  project by its definition ("Generic tests are matched using the generic definition
  field, within the same project"), and only made when none matches; the sandbox serves
  the Generic type only (Manual steps and Cucumber scenarios are refused with a message);
- the multipart import (Cloud `results` + `info`, Server/DC `result` + `info`) makes the
  Test Execution from `info` (a Jira create body, checked as Jira checks one, plus Cloud's
  `xrayFields.environments`); the results' own `info` object is ignored, as nothing in
  Xray's documentation says a multipart import reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile

from sandbox.errors import BadRequest
from sandbox.jira_input import Creation, apply_changes, check_create
from sandbox.jira_render import View
from sandbox.model import Issue
from sandbox.state import SandboxState
from sandbox.xray_model import XrayTest

ENVIRONMENTS_FIELD = "customfield_10202"


@dataclass(frozen=True)
class NewTest:
    """A checked `testInfo`: the Test's Jira fields and its Generic definition."""

    creation: Creation
    definition: str


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"testInfo: '{name}' is required and must be a non-empty string.")
    return value


def check_test_info(raw: Any, view: View) -> NewTest:
    """A `testInfo` object, checked before anything is applied."""
    if not isinstance(raw, dict):
        raise BadRequest("'testInfo' must be an object.")
    test_type = _text(raw, "type")
    if test_type != "Generic":
        raise BadRequest(f"testInfo: the sandbox makes Generic Tests only, not '{test_type}'.")
    labels = raw.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise BadRequest("testInfo: 'labels' must be a list of strings.")
    fields = {"project": {"key": _text(raw, "projectKey")}, "summary": _text(raw, "summary"),
              "issuetype": {"name": "Test"}, "labels": labels}
    return NewTest(check_create({"fields": fields}, view), _text(raw, "definition"))


def resolve_test(state: SandboxState, new: NewTest) -> Issue:
    """The project's Generic Test with this definition, else a new one (under the lock)."""
    project = new.creation.project.key
    for issue in state.issues.values():
        record = state.xray.tests.get(issue.id)
        if (issue.type_name == "Test" and issue.project_key == project and record is not None
                and record.test_type == "Generic" and record.unstructured == new.definition):
            return issue
    issue = state.add_issue("Test", new.creation.changes["summary"], project)
    apply_changes(issue, new.creation.changes)
    record = state.xray.tests.setdefault(issue.id, XrayTest(issue.id))
    record.test_type, record.unstructured = "Generic", new.definition
    state.touch(issue)
    return issue


@dataclass(frozen=True)
class NewExecution:
    """A checked `info` part: the execution's Jira fields and its test environments."""

    creation: Creation
    environments: list[str] | None


def check_new_execution(info: Any, view: View) -> NewExecution:
    """The `info` part: a Jira create body of a Test Execution (`xrayFields` beside)."""
    if not isinstance(info, dict):
        raise BadRequest("The multipart part 'info' is required: the Test Execution's fields.")
    xray_fields = info.get("xrayFields") or {}
    if not isinstance(xray_fields, dict):
        raise BadRequest("'xrayFields' must be an object.")
    creation = check_create({"fields": info.get("fields")}, view)
    if creation.kind.name != "Test Execution":
        raise BadRequest(f"The issue type of 'info' must be Test Execution, not "
                         f"'{creation.kind.name}'.")
    environments = xray_fields.get("environments", creation.changes.get(ENVIRONMENTS_FIELD))
    if environments is not None and (not isinstance(environments, list)
                                     or not all(isinstance(e, str) for e in environments)):
        raise BadRequest("'environments' must be a list of strings.")
    return NewExecution(creation, environments)


def make_execution(state: SandboxState, new: NewExecution) -> Issue:
    """The Test Execution the multipart import makes (under the lock, after all checks)."""
    issue = state.add_issue("Test Execution", new.creation.changes["summary"],
                            new.creation.project.key)
    apply_changes(issue, new.creation.changes)
    return issue


async def json_part(form: Any, name: str) -> Any:
    """The JSON document in the part `name` (a file or a field), None when absent."""
    part = form.get(name)
    if part is None:
        return None
    raw = await part.read() if isinstance(part, UploadFile) else str(part).encode()
    try:
        return json.loads(raw)
    except ValueError:
        raise BadRequest(f"The multipart part '{name}' is not JSON.") from None


def multipart_document(results: Any, new: NewExecution) -> dict[str, Any]:
    """The results to apply: their tests, with the environments `info` gave."""
    if not isinstance(results, dict):
        raise BadRequest("The Xray JSON must be an object.")
    document = {key: value for key, value in results.items() if key != "info"}
    if new.environments is not None:
        document["info"] = {"testEnvironments": new.environments}
    return document
