"""The store's errors: one root, one subclass per error code, each carrying its data.

    StoreError                 code, rule, message
     +-- NotFound              code "not_found"          (unknown id, user, workspace, version)
     +-- PermissionDenied      code "permission_denied"  (the rules table refused the actor)
     +-- Locked                code "locked"             (+ holder, since)
     +-- Conflict              code "conflict"           (stale row_version, a lost race)
     +-- Invalid               code "invalid"            (bad input: names, uploads, bundles)
     +-- Unavailable           code "unavailable"        (the database or the disk failed)

`code` is what the surfaces map to statuses and JSON (docs/design.md section 6), `rule` is
a short snake_case name of the rule that refused (`owner_only`, `locked_by_other`,
`name_too_long`, ...), `message` is one human line that ends with `[rule]`.  The
surfaces translate these once, at their boundary; wording beyond `message` lives there.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar


class StoreError(Exception):
    """Root of every error the store raises on purpose."""

    code: ClassVar[str] = "unavailable"

    def __init__(self, rule: str, message: str | None = None) -> None:
        self.rule = rule
        text = message if message is not None else rule.replace("_", " ")
        # the one line a user sees always names the rule that refused
        self.message = text if f"[{rule}]" in text else f"{text} [{rule}]"
        super().__init__(self.message)

    def to_json(self) -> dict[str, object]:
        """The error shape of docs/design.md section 6, plus the rule's name."""
        return {"error": {"code": self.code, "message": self.message, "rule": self.rule}}


class NotFound(StoreError):
    """Something named by the caller does not exist (or is hidden from the actor)."""

    code: ClassVar[str] = "not_found"


class PermissionDenied(StoreError):
    """The rules table refuses this operation to this actor."""

    code: ClassVar[str] = "permission_denied"


class Locked(StoreError):
    """The session is locked by someone else (or by Jira) and the operation needs it free."""

    code: ClassVar[str] = "locked"

    def __init__(
        self,
        rule: str,
        message: str | None = None,
        *,
        holder: str | None = None,
        since: datetime | None = None,
    ) -> None:
        super().__init__(rule, message)
        self.holder = holder
        self.since = since


class Conflict(StoreError):
    """A concurrent change won: the caller's view of the row is stale."""

    code: ClassVar[str] = "conflict"


class Invalid(StoreError):
    """The input breaks a rule (a name, an upload, a bundle); nothing was stored."""

    code: ClassVar[str] = "invalid"


class Unavailable(StoreError):
    """The database or the blob storage cannot serve the request right now."""

    code: ClassVar[str] = "unavailable"


ERROR_CODES: tuple[str, ...] = (
    NotFound.code,
    PermissionDenied.code,
    Locked.code,
    Conflict.code,
    Invalid.code,
    Unavailable.code,
)
