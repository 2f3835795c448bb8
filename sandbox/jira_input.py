"""Reads the `fields` / `update` bodies of create and edit requests, checking Jira's rules.

Everything is validated into a plain dict of new values before any issue is touched,
so that a refused request changes nothing.
"""

from __future__ import annotations

from typing import Any

from sandbox import catalog
from sandbox.adf import is_adf, text_to_adf
from sandbox.errors import BadRequest
from sandbox.model import Issue
from sandbox.timefmt import parse_timestamp

ADF_RULE = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
EDITABLE = {"summary", "description", "labels", *catalog.CUSTOM_IDS}
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


def check_fields(fields: dict[str, Any], version: int, *, creating: bool) -> dict[str, Any]:
    """The new values named by a `fields` object (project and issuetype excluded)."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in fields.items():
        if name in ("project", "issuetype") and creating:
            continue
        if name not in EDITABLE:
            errors[name] = _cannot_set(name)
            continue
        try:
            changes[name] = _check_one(name, value, version)
        except BadRequest as exc:
            errors.update(exc.errors)
    if errors:
        raise BadRequest(errors=errors)
    return changes


def _check_one(name: str, value: Any, version: int) -> Any:
    if name == "summary":
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(errors={"summary": "You must specify a summary of the issue."})
        if len(value) > 255:
            raise BadRequest(errors={"summary": "Summary must be less than 255 characters."})
        return value
    if name == "description":
        return check_description(value, version)
    if name == "labels":
        return check_labels(value)
    return check_custom(name, value)


def check_update(update: dict[str, Any], current: Issue, version: int) -> dict[str, Any]:
    """The new values named by an `update` object of operations (set/add/remove)."""
    changes: dict[str, Any] = {}
    for name, operations in update.items():
        if name not in EDITABLE or not isinstance(operations, list):
            raise BadRequest(errors={name: _cannot_set(name)})
        value: Any = list(current.labels) if name == "labels" else None
        for operation in operations:
            value = _apply_operation(name, value, operation, version)
        changes[name] = value
    return changes


def _apply_operation(name: str, value: Any, operation: Any, version: int) -> Any:
    if not isinstance(operation, dict) or len(operation) != 1:
        raise BadRequest(errors={name: "Each operation must be one of set, add, remove."})
    verb, argument = next(iter(operation.items()))
    if verb == "set":
        return _check_one(name, argument, version)
    if name != "labels" or verb not in ("add", "remove"):
        raise BadRequest(errors={name: f"Field '{name}' does not support operation '{verb}'"})
    check_labels([argument])
    if verb == "add":
        return [*value, argument] if argument not in value else value
    return [label for label in value if label != argument]


def check_create(body: Any, version: int, project_key: str) -> tuple[str, dict[str, Any]]:
    """The issue type and the field values of a create request."""
    if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
        raise BadRequest("Request body must be a JSON object with 'fields'.")
    fields = body["fields"]
    errors: dict[str, str] = {}
    project = fields.get("project") or {}
    if not isinstance(project, dict) or (
        project.get("key") != project_key and str(project.get("id")) != catalog.PROJECT_ID
    ):
        errors["project"] = "Specify a valid project ID or key"
    kind_ref = fields.get("issuetype") or {}
    kind = catalog.issue_type_by(str(kind_ref.get("name") or kind_ref.get("id") or "")) \
        if isinstance(kind_ref, dict) else None
    if kind is None:
        errors["issuetype"] = "Specify an issue type"
    if "summary" not in fields:
        errors["summary"] = "You must specify a summary of the issue."
    if errors:
        raise BadRequest(errors=errors)
    assert kind is not None
    changes = check_fields(fields, version, creating=True)
    return kind.name, changes


def apply_changes(issue: Issue, changes: dict[str, Any]) -> None:
    """Writes validated values onto an issue."""
    for name, value in changes.items():
        if name in ("summary", "description", "labels"):
            setattr(issue, name, value)
        elif value is None:
            issue.custom.pop(name, None)
        else:
            issue.custom[name] = value
