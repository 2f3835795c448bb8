"""The workflow bridge in the demo, seen where a tester sees it: moving a session's Test
Execution to Done in the demo's sandbox archives the session in an open console within
seconds (a signed webhook to the daemon; the console's change feed), with no reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import sign_in_at
from tests.console.helpers import row_of
from tests.sync.test_demo import Demo, clean_shell, synced_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SOON = 15_000  # ms: the webhook is delivered at once, the console polls every 2 s
SESSION = "Checkout with expired cards"  # the demo's Xray-connected sample session


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """A demo of its own, its first cycle done (the sample has its Test Execution)."""
    with synced_demo(tmp_path) as running:
        yield running


def test_done_in_the_sandbox_archives_the_session_in_the_open_console(
        page: Page, demo: Demo, tmp_path: Path) -> None:
    """The hinted move to Done shows the row "Locked by Jira" without a reload."""
    sign_in_at(page, demo.api().removesuffix("/api/v1/"), demo.token)
    page.evaluate("window.__not_reloaded = true")
    commands = demo.hint_commands()
    first = next(i for i, c in enumerate(commands) if c.startswith("KEY="))
    moved = clean_shell("set -e\n" + "\n".join(
        [commands[0], *(c for c in commands[first:] if not c.startswith("sleep"))]), tmp_path)
    assert moved.returncode == 0, moved.stderr
    expect(row_of(page, SESSION).locator("td.lock")).to_contain_text("Locked by Jira", timeout=SOON)
    assert page.evaluate("window.__not_reloaded === true")
