"""A safe `Content-Disposition` for downloads (RFC 6266 with RFC 5987 `filename*`).

The stored name of a session is user input: it may hold slashes, quotes, CR/LF or
any Unicode. The header carries an ASCII fallback `filename="..."` with only safe
characters, and the full name percent-encoded as `filename*=UTF-8''...`; neither
can carry a path or break out of the header.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._ ()+-]")
_SEPARATORS = re.compile(r"[/\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_NAME = 200


def safe_filename(name: str, default: str = "session") -> str:
    """`name` without path separators, control characters or leading dots; never empty."""
    cleaned = _CONTROL.sub("", _SEPARATORS.sub("_", name)).strip().lstrip(".").strip()
    return cleaned[:MAX_NAME] or default


def ascii_fallback(name: str) -> str:
    """An ASCII-only rendering of a safe filename for old clients."""
    decomposed = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = _UNSAFE_ASCII.sub("_", decomposed).strip().lstrip(".")
    return fallback or "session"


def content_disposition(name: str) -> str:
    """The header value for downloading a file called `name`."""
    safe = safe_filename(name)
    encoded = quote(safe, safe="")
    return f"attachment; filename=\"{ascii_fallback(safe)}\"; filename*=UTF-8''{encoded}"
