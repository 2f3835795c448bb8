"""The blob folder full (ENOSPC, injected: a small filesystem cannot be mounted here) during an
import or a save: a clear error naming the rule, and the store exactly as it was."""

from __future__ import annotations

import errno
import io
import os

import pytest

from store.errors import Unavailable
from tests.store.conftest import World, dump


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write of a session file ends in ENOSPC when it is synced to disk."""

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)


def test_an_import_on_a_full_disk_is_refused_and_stores_nothing(
        world: World, request: pytest.FixtureRequest) -> None:
    """Importing onto a full blob folder says so (`blob_storage_full`); no row, no file."""
    before = dump(world.store)
    request.getfixturevalue("full_disk")
    with pytest.raises(Unavailable) as caught:
        world.upload(data=b"a new session file", name="New")
    assert caught.value.rule == "blob_storage_full"
    assert "the blob folder is full" in caught.value.message
    assert dump(world.store) == before


def test_a_save_on_a_full_disk_keeps_the_last_saved_version(
        world: World, request: pytest.FixtureRequest) -> None:
    """Saving onto a full blob folder is refused; the session keeps its content and lock."""
    sid = world.session.id
    world.store.open("alice", sid)
    before = dump(world.store)
    request.getfixturevalue("full_disk")
    with pytest.raises(Unavailable) as caught:
        world.store.save("alice", sid, io.BytesIO(b"second content"))
    assert caught.value.rule == "blob_storage_full"
    assert dump(world.store) == before
