"""The demo cohort: who `senlab up --demo` creates, and in which park and enterprise."""

from __future__ import annotations

from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, Field

Role = Literal["trainee", "instructor", "manager", "dost"]


class Park(BaseModel):
    id: str
    kind: Literal["KCN", "CCN"]
    name: str


class Enterprise(BaseModel):
    id: str
    name: str
    park: str


class CohortUser(BaseModel):
    username: str
    full_name: str
    role: Role
    enterprise: str | None = None
    courses: list[str] = Field(default_factory=list)


class Cohort(BaseModel):
    parks: list[Park]
    enterprises: list[Enterprise]
    users: list[CohortUser]

    def usernames(self) -> list[str]:
        return [user.username for user in self.users]


def demo_cohort() -> Cohort:
    """The demo cohort shipped with SenLab (`senlab/data/demo_cohort.yaml`)."""
    text = resources.files("senlab.data").joinpath("demo_cohort.yaml").read_text("utf-8")
    return Cohort.model_validate(yaml.safe_load(text))
