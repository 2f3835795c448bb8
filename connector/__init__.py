"""The connector: Jira and Xray, Cloud and Data Center, over HTTP, with one retry layer.

The sync engine uses `Backend` (see `connector.base`), built by `make_backend`, and
`SessionPusher` to push a session within the request budget.
"""

from connector.base import (
    Backend,
    Evidence,
    IssueDraft,
    IssueRef,
    IssueSummary,
    LinkedIssue,
    MarkerHits,
    RemoteLinkSpec,
    RunRecord,
    RunStatus,
    TestRunState,
    TestSpec,
    Transition,
)
from connector.factory import make_backend
from connector.fake import FakeBackend
from connector.push import DefectSpec, PushedSession, SessionPush, SessionPusher
from connector.settings import ConnectorSettings, RateLimit, RetrySettings

__all__ = [
    "Backend",
    "ConnectorSettings",
    "DefectSpec",
    "Evidence",
    "FakeBackend",
    "IssueDraft",
    "IssueRef",
    "IssueSummary",
    "LinkedIssue",
    "MarkerHits",
    "PushedSession",
    "RateLimit",
    "RemoteLinkSpec",
    "RetrySettings",
    "RunRecord",
    "RunStatus",
    "SessionPush",
    "SessionPusher",
    "TestRunState",
    "TestSpec",
    "Transition",
    "make_backend",
]
