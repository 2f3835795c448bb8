"""Download links: issued under the download rules, good once, for a minute, kept hashed."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from store.errors import Conflict, NotFound, PermissionDenied
from store.views import DownloadOut
from tests.store.conftest import Clock, World


def _read(download: DownloadOut) -> bytes:
    with download.open() as stream:
        return stream.read()


def test_a_link_gives_the_file_once(world: World) -> None:
    """A redeemed link yields the session's bytes; redeeming it again is link_expired."""
    link = world.store.issue_download_link("alice", world.session.id)
    assert _read(world.store.redeem_download_link(link.token)) == b"first content"
    with pytest.raises(NotFound) as refused:
        world.store.redeem_download_link(link.token)
    assert refused.value.rule == "link_expired"


def test_a_link_names_a_version(world: World) -> None:
    """A link to version 1 yields version 1 after a later save."""
    store, sid = world.store, world.session.id
    store.open("alice", sid)
    store.save("alice", sid, io.BytesIO(b"second content"))
    link = store.issue_download_link("alice", sid, version=1)
    assert _read(store.redeem_download_link(link.token)) == b"first content"


def test_a_link_expires_after_a_minute(world: World, clock: Clock) -> None:
    """A link opened 61 seconds after it was issued is link_expired."""
    link = world.store.issue_download_link("alice", world.session.id)
    clock.advance(seconds=61)
    with pytest.raises(NotFound) as refused:
        world.store.redeem_download_link(link.token)
    assert refused.value.rule == "link_expired"


def test_only_who_may_download_gets_a_link(world: World) -> None:
    """Bob, not the owner, may not download alice's session, so he gets no link."""
    with pytest.raises(PermissionDenied):
        world.store.issue_download_link("bob", world.session.id)


def test_an_unknown_version_gets_no_link(world: World) -> None:
    """A link to a version the session does not have is refused when asked for."""
    with pytest.raises(NotFound) as refused:
        world.store.issue_download_link("alice", world.session.id, version=9)
    assert refused.value.rule == "unknown_version"


def test_the_rules_are_asked_again_when_the_link_is_used(world: World) -> None:
    """A link issued before the session went to the trash gives nothing after."""
    link = world.store.issue_download_link("alice", world.session.id)
    world.store.delete("alice", world.session.id)
    with pytest.raises(Conflict) as refused:
        world.store.redeem_download_link(link.token)
    assert refused.value.rule == "in_trash"


def test_only_the_secrets_hash_is_stored(world: World) -> None:
    """The token itself is nowhere in the table."""
    link = world.store.issue_download_link("alice", world.session.id)
    with world.store.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM download_links")).scalars().all()
    assert len(stored) == 1 and link.token not in stored[0] and len(stored[0]) == 64


def test_racing_redemptions_of_one_link_get_the_file_once(world: World) -> None:
    """Eight threads redeeming the same link at once: exactly one gets the file."""
    link = world.store.issue_download_link("alice", world.session.id)
    barrier = threading.Barrier(8)

    def redeem(_: int) -> bool:
        barrier.wait()
        try:
            world.store.redeem_download_link(link.token)
        except NotFound:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(redeem, range(8)))
    assert sorted(results) == [False] * 7 + [True]
