"""The sandbox's two accounts: the administrator and a plain user, with their roles and groups.

A fresh Jira's default permission scheme is what tells them apart: only the Administrators
role may delete issues, edit or delete others' comments and register webhooks; everyone
may browse, create, edit, comment and transition. Comments restricted to a role or group are
hidden from those outside it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sandbox.options import Credentials, Deployment

ROLES = ("Administrators", "Developers", "Users")
GROUPS = ("jira-administrators", "jira-software-users")


@dataclass(frozen=True)
class SandboxUser:
    """One account: its identifiers on both deployments and what it belongs to."""

    name: str  # Data Center username
    key: str  # Data Center user key
    account_id: str  # Cloud
    display_name: str
    roles: tuple[str, ...]
    groups: tuple[str, ...]

    @property
    def administrator(self) -> bool:
        """Whether the user holds the Administrators project role."""
        return "Administrators" in self.roles

    def member_of(self, kind: str, value: str) -> bool:
        """Whether the user is in this role or group (a comment's `visibility`)."""
        return value in (self.roles if kind == "role" else self.groups)

    def identifiers(self) -> tuple[str, ...]:
        """Every string a client may name the user by."""
        return (self.name, self.key, self.account_id)


ADMIN = SandboxUser("sandbox", "JIRAUSER10000", "5b10a2844c20165700ede21g", "Sandbox User",
                    ROLES, GROUPS)
TESTER = SandboxUser("tester", "JIRAUSER10001", "5b10a2844c20165700ede22h", "Sandbox Tester",
                     ("Developers", "Users"), ("jira-software-users",))
USERS = (ADMIN, TESTER)


def user_named(identifier: str) -> SandboxUser | None:
    """The user a name, key or accountId names, if any."""
    for user in USERS:
        if identifier in user.identifiers():
            return user
    return None


def render_user(user: SandboxUser, email: str, base: str, api: str,
                deployment: Deployment) -> dict[str, Any]:
    """A user as Jira shows it: accountId on Cloud, name/key on Data Center."""
    avatars = {size: f"{base}/secure/useravatar?size={size}&ownerId={user.key}"
               for size in ("48x48", "24x24", "16x16", "32x32")}
    if deployment == "cloud":
        return {
            "self": f"{base}{api}/user?accountId={user.account_id}",
            "accountId": user.account_id, "accountType": "atlassian", "emailAddress": email,
            "avatarUrls": avatars, "displayName": user.display_name, "active": True,
            "timeZone": "Etc/UTC",
        }
    return {
        "self": f"{base}{api}/user?username={user.name}", "key": user.key, "name": user.name,
        "emailAddress": email, "avatarUrls": avatars, "displayName": user.display_name,
        "active": True, "timeZone": "Etc/UTC",
    }


def account_for(credential: str, deployment: Deployment,
                accounts: dict[str, Credentials]) -> str | None:
    """The name of the user an Authorization header proves, if any.

    Cloud: Basic e-mail:API token; Data Center: Bearer personal access token.
    """
    for name, creds in accounts.items():
        if deployment == "cloud":
            pair = base64.b64encode(f"{creds.email}:{creds.api_token}".encode()).decode()
            if credential == f"Basic {pair}":
                return name
        elif credential == f"Bearer {creds.personal_access_token}":
            return name
    return None
