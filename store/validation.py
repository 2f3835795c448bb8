"""Checks of caller input (names, choices) that refuse with `invalid` before anything is written."""

from __future__ import annotations

import unicodedata

from store.errors import Invalid

MAX_NAME_LENGTH = 255


def clean_name(raw: object, *, what: str = "name") -> str:
    """`raw` stripped of surrounding blanks, if it is a valid name; `invalid` otherwise.

    Rules: `name_empty` (nothing left after stripping), `name_too_long` (more than 255
    characters), `name_control_characters` (any Unicode control character, tabs and
    newlines included).
    """
    if not isinstance(raw, str):
        raise Invalid("name_empty", f"the {what} must be text [name_empty]")
    name = raw.strip()
    if not name:
        raise Invalid("name_empty", f"the {what} is empty [name_empty]")
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(
            "name_too_long",
            f"the {what} has {len(name)} characters, at most {MAX_NAME_LENGTH} are allowed "
            "[name_too_long]",
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in name):
        raise Invalid(
            "name_control_characters",
            f"the {what} holds control characters [name_control_characters]",
        )
    return name


def choice(value: str, allowed: tuple[str, ...], *, rule: str, what: str) -> str:
    """`value` if it is one of `allowed`; `invalid` naming `rule` otherwise."""
    if value not in allowed:
        options = ", ".join(allowed)
        raise Invalid(rule, f"the {what} must be one of {options}, not {value!r} [{rule}]")
    return value


def project_key(raw: object) -> str:
    """A Jira project key: letters, digits and underscores, starting with a letter."""
    key = raw.strip() if isinstance(raw, str) else ""
    if not key or not key[0].isalpha() or not all(c.isalnum() or c == "_" for c in key) \
            or len(key) > 64 or not key.isascii():
        raise Invalid(
            "project_key_invalid",
            f"a Jira project key is letters, digits and _ starting with a letter, not {raw!r} "
            "[project_key_invalid]",
        )
    return key.upper()
