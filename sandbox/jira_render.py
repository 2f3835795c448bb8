"""Renders issues and their parts as Jira returns them, per deployment and REST version."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox import catalog
from sandbox.adf import adf_to_html, adf_to_text
from sandbox.model import Attachment, Comment, Issue, IssueLink, RemoteLink
from sandbox.options import Deployment
from sandbox.timefmt import jira_timestamp
from sandbox.users import ADMIN, TESTER, SandboxUser, render_user, user_named

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
# The navigable and full field sets of a real Jira 8.20.7 issue (fixtures/rest captures).
NAVIGABLE = (
    "summary", "description", "labels", "issuetype", "project", "status", "created", "updated",
    "reporter", "creator", "assignee", "priority", "resolution", "resolutiondate", "issuelinks",
    "subtasks", "components", "fixVersions", "versions", "duedate", "environment", "lastViewed",
    "progress", "aggregateprogress", "timeestimate", "timeoriginalestimate", "timespent",
    "aggregatetimeestimate", "aggregatetimeoriginalestimate", "aggregatetimespent", "votes",
    "watches", "workratio", *(f.id for f in catalog.XRAY_FIELDS),
)
ALL_FIELDS = (*NAVIGABLE, "attachment", "comment", "worklog", "timetracking", "archivedby",
              "archiveddate")
DC_ONLY = {"archivedby", "archiveddate"}
EMPTY_FIELDS: dict[str, Any] = {  # fields the sandbox never fills (no time tracking etc.)
    "components": [], "fixVersions": [], "versions": [], "subtasks": [], "duedate": None,
    "environment": None, "lastViewed": None, "timeestimate": None, "timeoriginalestimate": None,
    "timespent": None, "aggregatetimeestimate": None, "aggregatetimeoriginalestimate": None,
    "aggregatetimespent": None, "workratio": -1, "archivedby": None, "archiveddate": None,
    "timetracking": {},
}

LINK_TYPES: dict[str, tuple[str, str, str]] = {  # name -> (id, inward, outward)
    "Relates": ("10000", "relates to", "relates to"),
    "Blocks": ("10001", "is blocked by", "blocks"),
    "Defect": ("10002", "created by", "created"),
    "Test": ("10003", "is tested by", "tests"),
}


@dataclass(frozen=True)
class View:
    """Who is looking: the base URL, the REST version and the deployment."""

    base: str
    version: int  # 2 or 3
    deployment: Deployment
    email: str
    project_key: str
    project_name: str
    actor: SandboxUser = ADMIN  # who is asking
    tester_email: str = "tester@example.com"
    second_key: str = "DEMO"
    second_name: str = "Demonstration"
    status_names: Mapping[str, str] = field(default_factory=dict)  # renamed statuses

    @property
    def projects(self) -> tuple[catalog.Project, ...]:
        """The seeded projects."""
        return catalog.seeded_projects((self.project_key, self.project_name),
                                       (self.second_key, self.second_name))

    def project(self, key_or_id: str) -> catalog.Project | None:
        """The project with this key or id, if any."""
        for found in self.projects:
            if key_or_id in (found.key, found.id):
                return found
        return None

    @property
    def api(self) -> str:
        """The REST prefix of `self` links."""
        return f"/rest/api/{self.version}"

    def body(self, doc: dict[str, Any] | None) -> Any:
        """A rich-text value: ADF on v3, plain text on v2."""
        if doc is None:
            return None
        return doc if self.version == 3 else adf_to_text(doc)

    def user(self, who: SandboxUser | str | None = None) -> dict[str, Any]:
        """A user (by default the one asking) in this view."""
        found = user_named(who) if isinstance(who, str) else who
        chosen = found or self.actor
        email = self.tester_email if chosen is TESTER else self.email
        return render_user(chosen, email, self.base, self.api, self.deployment)

    def may_see(self, visibility: dict[str, str] | None) -> bool:
        """Whether the asker is in the role or group an item is restricted to."""
        return visibility is None or self.actor.member_of(visibility["type"],
                                                          visibility["value"])

    def issue_self(self, issue_id: int) -> str:
        """An issue's `self` URL."""
        return f"{self.base}{self.api}/issue/{issue_id}"


def wanted_fields(spec: str | None, default: tuple[str, ...]) -> list[str]:
    """Reads a `fields=` parameter (`*all`, `*navigable`, names, `-name`) into field ids."""
    if spec is None:
        return list(default)
    chosen: list[str] = []
    excluded: set[str] = set()
    for raw in (part.strip() for part in spec.split(",")):
        if raw == "*all":
            chosen.extend(ALL_FIELDS)
        elif raw == "*navigable":
            chosen.extend(NAVIGABLE)
        elif raw.startswith("-"):
            excluded.add(raw[1:])
        elif raw and raw not in ("id", "key", "*none"):
            chosen.append(raw)
    return [f for f in dict.fromkeys(chosen) if f not in excluded]


def render_attachment(item: Attachment, view: View) -> dict[str, Any]:
    """An attachment as issue fields and POST attachments return it."""
    return {
        "self": f"{view.base}{view.api}/attachment/{item.id}", "id": str(item.id),
        "filename": item.filename, "author": view.user(), "created": jira_timestamp(item.created),
        "size": item.size, "mimeType": item.mime_type,
        "content": f"{view.base}/secure/attachment/{item.id}/{item.filename}",
    }


def render_comment(item: Comment, issue: Issue, view: View,
                   rendered: bool = False) -> dict[str, Any]:
    """A comment, its body in the view's format (and as HTML when `rendered`)."""
    body: dict[str, Any] = {
        "self": f"{view.base}{view.api}/issue/{issue.id}/comment/{item.id}", "id": str(item.id),
        "author": view.user(item.author), "body": view.body(item.body),
        "updateAuthor": view.user(item.update_author),
        "created": jira_timestamp(item.created), "updated": jira_timestamp(item.updated),
    }
    if rendered:
        body["renderedBody"] = adf_to_html(item.body)
    if item.visibility is not None:
        body["visibility"] = dict(item.visibility)
    if view.deployment == "cloud":
        body["jsdPublic"] = True
    return body


def visible_comments(issue: Issue, view: View) -> list[Comment]:
    """The issue's comments the asker may see (restricted ones only by their role or group)."""
    return [c for c in issue.comments if view.may_see(c.visibility)]


def render_remote_link(item: RemoteLink, issue: Issue, view: View) -> dict[str, Any]:
    """A remote link as GET remotelink returns it."""
    body: dict[str, Any] = {
        "id": item.id, "self": f"{view.base}{view.api}/issue/{issue.key}/remotelink/{item.id}",
        "application": item.application, "object": item.object,
    }
    if item.global_id is not None:
        body["globalId"] = item.global_id
    if item.relationship is not None:
        body["relationship"] = item.relationship
    return body


def render_link(link: IssueLink, issue: Issue, other: Issue, view: View) -> dict[str, Any]:
    """An issue link seen from `issue`, pointing at `other`."""
    type_id, inward, outward = LINK_TYPES[link.type_name]
    side = "outwardIssue" if link.inward_id == issue.id else "inwardIssue"
    status = catalog.STATUSES[other.status]
    return {
        "id": str(link.id), "self": f"{view.base}{view.api}/issueLink/{link.id}",
        "type": {"id": type_id, "name": link.type_name, "inward": inward, "outward": outward,
                 "self": f"{view.base}{view.api}/issueLinkType/{type_id}"},
        side: {"id": str(other.id), "key": other.key, "self": view.issue_self(other.id),
               "fields": {"summary": other.summary,
                          "status": catalog.render_status(status, view.base, view.api,
                                                          view.status_names)}},
    }


LinkLookup = Callable[[Issue], list[dict[str, Any]]]


def field_value(issue: Issue, name: str, view: View, links: LinkLookup) -> Any:
    """The value of one field of an issue in this view."""
    kind = catalog.issue_type_by(issue.type_name)
    status = catalog.STATUSES[issue.status]
    simple: dict[str, Callable[[], Any]] = {
        "summary": lambda: issue.summary,
        "description": lambda: view.body(issue.description),
        "labels": lambda: list(issue.labels),
        "issuetype": lambda: catalog.render_issue_type(kind, view.base, view.api, view.deployment)
        if kind else None,
        "project": lambda: catalog.render_project_ref(
            view.project(issue.project_key) or view.projects[0], view.base, view.api),
        "status": lambda: catalog.render_status(status, view.base, view.api, view.status_names),
        "created": lambda: jira_timestamp(issue.created),
        "updated": lambda: jira_timestamp(issue.updated),
        "reporter": lambda: view.user(issue.reporter),
        "creator": lambda: view.user(issue.reporter),
        "assignee": lambda: view.user(issue.assignee) if issue.assignee else None,
        "priority": lambda: catalog.render_priority(catalog.priority_by(issue.priority),
                                                    view.base, view.api, full=False),
        "resolution": lambda: _resolution(issue, view),
        "issuelinks": lambda: links(issue),
        "attachment": lambda: [render_attachment(a, view) for a in issue.attachments],
        "watches": lambda: {"self": f"{view.base}{view.api}/issue/{issue.key}/watchers",
                            "watchCount": len(issue.watchers),
                            "isWatching": view.actor.name in issue.watchers},
        "votes": lambda: {"self": f"{view.base}{view.api}/issue/{issue.key}/votes",
                          "votes": len(issue.voters),
                          "hasVoted": view.actor.name in issue.voters},
        "progress": lambda: {"progress": 0, "total": 0},
        "aggregateprogress": lambda: {"progress": 0, "total": 0},
        "resolutiondate": lambda: jira_timestamp(issue.updated)
        if catalog.STATUSES[issue.status].category_key == "done" else None,
        "worklog": lambda: {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
        "comment": lambda: _comment_field(issue, view),
    }
    if name in simple:
        return simple[name]()
    if name in EMPTY_FIELDS:
        return copy.copy(EMPTY_FIELDS[name])
    return issue.custom.get(name)


def _comment_field(issue: Issue, view: View) -> dict[str, Any]:
    shown = visible_comments(issue, view)
    return {"comments": [render_comment(c, issue, view) for c in shown],
            "self": f"{view.base}{view.api}/issue/{issue.id}/comment",
            "maxResults": len(shown), "total": len(shown), "startAt": 0}


def _resolution(issue: Issue, view: View) -> dict[str, Any] | None:
    found = catalog.RESOLVED_BY.get(issue.status)
    if found is None:
        return None
    chosen = next(r for r in catalog.RESOLUTIONS if r.id == found)
    return catalog.render_resolution(chosen, view.base, view.api, view.deployment)


def render_issue(issue: Issue, view: View, fields: list[str], links: LinkLookup,
                 expand: set[str] | None = None) -> dict[str, Any]:
    """An issue with the named fields (unknown names are left out, as Jira does)."""
    known = set(ALL_FIELDS) - (DC_ONLY if view.deployment == "cloud" else set())
    body: dict[str, Any] = {
        "expand": ISSUE_EXPAND, "id": str(issue.id), "self": view.issue_self(issue.id),
        "key": issue.key,
        "fields": {name: field_value(issue, name, view, links) for name in fields
                   if name in known},
    }
    expand = expand or set()
    if "names" in expand:
        names = {f["id"]: f["name"] for f in catalog.render_fields(view.base, view.deployment)}
        body["names"] = {name: names.get(name, name) for name in body["fields"]}
    if "schema" in expand:
        schemas = {f["id"]: f["schema"] for f in catalog.render_fields(view.base, view.deployment)}
        body["schema"] = {name: schemas[name] for name in body["fields"] if name in schemas}
    if "transitions" in expand:
        body["transitions"] = render_transitions(issue, view)
    if "changelog" in expand:
        histories = render_histories(issue, view)
        body["changelog"] = {"startAt": 0, "maxResults": len(histories),
                             "total": len(histories), "histories": histories}
    if "renderedFields" in expand:
        body["renderedFields"] = {}
    return body


def render_histories(issue: Issue, view: View) -> list[dict[str, Any]]:
    """The issue's changelog histories, oldest first."""
    # ChangeDetails' strings are not nullable in the OpenAPI: unset ones are left out.
    return [{"id": str(history_id), "author": view.user(), "created": jira_timestamp(at),
             "items": [{k: v for k, v in item.items() if v is not None} for item in items]}
            for history_id, at, items in issue.history]


def render_transitions(issue: Issue, view: View) -> list[dict[str, Any]]:
    """The transitions available from the issue's status."""
    out = []
    for transition_id in catalog.WORKFLOW[issue.status]:
        target = catalog.STATUSES[catalog.TRANSITION_IDS[transition_id]]
        out.append({
            "id": transition_id, "name": catalog.shown_name(target.name, view.status_names),
            "to": catalog.render_status(target, view.base, view.api, view.status_names),
            "hasScreen": False, "isGlobal": False, "isInitial": False,
            "isAvailable": True, "isConditional": False, "isLooped": False,
        })
    return out
