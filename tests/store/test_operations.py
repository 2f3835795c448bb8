"""The panel's operations end to end on both databases: what each one leaves behind."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import text

from store.api import Store
from store.errors import Locked, PermissionDenied
from store.views import DownloadOut, SessionQuery
from tests.store.conftest import Clock, World, make_world


def _rows(store: Store, sql: str, **params: Any) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def _outbox(store: Store, session_id: str) -> list[str]:
    return [r[0] for r in _rows(store, "SELECT kind FROM outbox WHERE session_id = :s ORDER BY id",
                                s=session_id)]


def _audit(store: Store, session_id: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in _rows(
        store, "SELECT actor, operation FROM audit_log WHERE session_id = :s ORDER BY id",
        s=session_id)]


def _read(download: DownloadOut) -> bytes:
    with download.open() as stream:
        return stream.read()


def _bundle(name: str, type_: str = "session") -> bytes:
    manifest: dict[str, Any] = {"format": "xea-session/1", "type": type_, "name": name}
    if type_ == "charter":
        manifest["charter"] = "Explore checkout"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
    return buffer.getvalue()


@pytest.fixture
def xray_world(store: Store) -> World:
    """The small world whose session is Xray-connected to project QA."""
    return make_world(store, mode="xray")


def test_save_under_broken_lock_becomes_conflicted_copy(world: World, clock: Clock) -> None:
    """After an admin unlock, the old holder's save is kept beside the original, named so."""
    store, sid = world.store, world.session.id
    store.open("bob", sid)
    store.unlock("root", sid)
    clock.advance(minutes=5)
    copy = store.save("bob", sid, io.BytesIO(b"bob's late work"))
    assert copy.id != sid
    assert copy.name == "Checkout (conflicted copy 2026-11-20 10:05)"
    assert (copy.workspace, copy.owner) == ("qa-team", "bob")
    assert _read(store.download("bob", copy.id)) == b"bob's late work"


def test_conflicted_copy_leaves_original_untouched(world: World) -> None:
    """The original keeps its content and version when a save lands in a conflicted copy."""
    store, sid = world.store, world.session.id
    store.open("bob", sid)
    store.unlock("root", sid)
    store.save("bob", sid, io.BytesIO(b"late"))
    original = store.show("alice", sid)
    assert (original.version, original.digest) == (1, world.session.digest)


def test_save_with_old_lock_epoch_becomes_conflicted_copy(world: World) -> None:
    """A desktop app that names the epoch of a lock since broken and retaken does not overwrite."""
    store, sid = world.store, world.session.id
    first = store.open("bob", sid)
    store.unlock("root", sid)
    store.open("bob", sid)
    copy = store.save("bob", sid, io.BytesIO(b"from the old window"), lock_epoch=first.lock_epoch)
    assert copy.id != sid and "conflicted copy" in copy.name


def test_save_under_own_lock_adds_a_version(world: World) -> None:
    """A save by the lock holder becomes the session's new current version."""
    store, sid = world.store, world.session.id
    opened = store.open("bob", sid)
    saved = store.save("bob", sid, io.BytesIO(b"second"), lock_epoch=opened.lock_epoch)
    assert (saved.id, saved.version, saved.size) == (sid, 2, len(b"second"))


def test_history_lists_every_version_newest_first(world: World) -> None:
    """Every saved version is kept and listed, the current one marked."""
    store, sid = world.store, world.session.id
    store.open("alice", sid)
    store.save("alice", sid, io.BytesIO(b"two"))
    store.save("alice", sid, io.BytesIO(b"three"))
    history = store.history("bob", sid)
    assert [(v.number, v.current) for v in history] == [(3, True), (2, False), (1, False)]


def test_revert_makes_an_old_version_current_as_a_new_one(world: World) -> None:
    """Reverting to version 1 adds version 3 with version 1's content."""
    store, sid = world.store, world.session.id
    store.open("alice", sid)
    store.save("alice", sid, io.BytesIO(b"two"))
    reverted = store.revert("alice", sid, 1)
    assert (reverted.version, reverted.digest) == (3, world.session.digest)
    assert _read(store.download("alice", sid)) == b"first content"


def test_download_of_an_earlier_version(world: World) -> None:
    """Download can name any kept version."""
    store, sid = world.store, world.session.id
    store.open("alice", sid)
    store.save("alice", sid, io.BytesIO(b"two"))
    assert _read(store.download("alice", sid, version=1)) == b"first content"


def test_retention_prunes_old_versions_and_their_blobs(store: Store) -> None:
    """With a retention of 2, only the last two versions and their files remain."""
    kept = Store(store.engine, type(store.settings)(home=store.settings.home,
                                                     version_retention=2), clock=Clock())
    world = make_world(kept)
    sid = world.session.id
    kept.open("alice", sid)
    for content in (b"two", b"three"):
        kept.save("alice", sid, io.BytesIO(content))
    assert [v.number for v in kept.history("alice", sid)] == [3, 2]
    assert not kept.blobs.exists(world.session.digest)


def test_delete_moves_to_trash_and_restore_brings_back(world: World) -> None:
    """A deleted session is in the trash, out of the listing, and restore brings it back."""
    store, sid = world.store, world.session.id
    assert store.delete("alice", sid).trashed
    assert [s.id for s in store.list_sessions("alice").items] == []
    assert [s.id for s in store.list_sessions("alice", SessionQuery(trashed=True)).items] == [sid]
    assert not store.restore("alice", sid).trashed
    assert [s.id for s in store.list_sessions("alice").items] == [sid]


def test_purge_removes_old_trash_for_good(world: World, clock: Clock) -> None:
    """Purge removes sessions trashed longer than the retention, rows and file."""
    store, sid = world.store, world.session.id
    store.delete("alice", sid)
    assert store.purge_trash() == []
    clock.advance(days=31)
    assert store.purge_trash() == [sid]
    assert _rows(store, "SELECT id FROM sessions WHERE id = :s", s=sid) == []
    assert not store.blobs.exists(world.session.digest)


def test_purge_keeps_a_file_another_session_shares(world: World, clock: Clock) -> None:
    """A purged session's file stays when a duplicate still uses the same content."""
    store, sid = world.store, world.session.id
    store.duplicate("alice", sid, "alice")
    store.delete("alice", sid)
    clock.advance(days=31)
    store.purge_trash()
    assert store.blobs.exists(world.session.digest)


def test_move_keeps_the_link(xray_world: World) -> None:
    """A moved xray session keeps its id and its link: no new Jira entities."""
    store, sid = xray_world.store, xray_world.session.id
    moved = store.move("alice", sid, "alice")
    assert (moved.id, moved.workspace, moved.mode) == (sid, "alice", "xray")
    assert moved.link is not None and moved.link.project == "QA"
    assert _outbox(store, sid)[-1] == "move"


def test_move_keep_original_leaves_a_copy(world: World) -> None:
    """Move with keep_original puts a copy in the target and leaves the original."""
    store, sid = world.store, world.session.id
    copy = store.move("alice", sid, "alice", keep_original=True)
    assert copy.id != sid and copy.workspace == "alice"
    assert store.show("alice", sid).workspace == "qa-team"


def test_duplicate_of_xray_session_has_no_jira_keys(xray_world: World) -> None:
    """A duplicate of an xray session is xray with no Jira entities yet (pending link)."""
    store = xray_world.store
    copy = store.duplicate("alice", xray_world.session.id, "alice", "Copy")
    assert copy.mode == "xray" and copy.link is not None
    assert (copy.link.test_execution, copy.link.test, copy.link.state) == (None, None, "pending")


def test_duplicate_as_standalone_when_configured(store: Store) -> None:
    """With duplicate_xray_as = standalone, the copy of an xray session has no link at all."""
    plain = Store(store.engine, type(store.settings)(home=store.settings.home,
                                                      duplicate_xray_as="standalone"))
    world = make_world(plain, mode="xray")
    copy = plain.duplicate("alice", world.session.id, "alice")
    assert (copy.mode, copy.link) == ("standalone", None)


def test_duplicate_copies_the_last_saved_version_while_locked(world: World) -> None:
    """A session open in the desktop app duplicates from its last saved content."""
    store, sid = world.store, world.session.id
    store.open("bob", sid)
    copy = store.duplicate("alice", sid, "alice")
    assert _read(store.download("alice", copy.id)) == b"first content"


def test_xray_changes_write_outbox_entries(xray_world: World) -> None:
    """Import, rename, save, delete and restore of an xray session each leave an outbox entry."""
    store, sid = xray_world.store, xray_world.session.id
    store.rename("alice", sid, "Renamed")
    store.open("alice", sid)
    store.save("alice", sid, io.BytesIO(b"two"))
    store.close("alice", sid)
    store.delete("alice", sid)
    store.restore("alice", sid)
    assert _outbox(store, sid) == ["connect", "rename", "save", "delete", "restore"]


def test_standalone_changes_write_no_outbox_entries(world: World) -> None:
    """Changes to a standalone session never reach the outbox."""
    store, sid = world.store, world.session.id
    store.rename("alice", sid, "Renamed")
    store.delete("alice", sid)
    assert _outbox(store, sid) == []


def test_connect_and_disconnect(world: World) -> None:
    """Connect makes a session xray with a pending link; disconnect makes it standalone again."""
    store, sid = world.store, world.session.id
    connected = store.connect("alice", sid, "qa")
    assert connected.mode == "xray" and connected.link is not None
    assert connected.link.project == "QA"
    disconnected = store.disconnect("alice", sid)
    assert (disconnected.mode, disconnected.link) == ("standalone", None)
    assert _outbox(store, sid) == ["connect", "disconnect"]


def test_every_operation_writes_an_audit_row(world: World) -> None:
    """Each management operation leaves one audit row naming its actor."""
    store, sid = world.store, world.session.id
    store.open("bob", sid)
    store.unlock("root", sid)
    store.rename("alice", sid, "Renamed")
    store.delete("root", sid)
    assert _audit(store, sid) == [("alice", "import"), ("bob", "open"), ("root", "unlock"),
                                  ("alice", "rename"), ("root", "delete")]


def test_refused_operation_writes_no_audit_row(world: World) -> None:
    """A refusal leaves no trace in the audit log (nothing was done)."""
    with pytest.raises(PermissionDenied):
        world.store.rename("bob", world.session.id, "Mine now")
    assert _audit(world.store, world.session.id) == [("alice", "import")]


def test_open_is_reentrant_for_the_holder(world: World) -> None:
    """Opening again by the holder keeps the lock and its epoch."""
    first = world.store.open("bob", world.session.id)
    again = world.store.open("bob", world.session.id)
    assert (again.lock_epoch, again.session.lock.holder) == (first.lock_epoch, "bob")  # type: ignore[union-attr]


def test_open_gives_the_desktop_link(world: World) -> None:
    """Open returns the desktop link built from the template."""
    opened = world.store.open("bob", world.session.id)
    assert opened.desktop_link == f"xea://open?session={world.session.id}&workspace=qa-team"


def test_lease_expiry_frees_the_lock(store: Store, clock: Clock) -> None:
    """With a lease, an old lock is freed by expire_leases and its holder's save is kept aside."""
    leased = Store(store.engine, type(store.settings)(home=store.settings.home,
                                                       lock_lease_seconds=60), clock=clock)
    world = make_world(leased)
    sid = world.session.id
    leased.open("bob", sid)
    clock.advance(seconds=61)
    assert leased.expire_leases() == [sid]
    assert leased.show("alice", sid).lock is None
    assert "conflicted copy" in leased.save("bob", sid, io.BytesIO(b"late")).name


def test_archive_locks_for_jira_until_unarchived(world: World) -> None:
    """Archive puts Jira's lock with its reason; users are refused until unarchive."""
    store, sid = world.store, world.session.id
    archived = store.archive("alice", sid, "Test Execution moved to Done")
    assert archived.lock is not None
    assert (archived.lock.holder, archived.lock.reason) == ("jira", "Test Execution moved to Done")
    with pytest.raises(Locked):
        store.open("bob", sid)
    assert store.unarchive("alice", sid).lock is None


def test_import_takes_name_and_type_from_manifest(world: World) -> None:
    """A bundle's manifest gives the session its name and type."""
    made = world.upload(data=_bundle("Charter of checkout", "charter"))
    assert (made.name, made.type) == ("Charter of checkout", "charter")


def test_import_of_opaque_file_takes_the_file_name(world: World) -> None:
    """An opaque file is named after its file name without the extension."""
    made = world.upload(data=b"not a zip", filename="Exploring login.xea")
    assert (made.name, made.type, made.size) == ("Exploring login", "session", 9)


def test_session_json_has_the_design_shape(xray_world: World) -> None:
    """A session's JSON has exactly the fields of docs/design.md section 6 (plus a few extras)."""
    xray_world.store.open("bob", xray_world.session.id)
    shown = xray_world.store.show("alice", xray_world.session.id).to_json()
    assert {"id", "name", "type", "mode", "workspace", "owner", "size", "created", "modified",
            "trashed", "lock", "link"} <= set(shown)
    assert shown["lock"] == {"holder": "bob", "since": "2026-11-20T10:00:00Z"}
    assert shown["link"] == {"project": "QA", "test_execution": None, "test": None,
                             "state": "pending", "last_synced": None, "error": None,
                             "conflict": None}
