"""Jira statuses as a config names them: a name (any case), `id:10001`, or `category:done`.

A status's name can be renamed by an admin or shown in the user's language; its id and
its category's key (`new`, `indeterminate`, `done`: Jira's three categories) stay. So a
key may name the status by id or by category, and when several keys could match one
status, the most stable wins: the `id:` key first, then the `category:` key, then the
name. The one matcher of the product: the sync's `[workflow.on_status]` (pull and
webhooks alike) and the purge transition both go through `find_status` / `StatusSpec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from connector.errors import InvalidInput

CATEGORIES = ("new", "indeterminate", "done")
T = TypeVar("T")
SpecKind = Literal["id", "category", "name"]


@dataclass(frozen=True)
class StatusRef:
    """A status as Jira reports it: its name, and its id and category key when known."""

    name: str
    id: str = ""
    category: str = ""


@dataclass(frozen=True)
class StatusSpec:
    """One way of naming a status (see the module)."""

    kind: SpecKind
    value: str

    def matches(self, status: StatusRef) -> bool:
        """Whether `status` is the one named (a name in any case; an id exactly)."""
        if self.kind == "id":
            return bool(status.id) and status.id == self.value
        if self.kind == "category":
            return bool(status.category) and status.category.casefold() == self.value
        return status.name.strip().casefold() == self.value.casefold()


def parse_status_spec(text: str) -> StatusSpec:
    """`id:10001`, `category:done` or a status name; `InvalidInput` naming the rule when
    the id is empty or the category is not one of Jira's three."""
    prefix, sep, rest = text.partition(":")
    kind = prefix.strip().casefold()
    if sep and kind == "id":
        if not rest.strip():
            raise InvalidInput(f"{text!r}: `id:` needs a status id, e.g. id:10001 [status_spec]")
        return StatusSpec("id", rest.strip())
    if sep and kind == "category":
        value = rest.strip().casefold()
        if value not in CATEGORIES:
            raise InvalidInput(f"{text!r}: a status category is one of {', '.join(CATEGORIES)} "
                               "[status_spec]")
        return StatusSpec("category", value)
    if not text.strip():
        raise InvalidInput("a status name must not be empty [status_spec]")
    return StatusSpec("name", text.strip())


def find_status(table: Mapping[str, T], status: StatusRef) -> T | None:
    """The value of the key of `table` that names `status`: an `id:` key first, then a
    `category:` key, then the name; None when none does."""
    specs = [(parse_status_spec(key), value) for key, value in table.items()]
    for kind in ("id", "category", "name"):
        for spec, value in specs:
            if spec.kind == kind and spec.matches(status):
                return value
    return None
