"""Name validation as properties: what is accepted is clean, what is refused names its rule."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from store.errors import Invalid
from store.validation import MAX_NAME_LENGTH, clean_name, project_key


@given(st.text(max_size=300))
def test_accepted_names_are_clean(raw: str) -> None:
    """Any accepted name is stripped, 1-255 characters long, and free of control characters."""
    try:
        name = clean_name(raw)
    except Invalid as exc:
        assert exc.rule in ("name_empty", "name_too_long", "name_control_characters")
        return
    assert name == raw.strip()
    assert 1 <= len(name) <= MAX_NAME_LENGTH
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in name)


@given(st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs")), min_size=1,
               max_size=MAX_NAME_LENGTH))
def test_printable_names_are_accepted(raw: str) -> None:
    """Letters, digits, punctuation and spaces make a valid name unless blank."""
    if raw.strip():
        assert clean_name(raw) == raw.strip()


def test_project_key_is_upper_cased() -> None:
    """A project key is accepted in any case and kept upper-case."""
    assert project_key(" qa_2 ") == "QA_2"
