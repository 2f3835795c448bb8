"""Webhook signatures, download filenames, metrics rendering."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import metrics
from sync.api.disposition import content_disposition, safe_filename
from sync.api.signatures import shared_secret_ok, sign, signature_ok

BODY = b'{"webhookEvent": "jira:issue_updated"}'


def test_sign_is_hex_hmac_sha256_of_the_body() -> None:
    """The signature is `sha256=` and the hex HMAC-SHA256 of the raw body under the secret."""
    expected = hmac.new(b"s3cret", BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret", BODY) == f"sha256={expected}"


def test_good_signature_is_accepted() -> None:
    """A signature made with the configured secret over the exact body is accepted."""
    assert signature_ok("s3cret", BODY, sign("s3cret", BODY))


@pytest.mark.parametrize(
    ("secret", "header"),
    [
        ("s3cret", None),
        ("s3cret", ""),
        ("s3cret", sign("other", BODY)),
        ("s3cret", sign("s3cret", BODY + b" ")),
        ("s3cret", sign("s3cret", BODY).replace("sha256=", "sha1=")),
        ("s3cret", "sha256=zz\u00e9"),
        (None, sign("s3cret", BODY)),
        ("", sign("", BODY)),
    ],
)
def test_bad_missing_or_unconfigured_signature_is_refused(
    secret: str | None, header: str | None
) -> None:
    """Missing, wrong, other-algorithm or non-hex signatures, and no secret at all, are refused."""
    assert not signature_ok(secret, BODY, header)


def test_shared_secret_compare() -> None:
    """The automation secret matches only itself, and nothing matches when none is configured."""
    assert shared_secret_ok("abc", "abc")
    assert not shared_secret_ok("abc", "abd")
    assert not shared_secret_ok("abc", None)
    assert not shared_secret_ok(None, "abc")
    assert not shared_secret_ok("", "")


@pytest.mark.parametrize(
    ("name", "fallback", "encoded"),
    [
        ("Checkout run.zip", "Checkout run.zip", "Checkout%20run.zip"),
        ("../../etc/passwd", "_.._etc_passwd", "_.._etc_passwd"),
        ('a"b\r\nSet-Cookie: x=1', "a_bSet-Cookie_ x_1", "a%22bSet-Cookie%3A%20x%3D1"),
        ("Café ☕.zip", "Cafe .zip", "Caf%C3%A9%20%E2%98%95.zip"),
        ("C:\\temp\\x", "C__temp_x", "C%3A_temp_x"),
        ("", "session", "session"),
    ],
)
def test_content_disposition_is_safe(name: str, fallback: str, encoded: str) -> None:
    """The header carries an ASCII fallback and the RFC 5987 UTF-8 name, never a path or CR/LF."""
    assert content_disposition(name) == (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    )


@given(st.text())
def test_content_disposition_never_injects(name: str) -> None:
    """For any name the header is ASCII, one line, with exactly the two quotes of the fallback."""
    value = content_disposition(name)
    assert value.isascii()
    assert "\r" not in value and "\n" not in value
    assert value.count('"') == 2
    assert "/" not in safe_filename(name) and "\\" not in safe_filename(name)


def test_metrics_render_counters_and_scrape_gauges() -> None:
    """The text format has the engine's counters and the gauges read at scrape time."""
    before = metrics.PUSHES._value.get()
    metrics.PUSHES.inc()
    text = metrics.render(lambda: {"xray_sync_outbox_depth": 7, "xray_sync_locks_held": 2}).decode()
    assert f"xray_sync_pushes_total {before + 1}" in text
    assert "xray_sync_outbox_depth 7.0" in text
    assert "xray_sync_locks_held 2.0" in text
