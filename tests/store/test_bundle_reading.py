"""Sound bundles and opaque files are accepted; stored bundles are read as streams."""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest

from store.bundle import evidence_files, inspect_upload, open_member, read_manifest
from store.errors import NotFound

DESIGN_EXAMPLE: dict[str, Any] = {
    "format": "xea-session/1",
    "type": "session",
    "name": "Checkout with expired cards",
    "charter": "Explore checkout with expired and blocked cards",
    "tester": "alice",
    "started": "2026-11-20T10:00:00Z",
    "finished": "2026-11-20T10:55:00Z",
    "timebox_minutes": 60,
    "environments": ["Chrome 131", "staging"],
    "status": "FAILED",
    "timeline": [
        {"at": "2026-11-20T10:05:00Z", "kind": "note", "category": "Question",
         "text": "Is the 3DS step skipped for saved cards?"},
        {"at": "2026-11-20T10:12:00Z", "kind": "screenshot", "file": "evidence/0001.png",
         "text": "Error banner overlaps the form"},
        {"at": "2026-11-20T10:20:00Z", "kind": "issue", "category": "Problem",
         "text": "Expired card accepted",
         "defect": {"summary": "Expired card is accepted at checkout", "key": None}},
    ],
}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def design_bundle(path: Path, **extra: bytes) -> Path:
    """The manifest of docs/design.md section 5 with its screenshot, plus `extra` members."""
    members = {"manifest.json": json.dumps(DESIGN_EXAMPLE).encode(), "evidence/0001.png": PNG}
    return write_zip(path, members | extra)


def test_design_example_is_a_sound_bundle(tmp_path: Path) -> None:
    """The bundle of docs/design.md section 5 is accepted, with its manifest, type and name."""
    info = inspect_upload(design_bundle(tmp_path / "s.xea"))
    assert (info.is_bundle, info.type, info.name) == (True, "session", DESIGN_EXAMPLE["name"])
    assert info.manifest == DESIGN_EXAMPLE


def test_charter_bundle_reports_its_type(tmp_path: Path) -> None:
    """A bundle whose manifest says type charter is reported as a charter."""
    manifest = {"format": "xea-session/1", "type": "charter", "name": "Payments",
                "charter": "Explore the payment providers"}
    upload = write_zip(tmp_path / "c.xea", {"manifest.json": json.dumps(manifest).encode()})
    assert inspect_upload(upload).type == "charter"


def test_bundle_may_hold_files_the_timeline_does_not_name(tmp_path: Path) -> None:
    """Folders and members no timeline item names do not make a bundle unsound."""
    upload = design_bundle(tmp_path / "s.xea", **{"evidence/": b"", "evidence/raw.log": b"log"})
    assert inspect_upload(upload).is_bundle


@pytest.mark.parametrize("content", [b"", b"plain text session", PNG, b"PK\x03\x04short"])
def test_non_zip_file_is_an_opaque_session(tmp_path: Path, content: bytes) -> None:
    """A file that is not a zip is accepted as an opaque session without a manifest."""
    upload = tmp_path / "session.bin"
    upload.write_bytes(content)
    info = inspect_upload(upload)
    assert (info.is_bundle, info.manifest, info.type, info.name) == (False, None, "session", None)


def test_zip_without_root_manifest_is_an_opaque_session(tmp_path: Path) -> None:
    """A zip whose manifest.json is not at its root (here in a folder) is an opaque file."""
    upload = write_zip(tmp_path / "s.zip", {"session/manifest.json": b"not even json"})
    assert inspect_upload(upload).is_bundle is False


def test_read_manifest_of_a_stored_bundle(tmp_path: Path) -> None:
    """read_manifest() returns the decoded manifest of a bundle."""
    assert read_manifest(design_bundle(tmp_path / "s.xea")) == DESIGN_EXAMPLE


def test_read_manifest_of_an_opaque_file_is_none(tmp_path: Path) -> None:
    """read_manifest() of an opaque file is None."""
    upload = tmp_path / "opaque.bin"
    upload.write_bytes(b"opaque")
    assert read_manifest(upload) is None


def test_evidence_files_in_timeline_order_once_each(tmp_path: Path) -> None:
    """evidence_files() lists the files the timeline names, in order, without repeats."""
    manifest = dict(DESIGN_EXAMPLE)
    manifest["timeline"] = [
        {"at": "2026-11-20T10:01:00Z", "kind": "video", "file": "evidence/b.webm"},
        {"at": "2026-11-20T10:02:00Z", "kind": "note", "text": "no file"},
        {"at": "2026-11-20T10:03:00Z", "kind": "screenshot", "file": "evidence/a.png"},
        {"at": "2026-11-20T10:04:00Z", "kind": "screenshot", "file": "evidence/b.webm"},
    ]
    upload = write_zip(tmp_path / "s.xea", {"manifest.json": json.dumps(manifest).encode(),
                                            "evidence/a.png": PNG, "evidence/b.webm": b"v"})
    assert evidence_files(upload) == ["evidence/b.webm", "evidence/a.png"]


def test_evidence_files_of_an_opaque_file_is_empty(tmp_path: Path) -> None:
    """An opaque file has no evidence files."""
    upload = tmp_path / "opaque.bin"
    upload.write_bytes(b"opaque")
    assert evidence_files(upload) == []


def test_open_member_streams_one_member(tmp_path: Path) -> None:
    """open_member() yields the bytes of the named member, readable in chunks."""
    with open_member(design_bundle(tmp_path / "s.xea"), "evidence/0001.png") as stream:
        chunks = iter(lambda: stream.read(1000), b"")
        assert b"".join(chunks) == PNG


def test_open_member_of_a_missing_name_is_not_found(tmp_path: Path) -> None:
    """open_member() of a name that is not in the bundle raises bundle_member_not_found."""
    with pytest.raises(NotFound) as caught:
        open_member(design_bundle(tmp_path / "s.xea"), "evidence/9999.png")
    assert caught.value.rule == "bundle_member_not_found"


def test_bundle_with_a_large_recording_is_accepted(tmp_path: Path) -> None:
    """A bundle holding a 3 MiB incompressible recording passes every limit by default."""
    recording = random.Random(2).randbytes(3 * 1024 * 1024)
    manifest = dict(DESIGN_EXAMPLE, timeline=[
        {"at": "2026-11-20T10:01:00Z", "kind": "video", "file": "evidence/rec.webm"}])
    upload = write_zip(tmp_path / "s.xea", {"manifest.json": json.dumps(manifest).encode(),
                                            "evidence/rec.webm": recording})
    assert inspect_upload(upload).is_bundle
