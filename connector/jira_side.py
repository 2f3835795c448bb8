"""The Jira half every real backend shares: bulk create, rename, remote link, search, read.

`JiraSide` speaks REST v3 (Cloud) or v2 (Data Center) through one `Channel`; the
search paging differs (Cloud `/search/jql` + `nextPageToken`, DC `/search` + `startAt`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, BinaryIO

from connector import payloads, readers
from connector.base import (
    IssueDraft,
    IssueRef,
    IssueSummary,
    LinkedIssue,
    MarkerHits,
    RemoteLinkSpec,
)
from connector.channel import Channel
from connector.errors import Rejected
from connector.markers import check_session_id
from connector.statuses import StatusRef, parse_status_spec

# How long the service user's time zone is trusted before `myself` is asked again: a
# pull round of every project shares one read, the next cycle reads it afresh.
ZONE_TTL_SECONDS = 60.0


class JiraSide:
    """Jira REST calls shared by the Cloud and Data Center backends."""

    def __init__(
        self, channel: Channel, jira_url: str, *, api_version: str,
        zone_ttl: float = ZONE_TTL_SECONDS, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel = channel
        self.jira_url = jira_url.rstrip("/")
        self.api_version = api_version
        self._zone_ttl = zone_ttl
        self._clock = clock
        self._zone: tuple[str, float] | None = None
        self._zone_lock = threading.Lock()

    def _url(self, path: str) -> str:
        return f"{self.jira_url}/rest/api/{self.api_version}/{path}"

    def create_issues(self, drafts: Sequence[IssueDraft]) -> tuple[IssueRef, ...]:
        """Create Test Executions and Bugs, 50 per bulk request, in order."""
        created: list[IssueRef] = []
        for start in range(0, len(drafts), payloads.BULK_LIMIT):
            chunk = drafts[start : start + payloads.BULK_LIMIT]
            body = {
                "issueUpdates": [
                    payloads.issue_create_body(d, api_version=self.api_version) for d in chunk
                ]
            }
            answer = self.channel.send_json(
                "POST", self._url("issue/bulk"), operation="create issues",
                idempotent=False, body=body,
            )
            created.extend(readers.read_bulk_created(answer, len(chunk)))
        return tuple(created)

    def update_fields(self, key: str, fields: dict[str, Any], operation: str) -> None:
        """PUT new field values on one issue (idempotent)."""
        self.channel.send(
            "PUT", self._url(f"issue/{key}"), operation=operation, idempotent=True,
            body={"fields": fields},
        )

    def update_summary(self, key: str, summary: str) -> None:
        """Rename an issue."""
        self.update_fields(key, {"summary": summary}, "rename issue")

    def add_remote_link(self, key: str, link: RemoteLinkSpec) -> None:
        """Link to the console; the globalId makes a repeat an update, so it may be retried."""
        body = payloads.remote_link_body(check_session_id(link.session_id), link.url, link.title)
        self.channel.send(
            "POST", self._url(f"issue/{key}/remotelink"), operation="add remote link",
            idempotent=True, body=body,
        )

    def attach_file(
        self, key: str, filename: str, content_type: str, open_file: Callable[[], BinaryIO]
    ) -> str:
        """Attach a file to an issue, streamed (never whole in memory); returns its id."""
        answer = self.channel.send_file(
            self._url(f"issue/{key}/attachments"), operation="attach file",
            open_file=open_file, filename=filename, content_type=content_type,
        )
        return readers.read_attachment_id(answer)

    def get_issue(self, key: str) -> IssueSummary:
        """One issue's summary, status, updated, labels and type."""
        answer = self.channel.send_json(
            "GET", self._url(f"issue/{key}"), operation="read issue", idempotent=True,
            params={"fields": payloads.ISSUE_FIELDS},
        )
        return readers.read_issue(answer)

    def search_changed(
        self, project: str, since: datetime, issue_types: Sequence[str] = ()
    ) -> tuple[IssueSummary, ...]:
        """Our issues (of `issue_types`, when given) updated since `since` (minute
        precision: the window overlaps)."""
        jql = payloads.jql_changed(project, since, issue_types, self.user_time_zone())
        return tuple(readers.read_issue(hit) for hit in self._search(jql, payloads.SEARCH_FIELDS))

    def list_linked(
        self, project: str, issue_types: Sequence[str] = ()
    ) -> tuple[LinkedIssue, ...]:
        """The cheap listing: every marked issue (of `issue_types`), keys and updated only."""
        jql = payloads.jql_linked(project, issue_types)
        return tuple(readers.read_linked(hit) for hit in self._search(jql, payloads.LISTING_FIELDS))

    def transition_issue(self, key: str, name: str) -> None:
        """Move the issue through the transition named (or leading to) `name`."""
        answer = self.channel.send_json(
            "GET", self._url(f"issue/{key}/transitions"), operation="list transitions",
            idempotent=True,
        )
        transitions = readers.read_transitions(answer)
        chosen = payloads.pick_transition(transitions, name)
        if chosen is None:
            issue = self.get_issue(key)
            status = issue.status
            here = StatusRef(issue.status, issue.status_id, issue.status_category)
            if parse_status_spec(name).matches(here):
                return  # already there (an earlier attempt whose answer was lost)
            offered = ", ".join(f"{t.name} -> {t.to}" for t in transitions) or "none"
            raise Rejected(
                f"issue {key} in status {status!r} has no transition to {name!r} "
                f"(offered: {offered}) [transition_available]"
            )
        self.channel.send(
            "POST", self._url(f"issue/{key}/transitions"), operation="transition issue",
            idempotent=False, body={"transition": {"id": chosen.id}},
        )

    def add_comment(self, key: str, text: str) -> None:
        """Comment on the issue (ADF on REST v3, a plain string on v2)."""
        self.channel.send_json(
            "POST", self._url(f"issue/{key}/comment"), operation="add comment",
            idempotent=False, body=payloads.comment_body(text, api_version=self.api_version),
        )

    def user_time_zone(self) -> str:
        """The service user's time zone (`GET myself` -> `timeZone`), in which Jira reads
        absolute JQL dates; read again once older than the zone TTL (1 request then)."""
        with self._zone_lock:
            now = self._clock()
            if self._zone is None or now - self._zone[1] >= self._zone_ttl:
                answer = self.channel.send_json(
                    "GET", self._url("myself"), operation="read the user's time zone",
                    idempotent=True,
                )
                self._zone = (readers.read_time_zone(answer), now)
            return self._zone[0]

    def ping(self, timeout: float) -> None:
        """`GET myself` once, within `timeout`: does Jira answer and accept us?"""
        self.channel.probe(self._url("myself"), operation="reach Jira", timeout=timeout)

    def find_by_marker(self, session_id: str) -> MarkerHits:
        """Everything created for `session_id`, sorted by role (issue type)."""
        hits = self._search(payloads.jql_marker(session_id), payloads.SEARCH_FIELDS)
        found = [readers.read_issue(hit) for hit in hits]
        mine = [issue for issue in found if issue.session_id == session_id]

        def of(kind: str) -> tuple[IssueSummary, ...]:
            return tuple(i for i in mine if i.issue_type == kind)

        return MarkerHits(
            tests=of(payloads.ISSUE_TYPES["test"]),
            executions=of(payloads.ISSUE_TYPES["execution"]),
            defects=of(payloads.ISSUE_TYPES["defect"]),
        )

    def _search(self, jql: str, fields: str) -> Iterator[dict[str, Any]]:
        pages = self._cloud_pages if self.api_version == "3" else self._dc_pages
        for page in pages(jql, fields):
            yield from page.issues

    def _cloud_pages(self, jql: str, fields: str) -> Iterator[readers.SearchPage]:
        token: str | None = None
        while True:
            params = {"jql": jql, "fields": fields, "maxResults": str(payloads.PAGE_SIZE)}
            if token:
                params["nextPageToken"] = token
            page = self._page("search/jql", params, readers.read_cloud_search_page)
            yield page
            if page.next_token is None or page.next_token == token:
                return
            token = page.next_token

    def _dc_pages(self, jql: str, fields: str) -> Iterator[readers.SearchPage]:
        start = 0
        while True:
            params = {"jql": jql, "fields": fields, "maxResults": str(payloads.PAGE_SIZE),
                      "startAt": str(start)}
            page = self._page("search", params, readers.read_dc_search_page)
            yield page
            if page.next_start is None or page.next_start <= start:
                return
            start = page.next_start

    def _page(
        self, path: str, params: dict[str, str], read: Callable[[Any], readers.SearchPage]
    ) -> readers.SearchPage:
        answer = self.channel.send_json(
            "GET", self._url(path), operation="search issues", idempotent=True, params=params
        )
        return read(answer)
