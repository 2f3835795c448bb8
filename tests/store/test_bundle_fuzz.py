"""Damaged bundles: whatever bytes arrive, the reader answers with a verdict or `Invalid`."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from store.bundle import inspect_upload
from store.errors import Invalid


def sound_bundle() -> bytes:
    manifest = {"format": "xea-session/1", "type": "session", "name": "Fuzzed",
                "timeline": [{"at": "2026-11-20T10:12:00Z", "kind": "screenshot",
                              "file": "evidence/0001.png"}]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("evidence/0001.png", b"\x89PNG" + bytes(range(256)) * 16)
        archive.writestr("evidence/raw.log", b"log line\n" * 500)
    return buffer.getvalue()


BUNDLE = sound_bundle()
damages = st.lists(st.tuples(st.integers(0, len(BUNDLE) - 1), st.integers(0, 255)),
                   min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(damages, st.none() | st.integers(0, len(BUNDLE)))
def test_damaged_bundle_is_judged_never_crashes(damage: list[tuple[int, int]],
                                                 cut: int | None) -> None:
    """Bytes flipped or cut anywhere in a bundle give a verdict or an Invalid, nothing else."""
    data = bytearray(BUNDLE)
    for position, value in damage:
        data[position] = value
    with tempfile.TemporaryDirectory() as folder:
        upload = Path(folder) / "damaged.xea"
        upload.write_bytes(bytes(data[:cut]))
        try:
            info = inspect_upload(upload)
        except Invalid as refusal:
            assert refusal.rule.startswith(("bundle_", "manifest_"))
        else:
            assert info.is_bundle == (info.manifest is not None)


def with_undecodable_member_name(bundle: bytes, name: str) -> bytes:
    """The bundle with `name` flagged UTF-8 in its local header and directory entry, and the
    local header's copy of the name made invalid UTF-8 (what flipped bytes did in a
    fuzzing run)."""
    data = bytearray(bundle)
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        local = archive.getinfo(name).header_offset
    data[local + 30] = 0xFF  # the first byte of the local header's file name
    data[local + 7] |= 0x08  # bit 11 of the local header's flags: the name is UTF-8
    central = data.find(b"PK\x01\x02")
    while central != -1:
        length = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + length] == name.encode():
            data[central + 9] |= 0x08  # bit 11 of the directory entry's flags
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_a_member_name_that_is_not_the_utf8_it_claims_is_corrupt(tmp_path: Path) -> None:
    """A local header name flagged UTF-8 that does not decode is `bundle_corrupt`, no crash."""
    upload = tmp_path / "damaged.xea"
    upload.write_bytes(with_undecodable_member_name(BUNDLE, "manifest.json"))
    try:
        inspect_upload(upload)
    except Invalid as refusal:
        assert refusal.rule == "bundle_corrupt"
    else:
        raise AssertionError("the damaged bundle was accepted")
