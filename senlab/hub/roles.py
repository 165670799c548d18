"""SenLab's people as JupyterHub groups and roles.

A person's role is the hub group they are in. Each group has a hub role that grants what
that role may do on the hub itself; what they may see in the progress service is decided
there, from the same groups.
"""

from __future__ import annotations

from senlab.hub.cohort import Cohort

ROLE_GROUPS = {
    "trainee": "trainees",
    "instructor": "instructors",
    "manager": "managers",
    "dost": "dost",
}

PROGRESS = "access:services!service=progress"


def hub_roles(*, services: list[str], admin_service: str | None = None) -> list[dict]:
    """`c.JupyterHub.load_roles`: one role per group, and the services' rights."""
    roles = [
        {
            "name": "senlab-trainee",
            "description": "Enterprise technicians taking the courses",
            "scopes": ["self", PROGRESS],
            "groups": [ROLE_GROUPS["trainee"]],
        },
        {
            "name": "senlab-instructor",
            "description": "Instructors writing and grading the labs",
            "scopes": ["self", PROGRESS, "list:users", "read:users!group=trainees",
                       "read:groups"],
            "groups": [ROLE_GROUPS["instructor"]],
        },
        {
            "name": "senlab-manager",
            "description": "Enterprise managers following their staff",
            "scopes": ["self", PROGRESS],
            "groups": [ROLE_GROUPS["manager"]],
        },
        {
            "name": "senlab-dost",
            "description": "DOST officers following the plan's indicators (read-only)",
            "scopes": ["self", PROGRESS],
            "groups": [ROLE_GROUPS["dost"]],
        },
        {
            "name": "senlab-services",
            "description": "SenLab's own services: they read users and groups",
            "scopes": ["list:users", "read:users", "read:groups", "list:groups"],
            "services": [name for name in services if name in {"progress", "fleet", "grader"}],
        },
    ]
    if admin_service:
        roles.append({"name": "admin", "services": [admin_service]})
    return roles


def hub_groups(cohort: Cohort) -> dict[str, dict]:
    """`c.JupyterHub.load_groups` for a cohort: each role's group with its members."""
    groups: dict[str, dict] = {name: {"users": []} for name in ROLE_GROUPS.values()}
    for user in cohort.users:
        groups[ROLE_GROUPS[user.role]]["users"].append(user.username)
    return groups
