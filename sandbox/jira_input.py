"""Reads the `fields` / `update` bodies of create and edit requests, checking Jira's rules.

Everything is validated into a plain dict of new values before any issue is touched,
so that a refused request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox import catalog
from sandbox.adf import is_adf, text_to_adf
from sandbox.errors import BadRequest
from sandbox.http_util import json_object
from sandbox.jira_render import View
from sandbox.model import Issue
from sandbox.timefmt import parse_timestamp
from sandbox.users import user_named

ADF_RULE = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
EDITABLE = {"summary", "description", "labels", "priority", "assignee", "issuetype",
            *catalog.CUSTOM_IDS}
INVALID_TYPE = "The issue type selected is invalid."
TEST_TYPES = ("Manual", "Generic", "Cucumber")


def _cannot_set(name: str) -> str:
    return f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."


def check_labels(value: Any) -> list[str]:
    """Labels: a list of strings without spaces."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(errors={"labels": "Labels must be a list of strings."})
    for label in value:
        if not label or " " in label or len(label) > 255:
            raise BadRequest(errors={"labels": f"The label '{label}' contains spaces which is "
                                               "invalid." if " " in label else
                                               "Labels must be 1 to 255 characters."})
    return list(dict.fromkeys(value))


def check_description(value: Any, version: int) -> dict[str, Any] | None:
    """A description: ADF on v3, a string on v2; kept as ADF."""
    if value is None:
        return None
    if version == 3:
        if not is_adf(value):
            raise BadRequest(errors={"description": ADF_RULE})
        return dict(value)
    if not isinstance(value, str):
        raise BadRequest(errors={"description": "Operation value must be a string"})
    return text_to_adf(value)


def check_custom(name: str, value: Any) -> Any:
    """An Xray custom field's value in the shape Jira expects."""
    if value is None:
        return None
    if name == "customfield_10200":  # Test Type: a select option
        chosen = value.get("value") if isinstance(value, dict) else None
        if chosen not in TEST_TYPES:
            raise BadRequest(errors={name: f"Option value '{chosen}' is not valid"})
        return {"value": chosen, "id": str(10300 + TEST_TYPES.index(chosen))}
    if name == "customfield_10202":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadRequest(errors={name: "Test Environments must be a list of strings."})
        return list(value)
    if name in ("customfield_10203", "customfield_10204"):
        try:
            parse_timestamp(str(value))
        except ValueError:
            raise BadRequest(errors={name: "Invalid date format."}) from None
        return str(value)
    if not isinstance(value, str):
        raise BadRequest(errors={name: "Operation value must be a string"})
    return value


def check_fields(fields: dict[str, Any], view: View, project: catalog.Project, *,
                 creating: bool) -> dict[str, Any]:
    """The new values named by a `fields` object (project, and issuetype on create, apart)."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in fields.items():
        if name in ("project", "issuetype") and creating:
            continue  # read by check_create
        if name not in EDITABLE:
            errors[name] = _cannot_set(name)
            continue
        try:
            changes[name] = _check_one(name, value, view, project)
        except BadRequest as exc:
            errors.update(exc.errors)
    if errors:
        raise BadRequest(errors=errors)
    return changes


def _check_one(name: str, value: Any, view: View, project: catalog.Project) -> Any:
    if name == "summary":
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(errors={"summary": "You must specify a summary of the issue."})
        if len(value) > 255:
            raise BadRequest(errors={"summary": "Summary must be less than 255 characters."})
        return value
    if name == "description":
        return check_description(value, view.version)
    if name == "labels":
        return check_labels(value)
    if name == "priority":
        return check_priority(value)
    if name == "assignee":
        return check_assignee(value)
    if name == "issuetype":
        return check_issue_type(value, view, project).name
    return check_custom(name, value)


def check_priority(value: Any) -> str:
    """A priority named by id or name (Jira's words when it is neither)."""
    ref = value if isinstance(value, dict) else {}
    if isinstance(ref.get("id"), str | int) and str(ref["id"]):
        wanted = str(ref["id"])
        if wanted not in {p.id for p in catalog.PRIORITIES}:
            raise BadRequest(errors={"priority": "The priority selected is invalid."})
        return wanted
    if isinstance(ref.get("name"), str):
        for priority in catalog.PRIORITIES:
            if priority.name == ref["name"]:
                return priority.id
        raise BadRequest(errors={"priority": "Specify the Priority (name) in the string format"})
    raise BadRequest(errors={"priority": "Specify the Priority (id or name) in the string format"})


def check_assignee(value: Any) -> str | None:
    """An assignee named by accountId (Cloud) or name (DC); null unassigns."""
    if value is None:
        return None
    ref = value if isinstance(value, dict) else {}
    wanted = ref.get("accountId") or ref.get("name") or ref.get("key")
    if (wanted is None and ("accountId" in ref or "name" in ref)) or wanted == "-1":
        return None  # null unassigns; -1 is the project's default assignee: unassigned
    found = user_named(str(wanted)) if wanted else None
    if found is None:
        raise BadRequest(errors={"assignee": f"User '{wanted}' does not exist."})
    return found.name


def check_issue_type(value: Any, view: View, project: catalog.Project) -> catalog.IssueType:
    """An issue type by name or id that the project allows, else Jira's words for it."""
    ref = value if isinstance(value, dict) else {}
    kind = catalog.issue_type_by(str(ref.get("id") or ref.get("name") or ""))
    if kind is None:
        missing = "Specify an issue type" if view.deployment == "cloud" \
            else "issue type is required"
        raise BadRequest(errors={"issuetype": missing})
    if not project.allows(kind):
        raise BadRequest(errors={"issuetype": INVALID_TYPE})
    return kind


def check_edit(body: dict[str, Any], issue: Issue, view: View) -> dict[str, Any]:
    """The new values of an edit (PUT issue, or a transition's screen): `fields` + `update`."""
    project = view.project(issue.project_key) or view.projects[0]
    changes = check_fields(json_object(body.get("fields"), "fields"), view, project,
                           creating=False)
    changes.update(check_update(json_object(body.get("update"), "update"), issue, view,
                                project))
    return changes


def check_update(update: dict[str, Any], current: Issue, view: View,
                 project: catalog.Project) -> dict[str, Any]:
    """The new values named by an `update` object of operations (set/add/remove)."""
    changes: dict[str, Any] = {}
    for name, operations in update.items():
        if name not in EDITABLE or not isinstance(operations, list):
            raise BadRequest(errors={name: _cannot_set(name)})
        value: Any = list(current.labels) if name == "labels" else None
        for operation in operations:
            value = _apply_operation(name, value, operation, view, project)
        changes[name] = value
    return changes


def _apply_operation(name: str, value: Any, operation: Any, view: View,
                     project: catalog.Project) -> Any:
    if not isinstance(operation, dict) or len(operation) != 1:
        raise BadRequest(errors={name: "Each operation must be one of set, add, remove."})
    verb, argument = next(iter(operation.items()))
    if verb == "set":
        return _check_one(name, argument, view, project)
    if name != "labels" or verb not in ("add", "remove"):
        raise BadRequest(errors={name: f"Field '{name}' does not support operation '{verb}'"})
    check_labels([argument])
    if verb == "add":
        return [*value, argument] if argument not in value else value
    return [label for label in value if label != argument]


@dataclass(frozen=True)
class Creation:
    """A checked create request: where, what type, and the field values."""

    project: catalog.Project
    kind: catalog.IssueType
    changes: dict[str, Any]


def check_create(body: Any, view: View) -> Creation:
    """The project, issue type and field values of a create request."""
    if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
        raise BadRequest("Request body must be a JSON object with 'fields'.")
    fields = body["fields"]
    errors: dict[str, str] = {}
    ref = fields.get("project") if isinstance(fields.get("project"), dict) else {}
    project = view.project(str(ref.get("key") or ref.get("id") or ""))
    if project is None:
        errors["project"] = "Specify a valid project ID or key"
    kind = None
    try:
        kind = check_issue_type(fields.get("issuetype"), view, project or view.projects[0])
    except BadRequest as exc:
        errors.update(exc.errors)
    if "summary" not in fields:
        errors["summary"] = "You must specify a summary of the issue."
    if errors:
        raise BadRequest(errors=errors)
    assert project is not None and kind is not None
    return Creation(project, kind, check_fields(fields, view, project, creating=True))


def apply_changes(issue: Issue, changes: dict[str, Any]) -> None:
    """Writes validated values onto an issue."""
    for name, value in changes.items():
        if name in ("summary", "description", "labels", "priority", "assignee"):
            setattr(issue, name, value)
        elif name == "issuetype":
            issue.type_name = value
        elif value is None:
            issue.custom.pop(name, None)
        else:
            issue.custom[name] = value
