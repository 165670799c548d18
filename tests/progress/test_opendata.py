"""Open data for the province's shared data platform: the training indicators per park as
JSON and CSV, valid against the shipped JSON Schema, read by DOST and admins only."""

from __future__ import annotations

import csv
import json

import pytest
from jsonschema import Draft202012Validator

from senlab.progress.routes.opendata import SCHEMA_FILE
from tests.progress.conftest import ADMIN
from tests.progress.test_registry import AS_OF, DOST, MANAGER, TRAINEE, seed_province


@pytest.fixture
def province(app, api):
    seed_province(app, api)


def opendata(api, fmt: str, identity=DOST):
    return api(identity, "GET", f"/api/opendata/indicators.{fmt}", params={"as_of": AS_OF})


def by_place(rows) -> dict[tuple, dict]:
    return {(row["park_id"] or None, row["indicator_id"]): row for row in rows}


def test_the_json_is_valid_against_the_shipped_schema(api, province):
    document = opendata(api, "json").json()
    schema = api(DOST, "GET", "/api/opendata/schema.json").json()
    assert schema == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    assert (document["as_of"], document["target_period"]) == (AS_OF, "2025-2027")


def test_each_park_divides_by_its_own_registry_enterprises(api, province):
    rows = by_place(opendata(api, "json").json()["rows"])
    # Five places (the province and P1–P4) times four indicators.
    assert len(rows) == 5 * 4
    share = "enterprises-5g-technician"
    # Worked by hand: E1 of P1's four enterprises; none of P2's two; P3 has none at all.
    assert (rows[(None, share)]["numerator"], rows[(None, share)]["denominator"],
            rows[(None, share)]["value"]) == (1, 7, 14.29)
    assert (rows[("P1", share)]["numerator"], rows[("P1", share)]["denominator"],
            rows[("P1", share)]["value"]) == (1, 4, 25)
    assert (rows[("P2", share)]["value"], rows[("P2", share)]["denominator"]) == (0, 2)
    assert (rows[("P3", share)]["value"], rows[("P3", share)]["denominator"]) == (0, 0)
    parks = "parks-smart-management-operators"
    assert rows[("P2", parks)]["value"] == 100 and rows[(None, parks)]["value"] == 25
    people = rows[(None, "certified-technicians")]
    assert (people["value"], people["denominator"], people["target"]) == (3, None, 300)
    assert {row["kind"] for row in rows.values()} == {"derived"}


def test_the_csv_carries_the_same_rows_as_the_json(api, province):
    response = opendata(api, "csv")
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(response.content.decode("utf-8").splitlines()))
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert list(table[0]) == schema["$defs"]["row"]["required"]
    rows = opendata(api, "json").json()["rows"]
    assert len(table) == len(rows)
    p1 = next(r for r in table if r["park_id"] == "P1"
              and r["indicator_id"] == "enterprises-5g-technician")
    assert (p1["park_name"], p1["value"], p1["numerator"], p1["denominator"]) == \
        ("KCN Một", "25.0", "1", "4")


@pytest.mark.parametrize("who,status", [(DOST, 200), (ADMIN, 200), (MANAGER, 403),
                                        (TRAINEE, 403)],
                         ids=["dost", "admin", "manager", "trainee"])
def test_dost_and_admins_read_the_open_data_others_get_403(api, province, who, status):
    for path in ("indicators.json", "indicators.csv", "schema.json"):
        assert api(who, "GET", f"/api/opendata/{path}").status_code == status
