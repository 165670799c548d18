"""Who is asking: a hub identity, and the roles the hub's groups give it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Hub groups that carry a SenLab role; admins are the hub's admins.
TRAINEES, INSTRUCTORS, MANAGERS, DOST = "trainees", "instructors", "managers", "dost"
# Hub services allowed to post events.
EVENT_SERVICES = frozenset({"fleet", "grader"})


@dataclass(frozen=True)
class Identity:
    """A hub user or hub service, as the hub's ``GET /user`` describes it."""

    name: str
    kind: str = "user"  # "user" or "service"
    admin: bool = False
    groups: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_hub_model(cls, model: dict[str, Any]) -> Identity:
        return cls(name=model["name"], kind=model.get("kind", "user"),
                   admin=bool(model.get("admin", False)),
                   groups=frozenset(model.get("groups") or ()))

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    @property
    def is_dost(self) -> bool:
        return not self.is_service and DOST in self.groups

    @property
    def is_manager(self) -> bool:
        return not self.is_service and MANAGERS in self.groups

    @property
    def is_instructor(self) -> bool:
        return not self.is_service and INSTRUCTORS in self.groups

    @property
    def sees_everything(self) -> bool:
        return self.admin or self.is_dost

    @property
    def may_post_events(self) -> bool:
        return self.admin or (self.is_service and self.name in EVENT_SERVICES)
