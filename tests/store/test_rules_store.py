"""The rules table of docs/design.md section 3, asked of the real store on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlmodel import col

from store.api import Store, StoreSettings
from store.db import make_engine, migrate
from store.errors import StoreError
from store.models import ExploratorySession
from tests.store.conftest import BACKENDS, Clock
from tests.store.rules_table import ACTOR_NAMES, OTHER_HOLDER, cases, expected, owner_for

SINCE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=BACKENDS)
def table_store(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store per backend for the whole table: each cell works on its own new session."""
    home = tmp_path_factory.mktemp("rules")
    if request.param == "sqlite":
        url = f"sqlite:///{home / 'store.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    migrate(engine)
    store = Store(engine, StoreSettings(home=home / "home"), clock=Clock())
    store.add_user("root", admin=True)
    for name in ("alice", "bob", "carol", "dave", "erin"):
        store.add_user(name)
    store.add_workspace(None, "qa-team", members=("alice", "bob", "dave"))
    yield store
    engine.dispose()


def _session(store: Store, mode: str, lock_holder: str | None, trashed: bool,
             owner: str = "alice") -> str:
    project = "QA" if mode == "xray" else None
    made = store.import_session("alice", "qa-team", io.BytesIO(b"content"), name="Cell",
                                mode=mode, project=project)
    values: dict[str, object] = {"lock_holder": lock_holder,
                                 "lock_since": SINCE if lock_holder else None,
                                 "lock_epoch": 1 if lock_holder else 0}
    if trashed:
        values["trashed_at"] = SINCE
    if owner != "alice":  # a former owner: erin owns it but is not a member of qa-team
        values["owner_id"] = store.get_user(owner).id
    with store.engine.begin() as conn:  # set the cell's state directly, not through the rules
        conn.execute(update(ExploratorySession).where(col(ExploratorySession.id) == made.id)
                     .values(**values))
    return made.id


def _operation(store: Store, op: str, actor: str, sid: str) -> Callable[[], object]:
    calls: dict[str, Callable[[], object]] = {
        "show": lambda: store.show(actor, sid),
        "history": lambda: store.history(actor, sid),
        "open": lambda: store.open(actor, sid),
        "close": lambda: store.close(actor, sid),
        "save": lambda: store.save(actor, sid, io.BytesIO(b"new content")),
        "duplicate": lambda: store.duplicate(actor, sid, "qa-team", "Copy"),
        "download": lambda: store.download(actor, sid),
        "rename": lambda: store.rename(actor, sid, "Renamed"),
        "unlock": lambda: store.unlock(actor, sid),
        "delete": lambda: store.delete(actor, sid),
        "move": lambda: store.move(actor, sid, "alice"),
        "revert": lambda: store.revert(actor, sid, 1),
        "restore": lambda: store.restore(actor, sid),
        "connect": lambda: store.connect(actor, sid, "QA"),
        "disconnect": lambda: store.disconnect(actor, sid),
        "archive": lambda: store.archive(actor, sid, "Test Execution moved to Done"),
        "reassign": lambda: store.reassign(actor, sid, "bob"),
        "sync": lambda: store.may_sync(actor, sid),
    }
    return calls[op]


@pytest.mark.parametrize(("op", "actor", "lock", "mode"), cases())
def test_store_keeps_rules_table_cell(table_store: Store, op: str, actor: str, lock: str,
                                      mode: str) -> None:
    """Each cell of the rules table is allowed or refused by the store with its exact code."""
    name = ACTOR_NAMES[actor]
    holder = {"none": None, "actor": name, "other": OTHER_HOLDER}[lock]
    sid = _session(table_store, mode, holder, trashed=op == "restore", owner=owner_for(actor))
    try:
        _operation(table_store, op, name, sid)()
        outcome = "ok"
    except StoreError as exc:
        outcome = exc.code
    assert outcome == expected(op, actor, lock, mode)
