"""The demo cohort: who `senlab up --demo` creates, and in which park and enterprise."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from senlab.roster import COLUMNS

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


def write_roster_csv(cohort: Cohort, path: Path) -> Path:
    """The cohort as a roster file that `senlab roster import` takes."""
    parks = {park.id: park for park in cohort.parks}
    enterprises = {enterprise.id: enterprise for enterprise in cohort.enterprises}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for user in cohort.users:
            enterprise = enterprises.get(user.enterprise or "")
            park = parks.get(enterprise.park) if enterprise else None
            writer.writerow({
                "role": user.role, "username": user.username, "full_name": user.full_name,
                "park_id": park.id if park else "", "park_name": park.name if park else "",
                "park_kind": park.kind if park else "",
                "enterprise_id": enterprise.id if enterprise else "",
                "enterprise_name": enterprise.name if enterprise else "",
                "courses": ";".join(user.courses),
            })
    return path


def demo_cohort() -> Cohort:
    """The demo cohort shipped with SenLab (`senlab/data/demo_cohort.yaml`)."""
    text = resources.files("senlab.data").joinpath("demo_cohort.yaml").read_text("utf-8")
    return Cohort.model_validate(yaml.safe_load(text))
