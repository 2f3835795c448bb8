"""What changed between two versions of an issue, as Jira's changelog items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox import catalog
from sandbox.adf import adf_to_text
from sandbox.model import Issue


def changelog(before: Issue, after: Issue, deployment: str,
              status_names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The changelog items between two versions of an issue (fieldId on Cloud only); a
    status by id (`from`/`to`) and by the name the site shows (`status_names`)."""
    items = []
    pairs: list[tuple[str, str, Any, Any, str | None, str | None]] = [
        ("summary", "jira", None, None, before.summary, after.summary),
        ("description", "jira", None, None, adf_to_text(before.description),
         adf_to_text(after.description)),
        ("labels", "jira", None, None, " ".join(before.labels), " ".join(after.labels)),
        ("status", "jira", catalog.STATUSES[before.status].id,
         catalog.STATUSES[after.status].id, catalog.shown_name(before.status, status_names),
         catalog.shown_name(after.status, status_names)),
    ]
    for name, kind, old_id, new_id, old, new in pairs:
        if old == new:
            continue
        item: dict[str, Any] = {"field": name, "fieldtype": kind, "from": old_id,
                                "fromString": old or None, "to": new_id, "toString": new or None}
        if deployment == "cloud":
            item["fieldId"] = name
        items.append(item)
    return items
