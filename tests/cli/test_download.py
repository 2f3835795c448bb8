"""`xray-sync sessions download` and the writer under it: streamed, never overwriting."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from sync.cli.download import CHUNK, write_download
from sync.cli.errors import FileExists
from tests.cli.conftest import Cli


def test_download_writes_the_file_under_its_name_in_the_current_folder(team: Cli) -> None:
    """Without --output the file lands in the working folder as NAME plus the imported extension."""
    made = team.import_bundle("Fetch", user="bob")
    imported = team.workdir / "Fetch.xea"
    sent = imported.read_bytes()
    imported.unlink()
    data = team.json("sessions", "download", made["id"], user="bob")
    target = Path(data["path"])
    assert target == team.workdir / "Fetch.xea"
    assert target.read_bytes() == sent
    assert (data["size"], data["version"]) == (made["size"], 1)


def test_download_after_a_rename_uses_the_new_name_and_keeps_bin(team: Cli) -> None:
    """An opaque random.bin renamed to 'Kept' downloads as 'Kept.bin'."""
    path = team.file("random.bin", bytes(range(256)))
    made = team.json("sessions", "import", str(path), "--workspace", "qa-team", user="bob")
    team.ok("sessions", "rename", made["id"], "Kept", user="bob")
    data = team.json("sessions", "download", made["id"], user="bob")
    assert Path(data["path"]).name == "Kept.bin"
    assert Path(data["path"]).read_bytes() == bytes(range(256))


def test_download_never_overwrites_without_force(team: Cli) -> None:
    """An existing output file is left untouched: conflict, exit 6, rule file_exists."""
    made = team.import_bundle("Precious", user="bob")
    target = team.file("mine.bin", b"do not touch")
    result = team("sessions", "download", made["id"], "--output", str(target), user="bob")
    assert result.exit_code == 6
    assert "file_exists" in result.stderr and "--force" in result.stderr
    assert target.read_bytes() == b"do not touch"
    assert sorted(p.name for p in team.workdir.iterdir()) == ["Precious.xea", "mine.bin"]


def test_download_with_force_overwrites(team: Cli) -> None:
    """--force replaces the existing output file with the session file."""
    made = team.import_bundle("Replace", user="bob")
    target = team.file("out.xea", b"old")
    team.ok("sessions", "download", made["id"], "-o", str(target), "--force", user="bob")
    assert target.read_bytes() == (team.workdir / "Replace.xea").read_bytes()


def test_download_of_an_earlier_version(team: Cli) -> None:
    """--version 1 after a save gives the imported bytes, not the saved ones."""
    made = team.import_bundle("Old bytes", user="bob")
    team.ok("sessions", "open", made["id"], user="bob")
    team.ok("sessions", "save", made["id"], str(team.file("new.bin", b"new")), user="bob")
    out = team.workdir / "v1.xea"
    team.ok("sessions", "download", made["id"], "--version", "1", "-o", str(out), user="bob")
    assert out.read_bytes() == (team.workdir / "Old bytes.xea").read_bytes()


class CountingStream(io.RawIOBase):
    """A stream of `total` bytes that records the largest read asked of it."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.largest = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self.largest = max(self.largest, len(buffer))
        n = min(len(buffer), self.left)
        buffer[:n] = b"x" * n
        self.left -= n
        return n


def test_write_download_streams_in_chunks(tmp_path: Path) -> None:
    """A 5 MiB stream is copied in reads of at most one chunk, and whole."""
    stream = CountingStream(5 * CHUNK)
    written = write_download(stream, tmp_path / "big.bin")  # type: ignore[arg-type]
    assert written == 5 * CHUNK
    assert (tmp_path / "big.bin").stat().st_size == 5 * CHUNK
    assert 0 < stream.largest <= CHUNK


def test_write_download_loses_a_race_without_overwriting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that appears after the check but before the rename is kept; nothing is left over."""
    target = tmp_path / "raced.bin"
    real_link = os.link

    def link_after_rival(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        Path(dst).write_bytes(b"rival")
        real_link(src, dst)

    monkeypatch.setattr("sync.cli.download.os.link", link_after_rival)
    with pytest.raises(FileExists):
        write_download(io.BytesIO(b"mine"), target)
    assert target.read_bytes() == b"rival"
    assert [p.name for p in tmp_path.iterdir()] == ["raced.bin"]


def test_write_download_into_a_missing_folder_is_unavailable(team: Cli) -> None:
    """An output in a folder that does not exist exits 7 (unavailable) naming the path."""
    made = team.import_bundle("Nowhere", user="bob")
    target = team.workdir / "missing" / "f.xea"
    result = team("sessions", "download", made["id"], "-o", str(target), user="bob")
    assert result.exit_code == 7
    assert str(target) in result.stderr
