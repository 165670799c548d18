"""The registry of parks and enterprises: the shares divide by it (enrolled or not), a bad
file is refused whole naming file, row and field, and only admins change it."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from senlab.progress.crud import organisations as orgs
from senlab.progress.crud.registry import COLUMNS, RegistryError, parse_registry
from senlab.progress.identity import Identity
from senlab.progress.models import Enterprise, Park, RegistryRevision
from tests.progress.conftest import ADMIN, course_event, event, in_session, post_events

DOST = Identity("dost1", groups=frozenset({"dost"}))
MANAGER = Identity("mgr1", groups=frozenset({"managers"}))
TRAINEE = Identity("t1", groups=frozenset({"trainees"}))
# Four parks, seven enterprises: P3 has none, and nobody works at E3, E4, E6 or E7.
REGISTRY = [
    ["P1", "KCN Một", "KCN", "E1", "Công ty E1", "0312345678"],
    ["P1", "", "", "E2", "Công ty E2", ""],
    ["P1", "", "", "E3", "Công ty E3", ""],
    ["P1", "", "", "E4", "Công ty E4", "0312345678-001"],
    ["P2", "CCN Hai", "CCN", "E5", "Công ty E5", ""],
    ["P2", "", "", "E6", "Công ty E6", ""],
    ["P3", "KCN Ba", "KCN", "", "", ""],
    ["P4", "CCN Bốn", "CCN", "E7", "Công ty E7", ""],
]
AS_OF = "2026-06-15"


def registry_csv(rows: list[list[str]], header: list[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(api, body: bytes, identity=ADMIN, fmt: str = "csv"):
    return api(identity, "PUT", "/api/registry", params={"format": fmt}, content=body)


def snapshot(app) -> tuple:
    with in_session(app) as session:
        return (sorted(session.execute(select(Park.id, Park.name, Park.kind)).all()),
                sorted(session.execute(select(Enterprise.id, Enterprise.name,
                                              Enterprise.park_id)).all()),
                session.scalar(select(func.count()).select_from(RegistryRevision)))


@pytest.fixture
def province(app, api):
    seed_province(app, api)


def seed_province(app, api) -> None:
    """The registry above, four trainees in three of its enterprises, three certificates."""
    response = upload(api, registry_csv(REGISTRY))
    assert response.status_code == 200, response.text
    assert response.json() == {"parks": 4, "enterprises": 7, "added": 7, "removed": 0,
                               "unenrolled_enterprises": 7}
    with in_session(app) as session:
        for trainee, enterprise in (("t1", "E1"), ("t2", "E1"), ("t3", "E2"), ("t4", "E5")):
            orgs.upsert_trainee(session, username=trainee, full_name=trainee,
                                enterprise_id=enterprise)
    post_events(api, [course_event("5g101", tags=["5g"], assignments=["a1"]),
                      course_event("iot101", tags=["iot"], assignments=["a1"]),
                      course_event("smart201", tags=["smart-management"], assignments=["a1"])])
    # t1 and t2 (E1) and t4 (E5) pass; t3 (E2) fails below the 50 % pass mark.
    post_events(api, [event("grade.recorded", f"{day}T09:00:00Z", trainee=t, course=c,
                            assignment="a1", score=s, max_score=10)
                      for t, c, day, s in (("t1", "5g101", "2026-02-10", 8),
                                           ("t2", "iot101", "2026-03-10", 7),
                                           ("t3", "iot101", "2026-03-12", 2),
                                           ("t4", "smart201", "2026-04-10", 9))])


def goals(api, **query) -> dict[str, dict]:
    response = api(ADMIN, "GET", "/api/goals", params={"as_of": AS_OF, **query})
    assert response.status_code == 200, response.text
    return {i["id"]: i for i in response.json()["indicators"]}


def test_the_shares_divide_by_every_registry_enterprise_enrolled_or_not(api, province):
    found = goals(api)
    # E1 alone has a 5G/IoT technician, of the registry's 7 enterprises: 1/7 = 14.29 %
    # (counting only the 3 enterprises with someone enrolled would give 33.33 %).
    assert found["enterprises-5g-technician"]["actual"] == 14.29
    assert found["enterprises-5g-technician"]["denominator"] == 7
    assert found["enterprises-iot-production"]["actual"] == 14.29  # E1 (t2)
    # P2 (t4, smart management) of the 4 parks, P3 with no enterprise included: 25 %.
    assert found["parks-smart-management-operators"]["actual"] == 25
    assert found["parks-smart-management-operators"]["denominator"] == 4
    assert found["certified-technicians"]["actual"] == 3
    assert found["certified-technicians"]["denominator"] is None


def test_a_park_filter_divides_by_that_parks_registry_enterprises(api, province):
    # P1: E1 of E1–E4.
    assert goals(api, park="P1")["enterprises-5g-technician"]["actual"] == 25


def test_the_registry_says_who_has_nobody_enrolled(api, province):
    body = api(DOST, "GET", "/api/registry").json()
    assert body["coverage"] == {"registry": True, "parks": 4, "parks_without_trainees": 2,
                                "enterprises": 7, "enterprises_without_trainees": 4}
    trainees = {e["id"]: e["trainees"] for p in body["parks"] for e in p["enterprises"]}
    assert trainees == {"E1": 2, "E2": 1, "E3": 0, "E4": 0, "E5": 1, "E6": 0, "E7": 0}
    assert body["revision"]["what"] == "import upload.csv"


def test_an_xlsx_registry_imports_like_the_csv(app, api):
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in REGISTRY:
        sheet.append([cell or None for cell in row])  # merged-looking blanks are None
    data = io.BytesIO()
    book.save(data)
    assert upload(api, data.getvalue(), fmt="xlsx").status_code == 200
    parks, enterprises, revisions = snapshot(app)
    assert parks == [("P1", "KCN Một", "KCN"), ("P2", "CCN Hai", "CCN"),
                     ("P3", "KCN Ba", "KCN"), ("P4", "CCN Bốn", "CCN")]
    assert ("E6", "Công ty E6", "P2") in enterprises and len(enterprises) == 7
    assert revisions == 1


BAD_FILES = {
    "duplicate enterprise": ([["P1", "KCN Một", "KCN", "E1", "A", ""],
                              ["P1", "", "", "E1", "B", ""]],
                             (3, "enterprise_id", "duplicate enterprise 'E1': already in row 2")),
    "unknown park": ([["P1", "KCN Một", "KCN", "E1", "A", ""], ["P9", "", "", "E2", "B", ""]],
                     (3, "park_id", "unknown park 'P9'")),
    "wrong kind": ([["P1", "KCN Một", "KHU", "E1", "A", ""]],
                   (2, "park_kind", "'KHU' must be KCN or CCN")),
    "missing enterprise name": ([["P1", "KCN Một", "KCN", "E1", "", ""]],
                                (2, "enterprise_name", "missing")),
    "missing park name": ([["P1", "", "KCN", "E1", "A", ""]], (2, "park_name", "missing")),
    "bad tax code": ([["P1", "KCN Một", "KCN", "E1", "A", "12345"]],
                     (2, "tax_code", "'12345' is not a tax code")),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_row_is_named_by_file_row_and_field(case):
    rows, (row, field, words) = BAD_FILES[case]
    with pytest.raises(RegistryError) as error:
        parse_registry("ban-quan-ly.csv", registry_csv(rows))
    assert [(r, f) for r, f, _m in error.value.problems] == [(row, field)]
    assert words in error.value.problems[0][2]
    assert f"ban-quan-ly.csv: row {row}, field {field}: " in str(error.value)


def test_a_refused_upload_changes_nothing_and_answers_422_naming_row_and_field(app, api,
                                                                              province):
    before = snapshot(app)
    rows = [*REGISTRY, ["P1", "", "", "E2", "Công ty E2 lần hai", ""]]  # row 10
    response = upload(api, registry_csv(rows))
    assert response.status_code == 422
    assert [(d["loc"], d["msg"][:21]) for d in response.json()["detail"]] == [
        (["body", 10, "enterprise_id"], "duplicate enterprise ")]
    assert snapshot(app) == before


def test_a_file_missing_a_column_is_refused_at_its_header(api):
    response = upload(api, registry_csv([["P1", "KCN", "E1"]], header=["park_id", "kind", "x"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", 1, "header"]


def test_a_file_that_leaves_out_an_enterprise_with_staff_is_refused_whole(app, api, province):
    before = snapshot(app)
    without_e5 = [r for r in REGISTRY if r[3] != "E5"]
    without_e5[4][1:3] = ["CCN Hai", "CCN"]  # E6's row now names P2
    response = upload(api, registry_csv(without_e5))
    assert response.status_code == 422
    assert "'E5' is not in the file" in response.text
    assert snapshot(app) == before


def test_a_file_that_leaves_out_an_unenrolled_enterprise_removes_it(app, api, province):
    without_e7 = [r for r in REGISTRY if r[0] != "P4"]
    assert upload(api, registry_csv(without_e7)).json()["removed"] == 1
    parks, enterprises, _revisions = snapshot(app)
    assert "P4" not in {p[0] for p in parks} and len(enterprises) == 6
    # The share now divides by 6: 1/6 = 16.67 %.
    assert goals(api)["enterprises-5g-technician"]["actual"] == 16.67


def test_an_admin_adds_renames_and_removes_one_park_and_enterprise(app, api, province):
    assert api(ADMIN, "PUT", "/api/registry/parks/P5",
               json={"name": "KCN Năm", "kind": "KCN"}).status_code == 204
    assert api(ADMIN, "PUT", "/api/registry/enterprises/E8",
               json={"name": "Công ty E8", "park": "P5"}).status_code == 204
    assert api(ADMIN, "PUT", "/api/registry/enterprises/E8",
               json={"name": "Công ty E8 mới", "park": "P5"}).status_code == 204
    assert ("E8", "Công ty E8 mới", "P5") in snapshot(app)[1]
    assert api(ADMIN, "DELETE", "/api/registry/parks/P5").status_code == 409  # E8 is there
    assert api(ADMIN, "DELETE", "/api/registry/enterprises/E8").status_code == 204
    assert api(ADMIN, "DELETE", "/api/registry/parks/P5").status_code == 204
    assert api(ADMIN, "DELETE", "/api/registry/parks/P5").status_code == 404
    assert snapshot(app)[2] == 1 + 5  # the import and five edits


def test_an_enterprise_where_someone_works_is_not_removed(app, api, province):
    response = api(ADMIN, "DELETE", "/api/registry/enterprises/E1")
    assert response.status_code == 409
    assert "2 person(s)" in response.json()["detail"]
    assert ("E1", "Công ty E1", "P1") in snapshot(app)[1]


def test_an_enterprise_in_an_unknown_park_is_refused_naming_the_field(api, province):
    response = api(ADMIN, "PUT", "/api/registry/enterprises/E9",
                   json={"name": "Công ty E9", "park": "P9"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "park"]


@pytest.mark.parametrize("who", [DOST, MANAGER, TRAINEE], ids=["dost", "manager", "trainee"])
def test_only_an_admin_changes_the_registry(app, api, province, who):
    before = snapshot(app)
    assert upload(api, registry_csv(REGISTRY[:1]), identity=who).status_code == 403
    assert api(who, "PUT", "/api/registry/parks/P9",
               json={"name": "X", "kind": "KCN"}).status_code == 403
    assert api(who, "DELETE", "/api/registry/enterprises/E7").status_code == 403
    assert snapshot(app) == before


@pytest.mark.parametrize("who,status", [(DOST, 200), (MANAGER, 403), (TRAINEE, 403)],
                         ids=["dost", "manager", "trainee"])
def test_dost_reads_the_registry_and_others_do_not(api, province, who, status):
    assert api(who, "GET", "/api/registry").status_code == status


@pytest.mark.parametrize("body,fmt", [(b"\xff\xfe\x00", "csv"),
                                      (b"PK\x03\x04 not a workbook", "xlsx")],
                         ids=["not-utf8", "broken-xlsx"])
def test_an_unreadable_file_is_a_422_naming_the_file(app, api, body, fmt):
    before = snapshot(app)
    response = upload(api, body, fmt=fmt)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", 0, "file"]
    assert snapshot(app) == before


def test_a_name_with_a_control_character_is_refused_in_a_file_and_in_an_edit(api):
    with pytest.raises(RegistryError) as error:
        parse_registry("f.csv", registry_csv([["P1", "KCN\x01Một", "KCN", "", "", ""]]))
    assert error.value.problems[0][:2] == (2, "park_name")
    # PostgreSQL refuses NUL in text: refused as the row's field, before the database.
    response = upload(api, registry_csv([["P1", "KCN A", "KCN", "E1", "Công\x00ty", ""]]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", 2, "enterprise_name"]
    response = api(ADMIN, "PUT", "/api/registry/parks/P1", json={"name": "A\u0000", "kind": "KCN"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]


def test_a_file_with_a_header_alone_is_refused_and_removes_nothing(app, api, province):
    before = snapshot(app)
    response = upload(api, registry_csv([]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "the file lists no park"
    assert snapshot(app) == before
