"""The text rendering: sizes, times, tables and key: value lines."""

from __future__ import annotations

import pytest
from wcwidth import wcswidth

from sync.cli.output import (
    display_width,
    human_size,
    key_values,
    session_row,
    short_time,
    table,
)


@pytest.mark.parametrize(
    ("size", "text"),
    [(None, "-"), (0, "0 B"), (1023, "1023 B"), (1024, "1.0 KB"), (48213, "47.1 KB"),
     (5 * 1024**2, "5.0 MB"), (3 * 1024**3 + 1, "3.0 GB"), (2 * 1024**5, "2048.0 TB")],
)
def test_human_size(size: int | None, text: str) -> None:
    """Sizes read in B, then KB/MB/GB/TB with one decimal."""
    assert human_size(size) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "-"), ("", "-"), ("2026-11-20T10:05:59.123Z", "2026-11-20 10:05"),
     ("not a time", "not a time")],
)
def test_short_time(value: str | None, text: str) -> None:
    """ISO 8601 times shorten to `YYYY-MM-DD HH:MM`; anything else passes through."""
    assert short_time(value) == text


def test_table_aligns_columns_and_right_aligns_the_named_ones() -> None:
    """Columns are as wide as their widest cell; Size is right-aligned."""
    text = table(("Name", "Size"), [["a", "5 B"], ["longer", "10.0 KB"]], right=("Size",))
    assert text.splitlines() == ["Name       Size", "a           5 B", "longer  10.0 KB"]


def test_key_values_flattens_nested_objects_and_shows_nulls_as_dashes() -> None:
    """A nested object becomes `key.sub` lines; None, booleans and lists read naturally."""
    text = key_values({"id": "x", "lock": {"holder": "bob", "since": None}, "link": None,
                       "trashed": False, "members": ["a", "b"]})
    assert text.splitlines() == ["id: x", "lock.holder: bob", "lock.since: -", "link: -",
                                 "trashed: no", "members: a, b"]


def test_session_row_marks_trashed_sessions_and_shows_the_lock_holder() -> None:
    """A trashed, locked xray charter shows as such in its row."""
    row = session_row({"id": "i", "name": "N", "type": "charter", "mode": "xray",
                       "modified": "2026-11-20T10:00:00Z", "size": 2048, "owner": "al",
                       "trashed": True, "lock": {"holder": "jira", "since": None}})
    assert row == ["xray", "N (trashed)", "Charter", "2026-11-20 10:00", "2.0 KB", "al", "jira",
                   "i"]


@pytest.mark.parametrize("name", ["結合テスト", "🚀 launch", "Café ☕", "e\u0301tude", "plain"])
def test_table_columns_line_up_in_terminal_cells_with_wide_characters(name: str) -> None:
    """Every column after a CJK, emoji or combining name starts at the same terminal column."""
    out = table(("Name", "Owner", "Size"), [[name, "bob", "1 B"], ["x", "carol", "10 KB"]],
                right=("Size",))
    lines = out.splitlines()
    owner_starts = {wcswidth(line[: line.rindex(owner)])
                    for line, owner in zip(lines, ("Owner", "bob", "carol"), strict=True)}
    assert len(owner_starts) == 1
    assert len({wcswidth(line) for line in lines}) == 1  # the right-aligned column ends together


def test_display_width_counts_wide_characters_twice_and_marks_zero() -> None:
    """'日本' takes four cells, 'é' written with a combining accent one."""
    assert (display_width("日本"), display_width("e\u0301"), display_width("ab")) == (4, 1, 2)
