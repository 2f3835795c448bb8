"""Every way a session bundle is refused, each with a crafted zip, and nothing stored after it."""

from __future__ import annotations

import io
import json
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from store.blobs import BlobStore
from store.bundle import BundleLimits, inspect_upload
from store.errors import Invalid

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def manifest(**changes: Any) -> dict[str, Any]:
    """A valid manifest naming one screenshot, `evidence/0001.png`."""
    value: dict[str, Any] = {
        "format": "xea-session/1",
        "type": "session",
        "name": "Checkout with expired cards",
        "status": "FAILED",
        "timeline": [
            {"at": "2026-11-20T10:12:00Z", "kind": "screenshot", "file": "evidence/0001.png"},
        ],
    }
    value.update(changes)
    return value


def zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of `members` in order (duplicates allowed), built in memory."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns on duplicate names
        with zipfile.ZipFile(buffer, "w", method) as archive:
            for name, data in members:
                archive.writestr(zipfile.ZipInfo(name, (2026, 11, 20, 10, 0, 0)), data,
                                 compress_type=method)
    return buffer.getvalue()


def bundle_bytes(extra: list[tuple[str, bytes]] | None = None, **changes: Any) -> bytes:
    """A sound bundle (manifest plus its screenshot), with `extra` members appended."""
    members = [("manifest.json", json.dumps(manifest(**changes)).encode()),
               ("evidence/0001.png", PNG)]
    return zip_bytes(members + (extra or []))


def central_records(data: bytes) -> list[int]:
    """Offsets of the central-directory records of a zip, in order."""
    offsets, at = [], data.find(b"PK\x01\x02")
    while at >= 0:
        offsets.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    return offsets


def patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


# --- builders: each returns the bytes of one bad upload --------------------------------------

def not_json() -> bytes:
    return zip_bytes([("manifest.json", b"{'format': 'xea-session/1',")])


def not_utf8() -> bytes:
    return zip_bytes([("manifest.json", '{"name": "caf\u00e9"}'.encode("latin-1"))])


def nan_in_json() -> bytes:
    return zip_bytes([("manifest.json", b'{"timebox_minutes": NaN}')])


def deeply_nested_json() -> bytes:
    return zip_bytes([("manifest.json", b"[" * 100_000 + b"]" * 100_000)])


def invalid_kind() -> bytes:
    item = {"at": "2026-11-20T10:12:00Z", "kind": "photo", "text": "x"}
    return bundle_bytes(timeline=[item])


def missing_file() -> bytes:
    item = {"at": "2026-11-20T10:13:00Z", "kind": "video", "file": "evidence/0002.webm"}
    return bundle_bytes(timeline=[*manifest()["timeline"], item])


def unsafe_timeline_file() -> bytes:
    item = {"at": "2026-11-20T10:13:00Z", "kind": "audio", "file": "../notes.ogg"}
    return bundle_bytes(timeline=[item])


def declared_too_large() -> bytes:
    return bundle_bytes(extra=[("recording.raw", bytes(range(256)) * 64)])


def bomb_ratio() -> bytes:
    return bundle_bytes(extra=[("zeros.bin", bytes(4 * 1024 * 1024))])


def understated_size() -> bytes:
    """A member of 4 MiB of zeros whose central directory claims 1000 bytes."""
    data = bundle_bytes(extra=[("zeros.bin", bytes(4 * 1024 * 1024))])
    return patched(data, central_records(data)[2] + 24, "<I", 1000)


def too_many_files() -> bytes:
    return bundle_bytes(extra=[(f"evidence/extra{i}.txt", b"x") for i in range(10)])


def too_many_files_behind_a_lying_count() -> bytes:
    """More central-directory records than the end record admits to."""
    data = too_many_files()
    end = data.rfind(b"PK\x05\x06")
    return patched(patched(data, end + 8, "<H", 2), end + 10, "<H", 2)


def bad_crc() -> bytes:
    data = bytearray(zip_bytes([("manifest.json", json.dumps(manifest()).encode()),
                                ("evidence/0001.png", PNG)], method=zipfile.ZIP_STORED))
    data[data.find(PNG) + 100] ^= 0xFF
    return bytes(data)


def duplicate_entry() -> bytes:
    return bundle_bytes(extra=[("evidence/0001.png", b"another picture")])


def overlapping_entries() -> bytes:
    """Two central-directory records pointing at the same local data."""
    data = bundle_bytes()
    return patched(data, central_records(data)[1] + 42, "<I", 0)


def encrypted_entry() -> bytes:
    data = bundle_bytes()
    record = central_records(data)[1]
    (flags,) = struct.unpack_from("<H", data, record + 8)
    return patched(data, record + 8, "<H", flags | 0x1)


def entry_outside_the_file() -> bytes:
    """A central-directory record pointing past the end of the file."""
    data = bundle_bytes()
    return patched(data, central_records(data)[1] + 42, "<I", len(data) + 1000)


def unsupported_zip_version() -> bytes:
    """A member needing a zip version (9.9) that zipfile refuses to open."""
    data = bundle_bytes()
    return patched(data, central_records(data)[1] + 6, "<H", 99)


def bzip2_member() -> bytes:
    buffer = io.BytesIO(bundle_bytes())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("evidence/raw.log", b"log line\n" * 100, compress_type=zipfile.ZIP_BZIP2)
    return buffer.getvalue()


def truncated_bundle() -> bytes:
    data = bundle_bytes()
    return data[: len(data) // 2]


SMALL = BundleLimits(max_files=5, max_uncompressed_bytes=8 * 1024)

REFUSALS: list[tuple[str, Callable[[], bytes], BundleLimits, str]] = [
    ("manifest_not_json", not_json, BundleLimits(), "manifest.json is not JSON"),
    ("manifest_not_json", not_utf8, BundleLimits(), "not UTF-8"),
    ("manifest_not_json", nan_in_json, BundleLimits(), "NaN is not JSON"),
    ("manifest_not_json", deeply_nested_json, BundleLimits(), "nests too deeply"),
    ("manifest_invalid", invalid_kind, BundleLimits(), "timeline[0].kind: 'photo' is not one"),
    ("bundle_missing_file", missing_file, BundleLimits(), "'evidence/0002.webm'"),
    ("bundle_unsafe_path", unsafe_timeline_file, BundleLimits(), "'../notes.ogg'"),
    ("bundle_too_large", declared_too_large, SMALL, "more than the limit of 8192"),
    ("bundle_too_large", bomb_ratio, BundleLimits(), "beyond the ratio limit of 100:1"),
    ("bundle_corrupt", understated_size, BundleLimits(), "'zeros.bin' cannot be read"),
    ("bundle_too_many_files", too_many_files, SMALL, "declares 12 entries"),
    ("bundle_too_many_files", too_many_files_behind_a_lying_count, SMALL, "holds 12 entries"),
    ("bundle_corrupt", bad_crc, BundleLimits(), "Bad CRC-32"),
    ("bundle_corrupt", duplicate_entry, BundleLimits(), "appears twice"),
    ("bundle_corrupt", overlapping_entries, BundleLimits(), "overlap"),
    ("bundle_corrupt", encrypted_entry, BundleLimits(), "is encrypted"),
    ("bundle_corrupt", entry_outside_the_file, BundleLimits(), "lies outside the file"),
    ("bundle_corrupt", unsupported_zip_version, BundleLimits(), "zip structure is broken"),
    ("bundle_corrupt", bzip2_member, BundleLimits(), "uses compression method 12"),
    ("bundle_corrupt", truncated_bundle, BundleLimits(), "zip structure is broken"),
]
IDS = [builder.__name__ for _, builder, _, _ in REFUSALS]


@pytest.mark.parametrize(("rule", "builder", "limits", "says"), REFUSALS, ids=IDS)
def test_refusal_names_its_rule_and_what_is_wrong(
    tmp_path: Path, rule: str, builder: Callable[[], bytes], limits: BundleLimits, says: str
) -> None:
    """Each unsound bundle is refused with its own rule and a message naming the fault."""
    upload = tmp_path / "upload.xea"
    upload.write_bytes(builder())
    with pytest.raises(Invalid) as caught:
        inspect_upload(upload, limits=limits)
    assert (caught.value.rule, caught.value.code) == (rule, "invalid")
    assert says in caught.value.message


@pytest.mark.parametrize(("rule", "builder", "limits", "says"), REFUSALS, ids=IDS)
def test_refused_upload_leaves_nothing_in_the_blob_store(
    tmp_path: Path, rule: str, builder: Callable[[], bytes], limits: BundleLimits, says: str
) -> None:
    """An upload staged, inspected and refused leaves no file under the blob root."""
    blobs = BlobStore(tmp_path / "blobs")
    with (pytest.raises(Invalid),
          blobs.staged(io.BytesIO(builder()), max_bytes=10**8) as staged):
        inspect_upload(staged.path, limits=limits)
        staged.commit()
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


UNSAFE_NAMES = [
    ("../escape.txt", "climbs out with '..'"),
    ("evidence/../../escape.txt", "climbs out with '..'"),
    ("/etc/cron.d/session", "is absolute"),
    ("C:/Windows/evil.dll", "starts with a drive letter"),
    ("c:evil.dll", "starts with a drive letter"),
    ("evidence\\..\\..\\escape.txt", "holds a backslash"),
    ("evidence/\x07bell.txt", "holds a control character"),
]


@pytest.mark.parametrize(("name", "reason"), UNSAFE_NAMES, ids=[n for n, _ in UNSAFE_NAMES])
def test_entry_that_leaves_the_bundle_is_refused(tmp_path: Path, name: str, reason: str) -> None:
    """A zip entry whose path could escape the bundle is refused as bundle_unsafe_path."""
    upload = tmp_path / "upload.xea"
    upload.write_bytes(bundle_bytes(extra=[(name, b"payload")]))
    with pytest.raises(Invalid) as caught:
        inspect_upload(upload)
    assert caught.value.rule == "bundle_unsafe_path"
    assert caught.value.message == f"bundle entry {name!r} {reason} [bundle_unsafe_path]"


def test_symbolic_link_entry_is_refused(tmp_path: Path) -> None:
    """A zip entry marked as a Unix symbolic link is refused as bundle_unsafe_path."""
    link = zipfile.ZipInfo("evidence/passwd")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO(bundle_bytes())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(link, "/etc/passwd")
    upload = tmp_path / "upload.xea"
    upload.write_bytes(buffer.getvalue())
    with pytest.raises(Invalid) as caught:
        inspect_upload(upload)
    assert caught.value.rule == "bundle_unsafe_path"
    assert "'evidence/passwd' is a symbolic link" in caught.value.message


def test_oversized_central_directory_of_a_bundle_is_refused(tmp_path: Path) -> None:
    """A bundle whose central directory exceeds its byte limit is refused before parsing."""
    upload = tmp_path / "upload.xea"
    upload.write_bytes(bundle_bytes())
    with pytest.raises(Invalid) as caught:
        inspect_upload(upload, limits=BundleLimits(max_directory_bytes=100))
    assert caught.value.rule == "bundle_too_large"
    assert "central directory takes" in caught.value.message


def test_oversized_central_directory_without_manifest_is_opaque_unparsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A zip past the directory limit naming no manifest.json is opaque, never loaded whole."""
    upload = tmp_path / "archive.zip"
    upload.write_bytes(zip_bytes([(f"f{i}.txt", b"x") for i in range(20)]))

    def refuse_to_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipfile.ZipFile was asked to load the central directory")

    monkeypatch.setattr(zipfile, "ZipFile", refuse_to_parse)
    assert inspect_upload(upload, limits=BundleLimits(max_directory_bytes=100)).is_bundle is False


def test_member_within_the_ratio_floor_may_compress_freely(tmp_path: Path) -> None:
    """A small member that compresses far beyond the ratio limit is still accepted."""
    upload = tmp_path / "upload.xea"
    upload.write_bytes(bundle_bytes(extra=[("notes.txt", bytes(512 * 1024))]))
    assert inspect_upload(upload).is_bundle


def test_many_entries_without_a_manifest_is_an_opaque_file(tmp_path: Path) -> None:
    """A zip past the file-count limit but without manifest.json is kept as an opaque file."""
    upload = tmp_path / "archive.zip"
    upload.write_bytes(zip_bytes([(f"f{i}.txt", b"x") for i in range(20)]))
    assert inspect_upload(upload, limits=SMALL).is_bundle is False


def test_truncated_zip_not_starting_with_a_manifest_is_opaque(tmp_path: Path) -> None:
    """A broken zip whose first entry is not manifest.json cannot be told from any file: opaque."""
    data = zip_bytes([("readme.txt", b"hello" * 100), ("manifest.json", b"{}")])
    upload = tmp_path / "upload.bin"
    upload.write_bytes(data[: len(data) // 2])
    assert inspect_upload(upload).is_bundle is False
