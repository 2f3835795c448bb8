"""The store's one facade: every operation the CLI, the HTTP API, the daemon and the Jira
workflow bridge call, each in one database transaction.

Actors are user names.  `Store` is assembled from the groups of operations in
`store.facade` (people, files, lifecycle, monitoring), all standing on
`store.facade.core.StoreCore`: each method opens a transaction, lets the operation
module check the rules and write the change with its outbox entry and audit row, and
commits.  Uploads are streamed to a staged blob *before* the transaction (a 500 MB file
never holds the database), inspected by `bundle.inspect_upload`, and made part of the
store inside it.  Database failures leave as `Unavailable`; nothing else of SQLAlchemy
leaks out.
"""

from __future__ import annotations

import copy

from store.columns import utc_now
from store.facade.files import FileOperations
from store.facade.lifecycle import LifecycleOperations
from store.facade.monitoring import MonitoringOperations
from store.facade.people import PeopleOperations
from store.settings import StoreSettings

__all__ = ["Store", "StoreSettings", "utc_now"]


class Store(PeopleOperations, FileOperations, LifecycleOperations, MonitoringOperations):
    """Users, workspaces and exploratory sessions, under the rules of docs/design.md section 3."""

    def via(self, surface: str) -> Store:
        """This store, recording `surface` (api, cli, webhook, automation, pull) in the
        audit row of every change made through it, so an admin sees where it came from."""
        clone = copy.copy(self)
        clone._surface = surface
        return clone

    def without_admin_rights(self) -> Store:
        """This store, for requests whose actor's admin role must count for nothing.

        Jira Automation's requests carry only a shared secret: whoever holds it may name
        any actor, so such a request is honoured only for what its actor may do as a user.
        """
        clone = copy.copy(self)
        clone._admin_rights = False
        return clone
