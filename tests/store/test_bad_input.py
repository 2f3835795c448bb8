"""Bad input is refused with the rule it breaks, and the store is left exactly as it was."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from store.api import Store
from store.errors import StoreError
from store.views import SessionQuery
from tests.store.conftest import World, dump

LONG = "x" * 256
BAD_NAMES = [
    ("", "name_empty"),
    ("   \t ", "name_empty"),
    (LONG, "name_too_long"),
    ("bad\x00name", "name_control_characters"),
    ("line\nbreak", "name_control_characters"),
    ("bell\x07", "name_control_characters"),
    ("bidi\u202etrick", "name_control_characters"),
]


def _refused(store: Store, call: Callable[[], object]) -> StoreError:
    before = dump(store)
    with pytest.raises(StoreError) as refused:
        call()
    assert dump(store) == before
    return refused.value


@pytest.mark.parametrize(("name", "rule"), BAD_NAMES)
def test_rename_refuses_bad_name(world: World, name: str, rule: str) -> None:
    """A rename to an invalid name is `invalid`, names its rule, and changes nothing."""
    error = _refused(world.store, lambda: world.store.rename("alice", world.session.id, name))
    assert (error.code, error.rule) == ("invalid", rule)
    assert f"[{rule}]" in error.message


@pytest.mark.parametrize(("name", "rule"), BAD_NAMES)
def test_import_refuses_bad_name(world: World, name: str, rule: str) -> None:
    """An import with an invalid name is refused before anything, blob included, is stored."""
    error = _refused(world.store, lambda: world.upload(name=name))
    assert (error.code, error.rule) == ("invalid", rule)


@pytest.mark.parametrize(("name", "rule"), BAD_NAMES)
def test_duplicate_refuses_bad_name(world: World, name: str, rule: str) -> None:
    """Duplicating under an invalid name changes nothing."""
    error = _refused(world.store,
                     lambda: world.store.duplicate("alice", world.session.id, "alice", name))
    assert (error.code, error.rule) == ("invalid", rule)


@pytest.mark.parametrize(("name", "rule"), BAD_NAMES)
def test_user_and_workspace_refuse_bad_name(store: Store, name: str, rule: str) -> None:
    """Users and workspaces follow the same naming rules."""
    store.add_user("alice", admin=True)
    assert _refused(store, lambda: store.add_user(name, actor="alice")).rule == rule
    assert _refused(store, lambda: store.add_workspace("alice", name)).rule == rule


def test_name_of_255_characters_is_accepted(world: World) -> None:
    """255 characters is the longest name allowed, and it is kept whole."""
    renamed = world.store.rename("alice", world.session.id, "y" * 255)
    assert renamed.name == "y" * 255


def test_name_is_stripped(world: World) -> None:
    """Blanks around a name are not part of it."""
    assert world.store.rename("alice", world.session.id, "  Trimmed  ").name == "Trimmed"


UNKNOWN_ID = "0" * 32


@pytest.mark.parametrize("call", [
    lambda s: s.show("alice", UNKNOWN_ID),
    lambda s: s.open("alice", UNKNOWN_ID),
    lambda s: s.rename("alice", UNKNOWN_ID, "x"),
    lambda s: s.delete("alice", UNKNOWN_ID),
    lambda s: s.download("alice", UNKNOWN_ID),
    lambda s: s.history("alice", UNKNOWN_ID),
    lambda s: s.save("alice", UNKNOWN_ID, io.BytesIO(b"x")),
    lambda s: s.duplicate("alice", UNKNOWN_ID, "alice"),
], ids=["show", "open", "rename", "delete", "download", "history", "save", "duplicate"])
def test_unknown_session_is_not_found(world: World, call: Callable[[Store], object]) -> None:
    """An id that names no session is `not_found` (rule unknown_session)."""
    error = _refused(world.store, lambda: call(world.store))
    assert (error.code, error.rule) == ("not_found", "unknown_session")


def test_unknown_actor_is_not_found(world: World) -> None:
    """An actor that is no user is `not_found` (rule unknown_user)."""
    error = _refused(world.store, lambda: world.store.show("mallory", world.session.id))
    assert (error.code, error.rule) == ("not_found", "unknown_user")


def test_unknown_version_is_not_found(world: World) -> None:
    """Reverting to a version that was never saved is `not_found` and changes nothing."""
    error = _refused(world.store, lambda: world.store.revert("alice", world.session.id, 7))
    assert (error.code, error.rule) == ("not_found", "unknown_version")


def test_import_into_foreign_workspace_is_refused(world: World) -> None:
    """Importing into a workspace the actor is not a member of is `permission_denied`."""
    error = _refused(world.store, lambda: world.upload(actor="carol", workspace="qa-team"))
    assert (error.code, error.rule) == ("permission_denied", "members_only")


def test_admin_who_is_no_member_cannot_import(world: World) -> None:
    """The table gives import to members of the target workspace only, admins included."""
    error = _refused(world.store, lambda: world.upload(actor="root", workspace="qa-team"))
    assert error.code == "permission_denied"


def test_import_into_unknown_workspace_is_not_found(world: World) -> None:
    """Importing into a workspace that does not exist is `not_found`."""
    error = _refused(world.store, lambda: world.upload(workspace="nowhere"))
    assert (error.code, error.rule) == ("not_found", "unknown_workspace")


def test_duplicate_to_foreign_workspace_is_refused(world: World) -> None:
    """The target of a duplicate must be a workspace the actor is a member of."""
    error = _refused(world.store,
                     lambda: world.store.duplicate("alice", world.session.id, "carol"))
    assert (error.code, error.rule) == ("permission_denied", "not_a_member_of_target")


def test_move_to_foreign_workspace_is_refused(world: World) -> None:
    """The target of a move must be a workspace the actor is a member of."""
    error = _refused(world.store, lambda: world.store.move("alice", world.session.id, "bob"))
    assert (error.code, error.rule) == ("permission_denied", "not_a_member_of_target")


def test_listing_a_foreign_workspace_is_refused(world: World) -> None:
    """Listing a workspace one is not a member of is `permission_denied`."""
    error = _refused(world.store, lambda: world.store.list_sessions(
        "carol", SessionQuery(workspace="qa-team")))
    assert error.code == "permission_denied"


@pytest.mark.parametrize(("query", "rule"), [
    (SessionQuery(sort="colour"), "sort_field_unknown"),
    (SessionQuery(limit=0), "limit_out_of_range"),
    (SessionQuery(limit=501), "limit_out_of_range"),
    (SessionQuery(type="movie"), "type_unknown"),
    (SessionQuery(mode="telepathy"), "mode_unknown"),
    (SessionQuery(cursor="not-a-cursor"), "cursor_invalid"),
])
def test_bad_listing_is_invalid(world: World, query: SessionQuery, rule: str) -> None:
    """A listing with an unknown sort, filter value, limit or cursor names its rule."""
    error = _refused(world.store, lambda: world.store.list_sessions("alice", query))
    assert (error.code, error.rule) == ("invalid", rule)


@pytest.mark.parametrize(("kwargs", "rule"), [
    ({"mode": "xray"}, "project_required"),
    ({"mode": "xray", "project": "not a key"}, "project_key_invalid"),
    ({"mode": "hybrid"}, "mode_unknown"),
])
def test_import_refuses_bad_mode_or_project(world: World, kwargs: dict[str, Any],
                                            rule: str) -> None:
    """An xray import needs a valid project key; modes are standalone or xray."""
    error = _refused(world.store, lambda: world.upload(**kwargs))
    assert (error.code, error.rule) == ("invalid", rule)


def test_upload_over_the_limit_stores_nothing(engine: object, store: Store) -> None:
    """An upload larger than the configured limit is `invalid` and leaves no blob or row."""
    from tests.store.conftest import make_world

    small = Store(store.engine, type(store.settings)(home=store.settings.home,
                                                      max_upload_bytes=16))
    world = make_world(small)
    error = _refused(small, lambda: world.upload(data=b"z" * 17))
    assert (error.code, error.rule) == ("invalid", "upload_too_large")


def test_invalid_bundle_stores_nothing(world: World) -> None:
    """A zip whose manifest breaks the schema is refused and neither rows nor blob remain."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", '{"format": "xea-session/1", "type": "movie"}')
    error = _refused(world.store, lambda: world.upload(data=buffer.getvalue()))
    assert error.code == "invalid"


def test_connect_refuses_bad_project_key(world: World) -> None:
    """Connecting to something that is no Jira project key changes nothing."""
    error = _refused(world.store,
                     lambda: world.store.connect("alice", world.session.id, "12 monkeys"))
    assert (error.code, error.rule) == ("invalid", "project_key_invalid")
