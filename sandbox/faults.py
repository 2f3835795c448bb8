"""Fault injection: rules that make chosen requests slow, fail, vanish or lose their answer.

A rule targets a method and a path pattern (a regular expression searched in the path)
and fires for the next `count` matching requests, or for a `fraction` of them.
Kinds:
    latency        wait `latency_ms` more, then answer normally
    status         answer `status` (500/502/503/429...), optional Retry-After; nothing applied
    drop           close the connection without any answer; nothing applied
    lost_response  apply the request, then close the connection without the answer
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.errors import BadRequest

FaultKind = Literal["latency", "status", "drop", "lost_response"]
KINDS: tuple[str, ...] = ("latency", "status", "drop", "lost_response")


@dataclass
class FaultRule:
    """One fault rule; `count` None with `fraction` None means every matching request."""

    kind: FaultKind
    method: str = "*"
    path: str = ""
    count: int | None = 1
    fraction: float | None = None
    status: int = 503
    retry_after: str | None = None
    latency_ms: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule targets this request."""
        return self.method in ("*", method.upper()) and re.search(self.path, path) is not None

    def as_json(self) -> dict[str, Any]:
        """The rule as `GET /_sandbox/state` shows it."""
        return dict(self.__dict__)


def rule_from_json(data: Any) -> FaultRule:
    """A rule from the JSON of `POST /_sandbox/faults`, checked."""
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        raise BadRequest(f"A fault needs 'kind', one of {', '.join(KINDS)}.")
    allowed = set(FaultRule.__dataclass_fields__)
    unknown = set(data) - allowed
    if unknown:
        raise BadRequest(f"Unknown fault keys: {', '.join(sorted(unknown))}.")
    rule = FaultRule(**data)
    if rule.retry_after is not None:
        rule.retry_after = str(rule.retry_after)
    if rule.fraction is not None and not 0 <= rule.fraction <= 1:
        raise BadRequest("A fault's fraction must be between 0 and 1.")
    if rule.kind == "status" and not 400 <= rule.status <= 599:
        raise BadRequest("A status fault needs a 4xx or 5xx status.")
    try:
        re.compile(rule.path)
    except re.error as exc:
        raise BadRequest(f"A fault's path must be a regular expression: {exc}") from None
    return rule


class Faults:
    """The active fault rules of a sandbox (thread-safe)."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)  # noqa: S311 - fault sampling, not security

    def add(self, kind: FaultKind, *, method: str = "*", path: str = "", count: int | None = 1,
            fraction: float | None = None, status: int = 503, retry_after: str | int | None = None,
            latency_ms: float = 0.0) -> FaultRule:
        """Adds a rule (see the module docstring) and returns it."""
        rule = rule_from_json({
            "kind": kind, "method": method.upper(), "path": path, "count": count,
            "fraction": fraction, "status": status, "retry_after": retry_after,
            "latency_ms": latency_ms})
        with self._lock:
            self._rules.append(rule)
        return rule

    def add_rule(self, rule: FaultRule) -> None:
        """Adds an already checked rule."""
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        """Removes every rule."""
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        """The active rules."""
        with self._lock:
            return list(self._rules)

    def draw(self, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this request, using up counted ones."""
        fired = []
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(method, path):
                    continue
                if rule.fraction is not None:
                    if self._random.random() < rule.fraction:
                        fired.append(rule)
                    continue
                fired.append(rule)
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
        return fired
