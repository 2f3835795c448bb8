"""The panel's listing (filters, sort by any column, keyset pagination) and `show`.

A cursor is opaque to callers: base64 of the sort it belongs to and the last row's
(sort value, id), so a page continues exactly after the previous one even while rows
are being added.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, literal, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from store.context import Ctx, authorize
from store.errors import Invalid, NotFound, PermissionDenied
from store.models import ExploratorySession, JiraLink, Membership, Mode, Role, User, Workspace
from store.rows import session_out, workspace_named
from store.rules import Operation
from store.validation import choice
from store.views import LinkOut, LockOut, SessionOut, SessionPage, SessionQuery

S = ExploratorySession
Owner = aliased(User, name="owner")
MAX_LIMIT = 500
SORTABLE: dict[str, Any] = {
    "name": col(S.name),
    "type": col(S.type),
    "mode": col(S.mode),
    "modified": col(S.modified),
    "created": col(S.created),
    "size": col(S.size),
    "owner": col(Owner.name),
    "workspace": col(Workspace.name),
    "id": col(S.id),
}


def show(ctx: Ctx, actor: str, session_id: str) -> SessionOut:
    """One session, for members of its workspace and admins."""
    ok = authorize(ctx, actor, session_id, Operation.SHOW)
    return session_out(ctx.db, ok.row)


def _sort(sort: str) -> tuple[str, bool]:
    field = sort[1:] if sort.startswith("-") else sort
    if field not in SORTABLE:
        raise Invalid("sort_field_unknown",
                      f"cannot sort by {field!r}; use one of {', '.join(SORTABLE)} "
                      "[sort_field_unknown]")
    return field, sort.startswith("-")


def encode_cursor(sort: str, value: object, last_id: str) -> str:
    """The opaque cursor after a row whose sort value is `value` and id `last_id`."""
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, last_id]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_cursor(cursor: str, sort: str, field: str) -> tuple[object, str]:
    """The (sort value, id) a cursor names; `invalid` (rule `cursor_invalid`) if it is not ours."""
    try:
        raw_sort, value, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        if raw_sort != sort or not isinstance(last_id, str):
            raise ValueError("cursor of another listing")
        value = _cursor_value(field, value)
    except (ValueError, TypeError, UnicodeError, binascii.Error, RecursionError) as exc:
        raise Invalid("cursor_invalid",
                      "the cursor does not belong to this listing [cursor_invalid]") from exc
    return value, last_id


MAX_SIZE = 2**63 - 1  # the size column's range on both databases


def _cursor_value(field: str, value: object) -> object:
    """The sort value a cursor carries, if it is of the field's kind; ValueError otherwise."""
    if field in ("modified", "created"):
        if not isinstance(value, str):
            raise ValueError("a date cursor holds a string")
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a date cursor names its time zone")
        return moment
    if field == "size":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SIZE:
            raise ValueError("a size cursor holds a size")
        return value
    if not isinstance(value, str):
        raise ValueError("a name cursor holds a string")
    return value


def _after(column: Any, descending: bool, value: object, last_id: str) -> ColumnElement[bool]:
    # a row-value comparison, which both databases answer from the (column, id) index
    here, bound = tuple_(column, col(S.id)), tuple_(literal(value, column.type), literal(last_id))
    return here < bound if descending else here > bound


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class _Who:
    id: int
    role: str


def _users(db: Session, names: set[str]) -> dict[str, _Who]:
    """Ids and roles of the named users, in one light query (the listing's hot path)."""
    users = User.__table__  # type: ignore[attr-defined]
    rows = db.connection().execute(
        sa_select(users.c.name, users.c.id, users.c.role).where(users.c.name.in_(names))
    ).all()
    return {r.name: _Who(id=r.id, role=r.role) for r in rows}


def _known(found: dict[str, _Who], name: str) -> _Who:
    if name not in found:
        raise NotFound("unknown_user", f"no user is called {name!r} [unknown_user]")
    return found[name]


def _filters(db: Session, user: _Who, owner: _Who | None,
             query: SessionQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        col(S.trashed_at).is_not(None) if query.trashed else col(S.trashed_at).is_(None)
    ]
    if query.workspace is not None:
        workspace = workspace_named(db, query.workspace)
        assert workspace.id is not None
        if user.role != Role.ADMIN and db.get(Membership, (workspace.id, user.id)) is None:
            raise PermissionDenied("members_only", f"you are not a member of {workspace.name!r} "
                                   "[members_only]")
        where.append(col(S.workspace_id) == workspace.id)
    elif user.role != Role.ADMIN:
        mine = select(Membership.workspace_id).where(Membership.user_id == user.id)
        where.append(col(S.workspace_id).in_(mine))
    if query.type is not None:
        where.append(col(S.type) == choice(query.type, ("session", "charter"),
                                           rule="type_unknown", what="type"))
    if query.mode is not None:
        where.append(col(S.mode) == choice(query.mode, ("standalone", "xray"),
                                           rule="mode_unknown", what="mode"))
    if owner is not None:
        where.append(col(S.owner_id) == owner.id)
    if query.name:
        pattern = f"%{_escape_like(query.name.strip())}%"
        where.append(col(S.name).ilike(pattern, escape="\\"))
    return where


def list_sessions(ctx: Ctx, actor: str, query: SessionQuery) -> SessionPage:
    """A page of the sessions the actor may see, filtered and sorted."""
    found = _users(ctx.db, {actor} | ({query.owner} if query.owner is not None else set()))
    user = _known(found, actor)
    owner = _known(found, query.owner) if query.owner is not None else None
    field, descending = _sort(query.sort)
    if not isinstance(query.limit, int) or not 1 <= query.limit <= MAX_LIMIT:
        raise Invalid("limit_out_of_range",
                      f"the limit is between 1 and {MAX_LIMIT} [limit_out_of_range]")
    column = SORTABLE[field]
    where = _filters(ctx.db, user, owner, query)
    if query.cursor:
        value, last_id = decode_cursor(query.cursor, query.sort, field)
        where.append(_after(column, descending, value, last_id))
    order = [column.desc(), col(S.id).desc()] if descending else [column, col(S.id)]
    # plain columns, not ORM entities: a page is read-only and this is the hot path
    statement = (
        sa_select(*_SESSION_COLUMNS, col(Owner.name).label("owner_name"),
                  col(Workspace.name).label("workspace_name"), *_LINK_COLUMNS)
        .join(Owner, col(Owner.id) == col(S.owner_id))
        .join(Workspace, col(Workspace.id) == col(S.workspace_id))
        .outerjoin(JiraLink, col(JiraLink.session_id) == col(S.id))
        .where(*where).order_by(*order).limit(query.limit + 1)
    )
    rows = ctx.db.connection().execute(statement).all()
    page, more = rows[: query.limit], len(rows) > query.limit
    items = [_view(r._mapping) for r in page]
    cursor = None
    if more and items:
        last = items[-1]
        value = {"owner": last.owner, "workspace": last.workspace}.get(field,
                                                                        getattr(last, field))
        cursor = encode_cursor(query.sort, value, last.id)
    return SessionPage(items=items, next_cursor=cursor)


_SESSION_TABLE = ExploratorySession.__table__  # type: ignore[attr-defined]
_SESSION_COLUMNS = list(_SESSION_TABLE.c)
_LINK_COLUMNS = [c.label(f"link_{c.name}") for c in JiraLink.__table__.c  # type: ignore[attr-defined]
                 if c.name != "session_id"]


def _view(m: Any) -> SessionOut:
    lock = None
    if m["lock_holder"] is not None:
        lock = LockOut(holder=m["lock_holder"], since=m["lock_since"], epoch=m["lock_epoch"],
                       reason=m["lock_reason"])
    link = None
    if m["mode"] == Mode.XRAY and m["link_project"] is not None:
        link = LinkOut(project=m["link_project"], test_execution=m["link_test_execution"],
                       test=m["link_test"], test_run=m["link_test_run"], state=m["link_state"],
                       last_synced=m["link_last_synced"], error=m["link_error"],
                       conflict_note=m["link_conflict_note"])
    return SessionOut(
        id=m["id"], name=m["name"], type=m["type"], mode=m["mode"],
        workspace=m["workspace_name"], owner=m["owner_name"], size=m["size"],
        created=m["created"], modified=m["modified"], digest=m["digest"], version=m["version"],
        row_version=m["row_version"], trashed_at=m["trashed_at"], lock=lock, link=link,
    )
