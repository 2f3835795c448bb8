"""Xray's own door: on Cloud the API key (`POST /api/v2/authenticate` with the client id and
secret); on Server/DC the Xray REST API inside Jira (`GET /rest/raven/1.0/api/settings/
teststatuses`, in Xray's v1.0 collection), whose answer lists the run statuses Xray knows.
"""

from __future__ import annotations

from typing import Any

from connector.site.common import items, obj

DC_TEST_STATUSES = "/rest/raven/1.0/api/settings/teststatuses"


def read_test_statuses(body: Any) -> tuple[str, ...]:
    """`settings/teststatuses` -> the names of the test run statuses."""
    return tuple(str(obj(s, "a test status").get("name") or "")
                 for s in items(body, "the test statuses"))
