"""Atlassian Document Format: Cloud v3 bodies are ADF, v2 bodies are plain strings."""

from __future__ import annotations

import html
from typing import Any


def text_to_adf(text: str) -> dict[str, Any]:
    """A plain string as an ADF document, one paragraph per line."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}] if line else []}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def is_adf(value: Any) -> bool:
    """Whether a value looks like an ADF document."""
    return isinstance(value, dict) and value.get("type") == "doc" and "content" in value


def adf_to_text(doc: Any) -> str:
    """The text of an ADF document; block nodes become lines."""
    if not isinstance(doc, dict):
        return "" if doc is None else str(doc)
    if doc.get("type") == "text":
        return str(doc.get("text", ""))
    parts = [adf_to_text(child) for child in doc.get("content", [])]
    separator = "\n" if doc.get("type") == "doc" else ""
    return separator.join(parts)


def adf_to_html(doc: Any) -> str:
    """An ADF document as the HTML Jira renders (`renderedBody`): a paragraph per line."""
    lines = adf_to_text(doc).split("\n")
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)
