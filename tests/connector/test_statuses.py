"""Statuses named by name (any case), `id:` or `category:`: parsing, the order in which keys
are matched, and transitions chosen on a site whose statuses were renamed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector import ConnectorSettings, make_backend
from connector.base import Transition
from connector.errors import InvalidInput, Rejected
from connector.jira_side import JiraSide
from connector.payloads import pick_transition
from connector.statuses import StatusRef, StatusSpec, find_status, parse_status_spec
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox

DONE = StatusRef("Erledigt", "10001", "done")


@pytest.mark.parametrize(("text", "spec"), [
    ("Done", StatusSpec("name", "Done")), ("  done ", StatusSpec("name", "done")),
    ("id:10001", StatusSpec("id", "10001")), ("ID: 10001", StatusSpec("id", "10001")),
    ("category:done", StatusSpec("category", "done")),
    ("Category:Indeterminate", StatusSpec("category", "indeterminate")),
    ("QA: review", StatusSpec("name", "QA: review")),
])
def test_a_key_names_a_status_by_name_id_or_category(text: str, spec: StatusSpec) -> None:
    """`id:` and `category:` prefixes (any case) name an id or a category; else a name."""
    assert parse_status_spec(text) == spec


@pytest.mark.parametrize("text", ["id:", "category:finished", "category:", "  "])
def test_a_bad_key_names_the_rule(text: str) -> None:
    """An empty id, an unknown category or an empty name is refused with [status_spec]."""
    with pytest.raises(InvalidInput, match="status_spec"):
        parse_status_spec(text)


def test_an_id_key_wins_over_the_category_and_the_name() -> None:
    """When several keys name the status, the id's wins, then the category's, then the name."""
    table = {"erledigt": "by name", "category:done": "by category", "id:10001": "by id"}
    assert find_status(table, DONE) == "by id"
    assert find_status({"erledigt": "by name", "category:done": "by category"},
                       DONE) == "by category"
    assert find_status({"ERLEDIGT": "by name"}, DONE) == "by name"
    assert find_status({"Done": "x", "id:3": "y"}, DONE) is None


def test_an_id_key_never_matches_a_status_known_only_by_name() -> None:
    """A status reported without id or category matches name keys only."""
    assert find_status({"id:10001": "a", "category:done": "b"}, StatusRef("Done")) is None


def test_a_transition_is_picked_by_its_target_status_id_or_category() -> None:
    """`id:` and `category:` pick the transition leading to that status, never by its name."""
    offered = (Transition("21", "Start", "In Arbeit", "3", "indeterminate"),
               Transition("31", "id:10001", "Erledigt", "10001", "done"))
    assert pick_transition(offered, "id:10001") == offered[1]
    assert pick_transition(offered, "category:indeterminate") == offered[0]
    assert pick_transition(offered, "start") == offered[0]
    assert pick_transition(offered, "Done") is None


@pytest.fixture
def renamed() -> Iterator[tuple[RunningSandbox, JiraSide]]:
    """A Cloud sandbox whose Cancelled status is shown as "Abgebrochen"."""
    options = SandboxOptions(status_names={"Cancelled": "Abgebrochen", "Done": "Erledigt"})
    with start_sandbox("cloud", options=options) as sb:
        backend = make_backend(ConnectorSettings(
            deployment="cloud", jira_url=sb.url, token="sandbox-token",
            email="sandbox@example.com", xray_url=sb.url, client_id="sandbox",
            client_secret="sandbox-secret"))
        assert isinstance(backend, JiraSide)
        yield sb, backend


def test_a_renamed_status_is_reached_by_its_id(
    renamed: tuple[RunningSandbox, JiraSide],
) -> None:
    """On a site that renamed Cancelled, `id:10002` moves the issue there and a second try
    finds it there already; the old name no longer matches."""
    sb, backend = renamed
    issue = sb.state.add_issue("Test Execution", "run")
    with pytest.raises(Rejected, match="transition_available"):
        backend.transition_issue(issue.key, "Cancelled")
    backend.transition_issue(issue.key, "id:10002")
    backend.transition_issue(issue.key, "id:10002")
    moved = backend.get_issue(issue.key)
    assert (moved.status, moved.status_id, moved.status_category) == (
        "Abgebrochen", "10002", "done")
    assert sb.state.issues[issue.id].status == "Cancelled"
