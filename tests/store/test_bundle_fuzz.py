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
