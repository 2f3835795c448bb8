"""`Store` operations on people: users, their bearer tokens, workspaces and their members."""

from __future__ import annotations

from datetime import timedelta

from store import users, workspaces
from store.facade.core import StoreCore
from store.rows import admin_check_actor
from store.rules import AdminOperation, check_admin_only
from store.views import UserOut, WorkspaceOut


class PeopleOperations(StoreCore):
    """Users and workspaces (admins manage them; `actor` None is the bootstrap)."""

    def add_user(self, name: str, *, admin: bool = False, jira_account_id: str | None = None,
                 actor: str | None = None) -> UserOut:
        """Create a user and their personal workspace (admins only; `actor` None: bootstrap)."""
        with self._tx() as ctx:
            return users.add_user(ctx.db, name, admin=admin, jira_account_id=jira_account_id,
                                  actor=actor, now=ctx.now)

    def list_users(self, *, actor: str | None = None) -> list[UserOut]:
        """Every user, by name (with an `actor`: admins only)."""
        with self._tx(read=True) as ctx:
            if actor is not None:
                check_admin_only(AdminOperation.LIST_USERS, admin_check_actor(ctx.db, actor))
            return users.list_users(ctx.db)

    def get_user(self, name: str) -> UserOut:
        """The user called `name`."""
        with self._tx(read=True) as ctx:
            return users.get_user(ctx.db, name)

    def issue_token(self, name: str, *, actor: str | None = None,
                    expires: timedelta | None = None) -> str:
        """A new bearer token for `name` (shown once; only its hash is kept), valid for
        `expires` (None: until replaced).

        For oneself, or by an admin for anyone; `actor` None is the bootstrap."""
        with self._tx() as ctx:
            return users.issue_token(ctx.db, name, actor=actor, now=ctx.now, expires=expires)

    def user_for_token(self, token: str) -> UserOut:
        """The user a bearer token belongs to; `permission_denied` (`bad_token`, or
        `token_expired`) otherwise."""
        with self._tx(read=True) as ctx:
            return users.user_for_token(ctx.db, token, ctx.now)

    def disable_user(self, name: str, *, actor: str | None) -> UserOut:
        """Offboard `name` (admins): token revoked, locks released, sessions kept."""
        with self._tx() as ctx:
            return users.set_disabled(ctx.db, name, True, actor=actor, now=ctx.now)

    def enable_user(self, name: str, *, actor: str | None) -> UserOut:
        """Let a disabled user back in (admins); they need a new token."""
        with self._tx() as ctx:
            return users.set_disabled(ctx.db, name, False, actor=actor, now=ctx.now)

    def user_by_jira_account(self, account_id: str) -> UserOut:
        """The user carrying this Jira accountId."""
        with self._tx(read=True) as ctx:
            return users.user_by_jira_account(ctx.db, account_id)

    def add_workspace(self, actor: str | None, name: str, *, members: tuple[str, ...] = ()
                      ) -> WorkspaceOut:
        """Create a team workspace with the actor and `members` in it (admins only)."""
        with self._tx() as ctx:
            return workspaces.add_workspace(ctx.db, actor, name, tuple(members), ctx.now)

    def list_workspaces(self, actor: str) -> list[WorkspaceOut]:
        """The actor's workspaces (all of them for admins)."""
        with self._tx(read=True) as ctx:
            return workspaces.list_workspaces(ctx.db, actor)

    def add_member(self, actor: str | None, workspace: str, user: str) -> WorkspaceOut:
        """Add `user` to a team workspace (admins only)."""
        with self._tx() as ctx:
            return workspaces.add_member(ctx.db, actor, workspace, user, ctx.now)

    def remove_member(self, actor: str | None, workspace: str, user: str) -> WorkspaceOut:
        """Remove `user` from a team workspace (admins only)."""
        with self._tx() as ctx:
            return workspaces.remove_member(ctx.db, actor, workspace, user, ctx.now)
