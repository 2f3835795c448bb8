"""A download is named with the session's current name and the extension it was imported with."""

from __future__ import annotations

import io

import pytest

from store.content import download_name, file_extension
from sync.cli.sample import make_bundle
from tests.store.conftest import World


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("checkout.xea", make_bundle("Checkout"), "Checkout.xea"),
        ("checkout.zip", make_bundle("Checkout"), "Checkout.zip"),
        ("random.bin", b"\x00\x01opaque", "random.bin"),
        ("notes", b"plain", "notes"),
    ],
    ids=["xea", "zip", "bin", "none"],
)
def test_a_download_keeps_the_imported_extension(world: World, filename: str, data: bytes,
                                                 expected: str) -> None:
    """The file comes back with the extension of the file imported, whatever its bytes."""
    made = world.upload(data=data, filename=filename)
    assert world.store.download("alice", made.id).filename == expected


def test_a_download_follows_a_rename(world: World) -> None:
    """After a rename the download carries the new name and the old extension."""
    made = world.upload(data=make_bundle("Checkout"), filename="checkout.xea")
    world.store.rename("alice", made.id, "Checkout with expired cards")
    assert world.store.download("alice", made.id).filename == "Checkout with expired cards.xea"


def test_a_duplicate_keeps_the_extension(world: World) -> None:
    """A duplicate downloads with its own name and the original's extension."""
    made = world.upload(data=b"opaque", filename="random.bin")
    copy = world.store.duplicate("alice", made.id, "qa-team", "Copy")
    assert world.store.download("alice", copy.id).filename == "Copy.bin"


def test_a_session_with_no_known_extension_is_named_from_its_bytes(world: World) -> None:
    """Imported with no file name, a bundle downloads as .xea and other bytes as .bin."""
    bundle = world.store.import_session("alice", "qa-team", io.BytesIO(make_bundle("B")))
    opaque = world.upload(data=b"opaque", name="Opaque")
    assert world.store.download("alice", bundle.id).filename == "B.xea"
    assert world.store.download("alice", opaque.id).filename == "Opaque.bin"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("a.xea", ".xea"), ("dir/a.BIN", ".BIN"), ("C:\\x\\a.tar.gz", ".gz"), ("a", ""),
     (None, None), ("a.<script>", None), ("a." + "x" * 20, None)],
)
def test_only_a_plain_extension_is_kept(filename: str | None, expected: str | None) -> None:
    """Letters, digits, '-' and '_' up to 15 make an extension; anything else is not kept."""
    assert file_extension(filename) == expected


def test_a_name_that_ends_with_its_extension_gets_it_once() -> None:
    """A session named 'notes.txt' imported from a .txt downloads as notes.txt."""
    assert download_name("notes.txt", ".txt") == "notes.txt"
    assert download_name("a/b", ".xea") == "a_b.xea"
