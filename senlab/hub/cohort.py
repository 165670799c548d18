"""The demo cohort: the demo province's parks and enterprises, and who `senlab up --demo` makes.

The parks and enterprises are the demo registry's (``senlab/data/registry-demo.csv``, the
one list of them, which `senlab up --demo` imports as the Economic Zone Authority's list
would be): some of its enterprises have nobody enrolled. The people are
``senlab/data/demo_cohort.yaml``'s.
"""

from __future__ import annotations

import csv
import io
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
    parks: list[Park] = Field(default_factory=list)
    enterprises: list[Enterprise] = Field(default_factory=list)
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
        enterprises = {e.id for e in self.enterprises}
        for user in self.users:
            if self.enterprises and user.enterprise and user.enterprise not in enterprises:
                raise ValueError(f"users.{user.username}.enterprise: {user.enterprise!r} is "
                                 "not in the registry")
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


DEMO_REGISTRY = "registry-demo.csv"


def demo_registry_bytes() -> bytes:
    """The demo registry file, as `senlab registry import` reads it."""
    return resources.files("senlab.data").joinpath(DEMO_REGISTRY).read_bytes()


def registry_places(data: bytes) -> tuple[list[Park], list[Enterprise]]:
    """The parks and enterprises of a registry CSV that is known good (the shipped one;
    the progress service checks every file it imports, this one included)."""
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    parks: dict[str, Park] = {}
    for row in rows:
        if row["park_name"] and row["park_id"] not in parks:
            parks[row["park_id"]] = Park(id=row["park_id"], kind=row["park_kind"],
                                         name=row["park_name"])
    enterprises = [Enterprise(id=row["enterprise_id"], name=row["enterprise_name"],
                              park=row["park_id"]) for row in rows if row["enterprise_id"]]
    return list(parks.values()), enterprises


def demo_cohort() -> Cohort:
    """The demo cohort shipped with SenLab: the demo registry's parks and enterprises, and
    `senlab/data/demo_cohort.yaml`'s people. Parks or enterprises the YAML still lists
    must be the registry's."""
    text = resources.files("senlab.data").joinpath("demo_cohort.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    parks, enterprises = registry_places(demo_registry_bytes())
    listed = Cohort.model_validate(raw)
    known = {(p.id, p.kind, p.name) for p in parks} | {(e.id, e.park, e.name)
                                                         for e in enterprises}
    strays = [p.id for p in listed.parks if (p.id, p.kind, p.name) not in known] + \
        [e.id for e in listed.enterprises if (e.id, e.park, e.name) not in known]
    if strays:
        raise ValueError(f"demo_cohort.yaml lists places the demo registry "
                         f"({DEMO_REGISTRY}) does not: {', '.join(strays)}")
    return Cohort.model_validate({**raw, "parks": [p.model_dump() for p in parks],
                                  "enterprises": [e.model_dump() for e in enterprises]})
