"""A readiness report: one `Check` per thing the sync needs, each with its fix when it fails.

    status  ok    the sync has what it needs
            warn  it works, but something will bite (named in `detail`)
            fail  the sync cannot work until `fix` is done
            skip  not checked, because a check it depends on failed
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    """The verdict on one thing: what was found (`detail`) and what to do (`fix`)."""

    name: str
    status: Status
    detail: str
    fix: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "detail": self.detail,
                "fix": self.fix, "data": self.data}


def ok(name: str, detail: str, **data: Any) -> Check:
    return Check(name, "ok", detail, None, data)


def warn(name: str, detail: str, fix: str, **data: Any) -> Check:
    return Check(name, "warn", detail, fix, data)


def fail(name: str, detail: str, fix: str, **data: Any) -> Check:
    return Check(name, "fail", detail, fix, data)


def skip(name: str, because: str) -> Check:
    return Check(name, "skip", f"not checked: {because}")


@dataclass(frozen=True)
class Report:
    """Every check, in the order they were made; ready when none failed or was skipped."""

    site: dict[str, str]
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(c.status in ("ok", "warn") for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"ready": self.ready, "site": self.site,
                "checks": [c.to_json() for c in self.checks]}
