"""How much of Jira Cloud's REST API the sandbox serves, per resource, from Atlassian's document.

    .venv/bin/python scripts/sandbox_coverage.py

A resource is an OpenAPI tag (Issues, Issue comments, ...); the sandbox claims a resource when
its Cloud deployment routes at least one of the tag's operations. For each claimed resource it
prints the operations served out of those documented, and the ones not served; the table goes
verbatim into docs/sandbox.md (a test keeps the two equal).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "data" / "third_party" / "specs" / "jira" / \
    "jira-cloud-platform-openapi-v3.json"
METHODS = ("get", "post", "put", "delete", "patch")


@dataclass
class Resource:
    """One OpenAPI tag: its documented operations and which of them the sandbox serves."""

    tag: str
    served: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def documented(self) -> int:
        """How many operations the document lists under the tag."""
        return len(self.served) + len(self.missing)


def shape(path: str) -> str:
    """A path with every `{parameter}` blanked, so templates compare whatever their names."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def served_operations() -> set[tuple[str, str]]:
    """(METHOD, shaped v3 path) of every route the Cloud sandbox serves."""
    sys.path.insert(0, str(ROOT))
    from sandbox.app import deployment_routes  # after the path is set

    found = set()
    for route in deployment_routes("cloud"):
        path = getattr(route, "path", "")
        for method in (getattr(route, "methods", None) or set()) - {"HEAD"}:
            found.add((method, shape(path.replace("{version}", "3"))))
    return found


def coverage(spec: dict[str, Any], served: set[tuple[str, str]]) -> list[Resource]:
    """The claimed resources, in the document's order of tags."""
    resources: dict[str, Resource] = {}
    for path, operations in spec["paths"].items():
        for method in METHODS:
            if method not in operations:
                continue
            name = f"{method.upper()} {path.removeprefix('/rest/api/3/')}"
            for tag in operations[method].get("tags", ["(untagged)"]):
                entry = resources.setdefault(tag, Resource(tag))
                chosen = entry.served if (method.upper(), shape(path)) in served else \
                    entry.missing
                chosen.append(name)
    return [r for r in resources.values() if r.served]


def table(resources: list[Resource], spec: dict[str, Any]) -> str:
    """The markdown table of docs/sandbox.md."""
    lines = ["| resource (OpenAPI tag) | served / documented | not served |", "|---|---|---|"]
    for entry in resources:
        missing = ", ".join(f"`{m}`" for m in entry.missing) or "-"
        lines.append(f"| {entry.tag} | {len(entry.served)} / {entry.documented} | {missing} |")
    served = sum(len(r.served) for r in resources)
    claimed = sum(r.documented for r in resources)
    everything = sum(1 for ops in spec["paths"].values() for m in METHODS if m in ops)
    lines.append(f"| **claimed resources** | **{served} / {claimed}** | |")
    lines.append(f"| whole document | {served} / {everything} | |")
    return "\n".join(lines)


def main() -> str:
    """The table for the repository's spec and sandbox."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    return table(coverage(spec, served_operations()), spec)


if __name__ == "__main__":
    print(main())
