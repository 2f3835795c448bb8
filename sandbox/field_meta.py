"""Field metadata: what `editmeta` and create metadata (`createmeta`) say about each field.

One table says which fields a project's issue type has on its screens, whether they are
required and which operations they take; the renderers add the allowed values (priorities,
issue types, the project, Xray's Test Type options) from the catalog.
"""

from __future__ import annotations

from typing import Any

from sandbox import catalog
from sandbox.jira_render import View

# field id -> (operations on edit, required on create); the screens of every issue type.
COMMON: dict[str, tuple[tuple[str, ...], bool]] = {
    "summary": (("set",), True), "issuetype": ((), True), "description": (("set",), False),
    "priority": (("set",), False), "labels": (("add", "set", "remove"), False),
    "assignee": (("set",), False),
}
# Xray's custom fields appear on the screens of the types they belong to.
XRAY_SCREENS: dict[str, tuple[str, ...]] = {
    "Test": ("customfield_10200", "customfield_10201"),
    "Test Execution": ("customfield_10202", "customfield_10203", "customfield_10204",
                       "customfield_10205"),
}
TEST_TYPE_OPTIONS = ("Manual", "Generic", "Cucumber")


def _schemas(view: View) -> dict[str, dict[str, Any]]:
    """Field id -> (name, schema) as GET field lists them."""
    return {f["id"]: f for f in catalog.render_fields(view.base, view.deployment)}


def _allowed(field_id: str, view: View, project: catalog.Project) -> list[Any] | None:
    if field_id == "priority":
        return [catalog.render_priority(p, view.base, view.api, full=False)
                for p in catalog.PRIORITIES]
    if field_id == "issuetype":
        return [catalog.render_issue_type(k, view.base, view.api, view.deployment)
                for k in catalog.ISSUE_TYPES if project.allows(k)]
    if field_id == "project":
        return [catalog.render_project_ref(project, view.base, view.api)]
    if field_id == "customfield_10200":
        return [{"value": name, "id": str(10300 + n)}
                for n, name in enumerate(TEST_TYPE_OPTIONS)]
    return None


def screen_fields(kind: catalog.IssueType, creating: bool) -> dict[str, tuple[tuple[str, ...],
                                                                             bool]]:
    """The fields on the type's create or edit screen: id -> (operations, required)."""
    found = dict(COMMON)
    if creating:
        found["project"] = (("set",), True)
    for field_id in XRAY_SCREENS.get(kind.name, ()):
        found[field_id] = (("set",), False)
    return found


def field_metadata(view: View, project: catalog.Project, kind: catalog.IssueType, *,
                   creating: bool) -> dict[str, dict[str, Any]]:
    """Field id -> its metadata on the type's create (`creating`) or edit screen."""
    schemas = _schemas(view)
    out: dict[str, dict[str, Any]] = {}
    for field_id, (operations, required) in screen_fields(kind, creating).items():
        entry: dict[str, Any] = {
            "required": required and creating, "schema": dict(schemas[field_id]["schema"]),
            "name": schemas[field_id]["name"], "key": field_id, "operations": list(operations),
            "hasDefaultValue": field_id == "priority"}
        if field_id == "labels":
            entry["schema"]["items"] = "string"
        if field_id == "assignee":
            entry["autoCompleteUrl"] = f"{view.base}{view.api}/user/assignable/search?query="
        if field_id == "priority":
            entry["defaultValue"] = catalog.render_priority(
                catalog.priority_by(catalog.DEFAULT_PRIORITY), view.base, view.api, full=False)
        allowed = _allowed(field_id, view, project)
        if allowed is not None:
            entry["allowedValues"] = allowed
        out[field_id] = entry
    return out
