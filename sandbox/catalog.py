"""The fixed metadata of the seeded Jira: project QA, issue types, statuses, workflow, fields, user.

Pure data and small renderers; `base` is the sandbox's base URL and `api` the REST
version prefix (`/rest/api/2` or `/rest/api/3`) that `self` links should carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox import users
from sandbox.options import Deployment

PROJECT_ID = "10000"
SECOND_PROJECT_ID = "10001"
ACCOUNT_ID = users.ADMIN.account_id
DC_USER_NAME = users.ADMIN.name
DC_USER_KEY = users.ADMIN.key


@dataclass(frozen=True)
class IssueType:
    """One issue type of the project."""

    id: str
    name: str
    description: str


ISSUE_TYPES: tuple[IssueType, ...] = (
    IssueType("10100", "Test", "Represents a Test"),
    IssueType("10101", "Test Execution", "Represents a Test Execution"),
    IssueType("10102", "Test Plan", "Represents a Test Plan"),
    IssueType("10103", "Bug", "A problem which impairs or prevents the functions of the product."),
    IssueType("10104", "Task", "A small, distinct piece of work."),
)


@dataclass(frozen=True)
class Project:
    """A seeded project and the issue types its scheme allows."""

    id: str
    key: str
    name: str
    type_names: tuple[str, ...]

    def allows(self, kind: IssueType) -> bool:
        """Whether issues of this type can live in the project."""
        return kind.name in self.type_names


def seeded_projects(first: tuple[str, str], second: tuple[str, str]) -> tuple[Project, ...]:
    """The Xray project (every type) and a plain one (Bug and Task), from (key, name) pairs."""
    return (Project(PROJECT_ID, *first, tuple(k.name for k in ISSUE_TYPES)),
            Project(SECOND_PROJECT_ID, *second, ("Bug", "Task")))


@dataclass(frozen=True)
class Priority:
    """A priority of the default priority scheme."""

    id: str
    name: str
    color: str
    description: str


PRIORITIES: tuple[Priority, ...] = (
    Priority("1", "Highest", "#d04437", "This problem will block progress."),
    Priority("2", "High", "#f15C75", "Serious problem that could block progress."),
    Priority("3", "Medium", "#f79232", "Has the potential to affect progress."),
    Priority("4", "Low", "#707070", "Minor problem or easily worked around."),
    Priority("5", "Lowest", "#999999", "Trivial problem with little or no impact on progress."),
)
DEFAULT_PRIORITY = "3"


def priority_by(name_or_id: str) -> Priority:
    """The priority named or numbered so (the default, Medium, if none)."""
    for priority in PRIORITIES:
        if name_or_id in (priority.id, priority.name):
            return priority
    return PRIORITIES[2]


def render_priority(priority: Priority, base: str, api: str, full: bool) -> dict[str, Any]:
    """A priority: the short form inside issue fields, or the whole resource."""
    body: dict[str, Any] = {
        "self": f"{base}{api}/priority/{priority.id}",
        "iconUrl": f"{base}/images/icons/priorities/{priority.name.lower()}.svg",
        "name": priority.name, "id": priority.id}
    if full:
        body["statusColor"] = priority.color
        body["description"] = priority.description
    return body


@dataclass(frozen=True)
class Resolution:
    """A resolution a done status sets."""

    id: str
    name: str
    description: str


RESOLUTIONS: tuple[Resolution, ...] = (
    Resolution("10000", "Done", "Work has been completed on this issue."),
    Resolution("10001", "Won't Do", "This issue won't be actioned."),
)
# done status -> its resolution id (a workflow's transitions to Done / Cancelled set these)
RESOLVED_BY: dict[str, str] = {"Done": "10000", "Cancelled": "10001"}


def render_resolution(resolution: Resolution, base: str, api: str,
                      deployment: Deployment) -> dict[str, Any]:
    """A resolution, in issue fields and as its own resource (DC adds an icon, Cloud none)."""
    body = {"self": f"{base}{api}/resolution/{resolution.id}", "id": resolution.id,
            "description": resolution.description, "name": resolution.name}
    if deployment == "datacenter":
        body["iconUrl"] = f"{base}/images/icons/resolutions/generic.png"
    return body


@dataclass(frozen=True)
class Status:
    """A workflow status and its category."""

    id: str
    name: str
    category_id: int
    category_key: str
    category_name: str
    color: str


STATUSES: dict[str, Status] = {
    s.name: s
    for s in (
        Status("10000", "To Do", 2, "new", "To Do", "blue-gray"),
        Status("3", "In Progress", 4, "indeterminate", "In Progress", "yellow"),
        Status("10001", "Done", 3, "done", "Done", "green"),
        Status("4", "Reopened", 2, "new", "To Do", "blue-gray"),
        Status("10002", "Cancelled", 3, "done", "Done", "green"),
    )
}

# transition id -> target status; each transition is named after its target.
TRANSITION_IDS: dict[str, str] = {
    "11": "To Do", "21": "In Progress", "31": "Done", "41": "Cancelled", "51": "Reopened",
}
# status -> the transitions available from it (why: a plain To Do/In Progress/Done
# workflow plus Reopen and Cancel, the statuses docs/design.md's workflow bridge maps).
WORKFLOW: dict[str, tuple[str, ...]] = {
    "To Do": ("21", "31", "41"),
    "In Progress": ("11", "31", "41"),
    "Done": ("51",),
    "Cancelled": ("51",),
    "Reopened": ("21", "31", "41"),
}


@dataclass(frozen=True)
class CustomField:
    """A custom field as GET /field lists it."""

    id: str
    name: str
    schema_type: str
    custom: str  # the plugin's field type key
    items: str | None = None


XRAY_FIELDS: tuple[CustomField, ...] = (
    CustomField("customfield_10200", "Test Type", "option",
                "com.xpandit.plugins.xray:test-type-custom-field"),
    CustomField("customfield_10201", "Generic Test Definition", "string",
                "com.xpandit.plugins.xray:path-type-custom-field"),
    CustomField("customfield_10202", "Test Environments", "array",
                "com.xpandit.plugins.xray:test-exec-test-environments-custom-field", "string"),
    CustomField("customfield_10203", "Begin Date", "datetime",
                "com.xpandit.plugins.xray:begin-date-custom-field"),
    CustomField("customfield_10204", "End Date", "datetime",
                "com.xpandit.plugins.xray:end-date-custom-field"),
    CustomField("customfield_10205", "Revision", "string",
                "com.xpandit.plugins.xray:test-exec-revision-custom-field"),
)
SYSTEM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("summary", "Summary", "string"), ("description", "Description", "string"),
    ("labels", "Labels", "array"), ("issuetype", "Issue Type", "issuetype"),
    ("project", "Project", "project"), ("status", "Status", "status"),
    ("created", "Created", "datetime"), ("updated", "Updated", "datetime"),
    ("reporter", "Reporter", "user"), ("creator", "Creator", "user"),
    ("assignee", "Assignee", "user"), ("attachment", "Attachment", "array"),
    ("comment", "Comment", "comments-page"), ("issuelinks", "Linked Issues", "array"),
    ("priority", "Priority", "priority"), ("resolution", "Resolution", "resolution"),
)
CUSTOM_IDS = {f.id for f in XRAY_FIELDS}


def issue_type_by(name_or_id: str) -> IssueType | None:
    """The issue type named or numbered so, if any."""
    for kind in ISSUE_TYPES:
        if name_or_id in (kind.id, kind.name):
            return kind
    return None


def render_issue_type(kind: IssueType, base: str, api: str,
                      deployment: Deployment) -> dict[str, Any]:
    """An issue type as Jira returns it."""
    body: dict[str, Any] = {
        "self": f"{base}{api}/issuetype/{kind.id}", "id": kind.id,
        "description": kind.description, "iconUrl": f"{base}/images/icons/issuetypes/{kind.id}.svg",
        "name": kind.name, "subtask": False,
    }
    if deployment == "cloud":
        body["avatarId"] = 10300
        body["hierarchyLevel"] = 0
    else:
        body["avatarId"] = 10300
    return body


def shown_name(status: str, names: Mapping[str, str] | None) -> str:
    """A seeded status's name as this site shows it (renamed, or in the user's language)."""
    return (names or {}).get(status, status)


def render_status(status: Status, base: str, api: str,
                  names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A status with its category, as issue fields carry it (`names`: renamed statuses)."""
    return {
        "self": f"{base}{api}/status/{status.id}", "description": "",
        "iconUrl": f"{base}/images/icons/statuses/generic.png",
        "name": shown_name(status.name, names), "id": status.id,
        "statusCategory": {
            "self": f"{base}{api}/statuscategory/{status.category_id}", "id": status.category_id,
            "key": status.category_key, "colorName": status.color, "name": status.category_name,
        },
    }


def render_user(base: str, api: str, deployment: Deployment, email: str) -> dict[str, Any]:
    """The sandbox's administrator (the project lead): accountId on Cloud, name/key on DC."""
    return users.render_user(users.ADMIN, email, base, api, deployment)


def render_project(project: Project, base: str, api: str, deployment: Deployment,
                   email: str) -> dict[str, Any]:
    """GET project/{key}: the project with its issue types."""
    body: dict[str, Any] = {
        "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
        "self": f"{base}{api}/project/{project.id}", "id": project.id, "key": project.key,
        "description": "", "lead": render_user(base, api, deployment, email), "components": [],
        "issueTypes": [render_issue_type(k, base, api, deployment) for k in ISSUE_TYPES
                       if project.allows(k)],
        "assigneeType": "UNASSIGNED", "versions": [], "name": project.name,
        "roles": {},
        "avatarUrls": {"48x48": f"{base}/secure/projectavatar?pid={project.id}"},
        "projectTypeKey": "software", "archived": False,
    }
    if deployment == "cloud":
        body["simplified"] = False
        body["style"] = "classic"
        body["isPrivate"] = False
        body["properties"] = {}
    return body


def render_project_ref(project: Project, base: str, api: str) -> dict[str, Any]:
    """The short project form inside issue fields."""
    return {"self": f"{base}{api}/project/{project.id}", "id": project.id, "key": project.key,
            "name": project.name, "projectTypeKey": "software",
            "avatarUrls": {"48x48": f"{base}/secure/projectavatar?pid={project.id}"}}


def render_fields(base: str, deployment: Deployment) -> list[dict[str, Any]]:
    """GET field: system fields, then the Xray custom fields."""
    out: list[dict[str, Any]] = []
    for fid, name, kind in SYSTEM_FIELDS:
        out.append({"id": fid, "key": fid, "name": name, "custom": False, "orderable": True,
                    "navigable": True, "searchable": True, "clauseNames": [fid],
                    "schema": {"type": kind, "system": fid}})
    for cf in XRAY_FIELDS:
        schema: dict[str, Any] = {"type": cf.schema_type, "custom": cf.custom,
                                  "customId": int(cf.id.rsplit("_", 1)[1])}
        if cf.items:
            schema["items"] = cf.items
        entry: dict[str, Any] = {
            "id": cf.id, "key": cf.id, "name": cf.name, "custom": True, "orderable": True,
            "navigable": True, "searchable": True,
            "clauseNames": [f"cf[{schema['customId']}]", cf.name], "schema": schema}
        out.append(entry)
    return out
