"""The demo cohort: the demo province's parks and enterprises, and who `senlab up --demo` makes."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, model_validator

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

    @model_validator(mode="after")
    def _one_of_each(self) -> Cohort:
        for kind, ids in (("parks", [p.id for p in self.parks]),
                          ("enterprises", [e.id for e in self.enterprises]),
                          ("users", [u.username for u in self.users])):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise ValueError(f"{kind}: listed more than once: {', '.join(repeated)}")
        parks = {p.id for p in self.parks}
        for enterprise in self.enterprises:
            if enterprise.park not in parks:
                raise ValueError(f"enterprises.{enterprise.id}.park: unknown park "
                                 f"{enterprise.park!r}")
        return self

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
