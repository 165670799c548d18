"""A roster's people on the hub: their users, role groups and nbgrader course groups.

``sync_hub(HubClient(api_url, admin_token), rows)`` makes, through the hub's REST API, the
users the hub does not have yet, and puts each person in their role's group
(``senlab.hub.roles``) and in the course groups nbgrader reads (``senlab.hub.courses``).
Every call is idempotent: importing the same roster again changes nothing.
"""

from __future__ import annotations

import httpx

from senlab.hub.courses import course_group_members
from senlab.hub.roles import ROLE_GROUPS
from senlab.roster import RosterRow


class HubClient:
    """The few hub API calls the roster needs, with an admin token. Each is idempotent."""

    def __init__(self, api_url: str, token: str, *, transport: httpx.BaseTransport | None = None):
        self.http = httpx.Client(base_url=api_url.rstrip("/") + "/", timeout=30,
                                 headers={"Authorization": f"token {token}"},
                                 transport=transport)

    def _check(self, response: httpx.Response, what: str) -> httpx.Response:
        if response.status_code >= 400:
            raise RuntimeError(f"hub API refused to {what}: {response.status_code} "
                               f"{response.text[:200]}")
        return response

    def ensure_users(self, names: list[str]) -> int:
        """Create the users the hub does not have yet; return how many were created."""
        missing = [n for n in names if self.http.get(f"users/{n}").status_code == 404]
        if missing:
            self._check(self.http.post("users", json={"usernames": missing}),
                        f"create users {missing}")
        return len(missing)

    def ensure_group_members(self, group: str, names: list[str]) -> None:
        if self.http.get(f"groups/{group}").status_code == 404:
            self._check(self.http.post(f"groups/{group}"), f"create group {group!r}")
        if names:
            self._check(self.http.post(f"groups/{group}/users", json={"users": names}),
                        f"add users to group {group!r}")

    def close(self) -> None:
        self.http.close()


def sync_hub(hub: HubClient, rows: list[RosterRow]) -> int:
    """The rows' users and groups on the hub; return how many users were created."""
    created = hub.ensure_users([row.username for row in rows])
    for role, group in ROLE_GROUPS.items():
        hub.ensure_group_members(group, [row.username for row in rows if row.role == role])
    members = course_group_members((row.role, row.username, row.courses) for row in rows)
    for group, names in members.items():
        hub.ensure_group_members(group, names)
    return created
