"""The Trash of a workspace and the History of a session, in Debian's Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import Panel, shot, sign_in
from tests.console.helpers import listed_names, open_menu, row_of

pytestmark = pytest.mark.browser


def test_trash_lists_deleted_sessions_and_restores_one(page: Page, panel: Panel) -> None:
    """A deleted session is in the Trash view; Restore brings it back to the sessions."""
    panel.store.delete("alice", panel.ids["Login flows"])
    sign_in(page, panel, "alice")
    expect(row_of(page, "Login flows")).to_have_count(0)
    page.get_by_role("button", name="Trash").click()
    expect(page.locator("#sessions tbody td.name")).to_have_text(["Login flows"])
    assert open_menu(page, "Login flows") == ["Restore"]
    shot(page, "trash")
    page.get_by_role("menuitem", name="Restore").click()
    expect(page.locator("#message")).to_have_text('"Login flows" is back in qa-team.')
    expect(page.locator("#empty")).to_have_text("The trash of this workspace is empty.")
    page.get_by_role("button", name="Sessions").click()
    expect(row_of(page, "Login flows")).to_have_count(1)
    assert not panel.store.show("alice", panel.ids["Login flows"]).trashed


def test_trash_offers_restore_only_where_the_rules_allow(page: Page, panel: Panel) -> None:
    """Bob, a member but not the owner, sees alice's trashed session with no option to use."""
    panel.store.delete("alice", panel.ids["Login flows"])
    sign_in(page, panel, "bob")
    page.get_by_role("button", name="Trash").click()
    expect(page.locator("#sessions tbody td.name")).to_have_text(["Login flows"])
    expect(page.get_by_role("button", name="More options for Login flows")).to_be_disabled()
    assert "Login flows" in listed_names(page)
