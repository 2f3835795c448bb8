"""Our marker on every created issue: labels and an issue property naming the session.

Pure functions: build the marker for a create body, and read the session id back
from an issue's labels (search results carry labels, not properties).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from connector.errors import InvalidInput

PRODUCT_LABEL = "xray-sync"
SESSION_LABEL_PREFIX = "xs-"
PROPERTY_KEY = "xray-sync"
_SESSION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def check_session_id(session_id: str) -> str:
    """`session_id` if it can be part of a Jira label, else InvalidInput."""
    if not _SESSION_ID.fullmatch(session_id):
        raise InvalidInput(
            "a session id must be 1-100 lower-case letters, digits or '-' "
            "to be usable in a Jira label [label_safe_session_id]"
        )
    return session_id


def session_label(session_id: str) -> str:
    """The label naming one session: `xs-<session id>`."""
    return SESSION_LABEL_PREFIX + check_session_id(session_id)


def marker_labels(session_id: str) -> list[str]:
    """Both labels every created issue carries."""
    return [PRODUCT_LABEL, session_label(session_id)]


def marker_property(session_id: str, role: str) -> dict[str, object]:
    """The issue property (in a create body's `properties`) naming the session and role."""
    return {"key": PROPERTY_KEY, "value": {"session": check_session_id(session_id), "role": role}}


def session_from_labels(labels: Iterable[str]) -> str | None:
    """The session id in an issue's labels, or None when it carries no session label."""
    for label in labels:
        if label.startswith(SESSION_LABEL_PREFIX) and len(label) > len(SESSION_LABEL_PREFIX):
            return label[len(SESSION_LABEL_PREFIX) :]
    return None
