"""Webhook authenticity: Jira's HMAC signature and Automation's shared secret.

Pure checks over bytes and strings; constant-time comparisons only. No secret ever
appears in a return value or an error message.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature` value Jira sends for `body`: `sha256=<hex HMAC-SHA256>`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_ok(secret: str | None, body: bytes, header: str | None) -> bool:
    """True only when a secret is configured and `header` is the body's signature."""
    if not secret or not header:
        return False
    header = header.strip()
    if not header.lower().startswith(SIGNATURE_PREFIX):
        return False
    given = header[len(SIGNATURE_PREFIX):].strip().lower()
    expected = sign(secret, body)[len(SIGNATURE_PREFIX):]
    return hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii"))


def shared_secret_ok(secret: str | None, header: str | None) -> bool:
    """True only when a secret is configured and `header` equals it (constant time)."""
    if not secret or header is None:
        return False
    return hmac.compare_digest(header.encode("utf-8"), secret.encode("utf-8"))
