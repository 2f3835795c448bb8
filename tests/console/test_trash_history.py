"""The Trash of a workspace and the History of a session, in Debian's Chromium."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import Panel, shot, sign_in
from tests.console.helpers import choose, listed_names, open_menu, row_of

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


def _two_versions(panel: Panel) -> str:
    """Alice saves a second version of Login flows; its id."""
    sid = panel.ids["Login flows"]
    panel.store.open("alice", sid)
    panel.store.save("alice", sid, io.BytesIO(b"second version"))
    panel.store.close("alice", sid)
    return sid


def test_history_lists_the_versions_and_reverts(page: Page, panel: Panel) -> None:
    """History lists both versions; Revert to 1 makes version 3 with version 1's bytes."""
    sid = _two_versions(panel)
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "History")
    dialog = page.get_by_role("dialog", name='History of "Login flows"')
    rows = dialog.locator("#versions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first.locator("td").first).to_have_text("2 (current)")
    expect(dialog.get_by_role("button", name="Revert to version 2")).to_have_count(0)
    shot(page, "history")
    dialog.get_by_role("button", name="Revert to version 1").click()
    expect(dialog.get_by_role("status")).to_have_text(
        "Reverted to version 1: it is now version 3.")
    expect(rows).to_have_count(3)
    with panel.store.download("alice", sid).open() as stream:
        assert stream.read() == b"l" * 1200
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_role("button", name="More options for Login flows")).to_be_focused()


def test_history_downloads_an_earlier_version_to_disk(page: Page, panel: Panel) -> None:
    """Download in the History saves that version's bytes."""
    _two_versions(panel)
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "History")
    dialog = page.get_by_role("dialog", name='History of "Login flows"')
    with page.expect_download() as info:
        dialog.get_by_role("button", name="Download version 1").click()
    assert info.value.path().read_bytes() == b"l" * 1200


def test_history_offers_no_revert_to_a_member(page: Page, panel: Panel) -> None:
    """Bob may see the History of alice's session, but neither download nor revert it."""
    _two_versions(panel)
    sign_in(page, panel, "bob")
    choose(page, "Login flows", "History")
    dialog = page.get_by_role("dialog", name='History of "Login flows"')
    expect(dialog.locator("#versions tbody tr")).to_have_count(2)
    expect(dialog.get_by_role("button", name=re.compile("^(Revert|Download)"))).to_have_count(0)


def test_an_admin_sees_the_audit_trail_filtered(page: Page, panel: Panel) -> None:
    """Root's Audit view lists who did what; filtering by who keeps only bob's open."""
    sign_in(page, panel, "root")
    page.get_by_role("button", name="Audit").click()
    rows = page.locator("#audit tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= len(panel.ids)  # every import at least
    page.get_by_label("Who").fill("bob")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(2)  # bob's import of his notes, and his open of Payments
    expect(rows.first.locator("td").nth(2)).to_have_text("open")
    expect(rows.first.locator("td").nth(3)).to_have_text(panel.ids["Payments"])
    shot(page, "audit")


def test_the_audit_view_is_offered_to_admins_only(page: Page, panel: Panel) -> None:
    """Alice, not an admin, has no Audit button."""
    sign_in(page, panel, "alice")
    expect(page.get_by_role("button", name="Audit")).to_have_count(0)
