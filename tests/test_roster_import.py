"""Roster import (senlab.roster_import): all or nothing, row-numbered errors, idempotent,
hub users and groups."""

from __future__ import annotations

import json

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from senlab.hub.roster import HubClient
from senlab.progress.db import make_engine, migrate, session_factory
from senlab.progress.models import (
    Enrolment,
    Enterprise,
    InstructorAssignment,
    ManagerAssignment,
    Park,
    Trainee,
)
from senlab.roster import COLUMNS, RosterError
from senlab.roster_import import import_roster

GOOD = [
    ["trainee", "an", "Nguyễn Văn An", "KCN-SD", "KCN Sa Đéc", "KCN", "E1", "Công ty A",
     "iot101;5g201"],
    ["trainee", "binh", "Trần Thị Bình", "CCN-TB", "CCN Tân Bình", "CCN", "E2", "Công ty B",
     "iot101"],
    ["manager", "mgr1", "Lê Văn Quản", "KCN-SD", "KCN Sa Đéc", "KCN", "E1", "Công ty A", ""],
    ["instructor", "thay", "Phạm Thầy", "", "", "", "", "", "iot101"],
    ["dost", "dost1", "Cán bộ Sở", "", "", "", "", "", ""],
]


class FakeHubApi:
    """JupyterHub's users and groups endpoints, in memory, behind httpx.MockTransport."""

    def __init__(self, *, fail_groups: bool = False):
        self.users: set[str] = set()
        self.groups: dict[str, set[str]] = {}
        self.calls: list[str] = []
        self.fail_groups = fail_groups

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/hub/api/")
        self.calls.append(f"{request.method} {path}")
        assert request.headers["authorization"] == "token admin-secret"
        parts = path.split("/")
        if parts[0] == "users" and request.method == "GET":
            return httpx.Response(200 if parts[1] in self.users else 404, json={})
        if parts == ["users"] and request.method == "POST":
            self.users.update(json.loads(request.content)["usernames"])
            return httpx.Response(201, json=[])
        if self.fail_groups:
            return httpx.Response(500, text="database is locked")
        if parts[0] == "groups" and len(parts) == 2:
            if request.method == "GET":
                return httpx.Response(200 if parts[1] in self.groups else 404, json={})
            self.groups.setdefault(parts[1], set())
            return httpx.Response(201, json={})
        if parts[0] == "groups" and parts[2:] == ["users"]:
            self.groups[parts[1]].update(json.loads(request.content)["users"])
            return httpx.Response(200, json={})
        return httpx.Response(404, json={"message": f"no route {path}"})


def hub_client(fake: FakeHubApi) -> HubClient:
    return HubClient("http://hub.invalid/hub/api", "admin-secret",
                     transport=httpx.MockTransport(fake))


def write_csv(path, rows, header=COLUMNS):
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def counts(settings) -> dict[str, int]:
    engine = make_engine(settings.db_url)
    migrate(engine)
    with session_factory(engine)() as session:
        found = {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                 for model in (Park, Enterprise, Trainee, ManagerAssignment,
                               InstructorAssignment, Enrolment)}
    engine.dispose()
    return found


EXPECTED = {"parks": 2, "enterprises": 2, "trainees": 2, "manager_assignments": 1,
            "instructor_assignments": 1, "enrolments": 3}


def test_a_good_csv_makes_the_organisations_people_and_hub_groups(settings, tmp_path):
    fake = FakeHubApi()
    summary = import_roster(settings, write_csv(tmp_path / "r.csv", GOOD), hub_client(fake))
    assert counts(settings) == EXPECTED
    assert summary.hub_users_created == 5
    assert fake.users == {"an", "binh", "mgr1", "thay", "dost1"}
    assert fake.groups == {"trainees": {"an", "binh"}, "managers": {"mgr1"},
                           "instructors": {"thay"}, "dost": {"dost1"},
                           # nbgrader's course groups: who takes and who teaches each course
                           "nbgrader-iot101": {"an", "binh"}, "nbgrader-5g201": {"an"},
                           "formgrade-iot101": {"thay"}}


def test_importing_twice_changes_nothing(settings, tmp_path):
    fake = FakeHubApi()
    path = write_csv(tmp_path / "r.csv", GOOD)
    import_roster(settings, path, hub_client(fake))
    again = import_roster(settings, path, hub_client(fake))
    assert again.hub_users_created == 0
    assert counts(settings) == EXPECTED


def test_a_renamed_enterprise_is_updated_in_place(settings, tmp_path):
    import_roster(settings, write_csv(tmp_path / "r.csv", GOOD), None)
    renamed = [row[:7] + ["Công ty A mới"] + row[8:] if row[6] == "E1" else row
               for row in GOOD]
    import_roster(settings, write_csv(tmp_path / "r2.csv", renamed), None)
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as session:
        assert session.get(Enterprise, "E1").name == "Công ty A mới"
    engine.dispose()
    assert counts(settings) == EXPECTED


def test_an_xlsx_roster_imports_like_the_csv(settings, tmp_path):
    workbook = Workbook()
    workbook.active.append(COLUMNS)
    for row in GOOD:
        workbook.active.append(row)
    workbook.save(tmp_path / "r.xlsx")
    import_roster(settings, tmp_path / "r.xlsx", hub_client(FakeHubApi()))
    assert counts(settings) == EXPECTED


def test_bad_rows_are_reported_by_row_and_field_and_nothing_is_imported(settings, tmp_path):
    rows = [GOOD[0],
            ["trainee", "Chi Nguyen", "Chi", "KCN-SD", "KCN Sa Đéc", "KCN", "E1", "Công ty A",
             ""],
            ["trainee", "dung", "Dũng", "KCN-SD", "KCN Sa Đéc", "KCX", "E1", "Công ty A", ""],
            ["boss", "em", "Em", "", "", "", "", "", ""],
            ["instructor", "giang", "Giang", "", "", "", "", "", ""]]
    fake = FakeHubApi()
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(RosterError) as error:
        import_roster(settings, path, hub_client(fake))
    assert [(row, name) for row, name, _ in error.value.problems] == [
        (3, "username"), (4, "park_kind"), (5, "role"), (6, "courses")]
    assert f"{path}: row 4, field park_kind: 'KCX' must be KCN or CCN" in str(error.value)
    assert fake.calls == []
    assert counts(settings)["trainees"] == 0


def test_a_person_listed_twice_is_an_error_naming_both_rows(tmp_path, settings):
    with pytest.raises(RosterError, match=r"row 3, field username: 'an' is already on row 2"):
        import_roster(settings, write_csv(tmp_path / "r.csv", [GOOD[0], GOOD[0]]), None)


def test_a_park_described_two_ways_is_an_error(tmp_path, settings):
    other = GOOD[1][:3] + ["KCN-SD", "Another name", "KCN"] + GOOD[1][6:]
    with pytest.raises(RosterError, match=r"row 3, field park_name: park 'KCN-SD'"):
        import_roster(settings, write_csv(tmp_path / "r.csv", [GOOD[0], other]), None)


def test_a_missing_column_is_named(tmp_path, settings):
    header = [c for c in COLUMNS if c != "park_kind"]
    rows = [row[:5] + row[6:] for row in GOOD]
    with pytest.raises(RosterError, match="row 1, field header: missing column.*park_kind"):
        import_roster(settings, write_csv(tmp_path / "r.csv", rows, header), None)


def test_another_file_type_is_refused(tmp_path, settings):
    (tmp_path / "r.txt").write_text("role,username\n")
    with pytest.raises(RosterError, match="must be .csv or .xlsx"):
        import_roster(settings, tmp_path / "r.txt", None)


def test_a_hub_failure_leaves_the_database_untouched(settings, tmp_path):
    fake = FakeHubApi(fail_groups=True)
    with pytest.raises(RuntimeError, match="hub API refused to add users to group .trainees.: 500"):
        import_roster(settings, write_csv(tmp_path / "r.csv", GOOD), hub_client(fake))
    assert counts(settings)["trainees"] == 0


def load_registry(settings, text: str) -> None:
    """The registry as `senlab registry import` writes it."""
    from senlab.progress.crud.registry import import_registry, parse_registry
    from senlab.progress.db import session_scope

    engine = make_engine(settings.db_url)
    migrate(engine)
    with session_scope(session_factory(engine)) as session:
        import_registry(session, source="registry.csv", made_by="test",
                        registry=parse_registry("registry.csv", text.encode("utf-8")))
    engine.dispose()


REGISTRY = ("park_id,park_name,park_kind,enterprise_id,enterprise_name,tax_code\n"
            "KCN-SD,KCN Sa Đéc (sổ đăng ký),KCN,E1,Công ty A (sổ đăng ký),\n"
            "CCN-TB,CCN Tân Bình,CCN,E2,Công ty B,\n"
            "CCN-TB,,,E3,Công ty C,\n")


def test_with_a_registry_a_trainee_outside_it_is_refused_naming_row_and_field(settings,
                                                                              tmp_path):
    load_registry(settings, REGISTRY)
    stray = ["trainee", "chi", "Lê Chi", "KCN-SD", "KCN Sa Đéc", "KCN", "E9", "Công ty Z", ""]
    moved = ["trainee", "dung", "Võ Dũng", "KCN-SD", "KCN Sa Đéc", "KCN", "E2", "Công ty B", ""]
    fake = FakeHubApi()
    path = write_csv(tmp_path / "r.csv", [GOOD[0], stray, moved])
    with pytest.raises(RosterError) as error:
        import_roster(settings, path, hub_client(fake))
    assert [(row, name) for row, name, _ in error.value.problems] == [
        (3, "enterprise_id"), (4, "park_id")]
    assert f"{path}: row 3, field enterprise_id: enterprise 'E9' is not in the registry" \
        in str(error.value)
    assert "'E2' is in park 'CCN-TB' in the registry, not 'KCN-SD'" in str(error.value)
    assert fake.calls == []  # refused before the hub was asked
    assert counts(settings)["trainees"] == 0


def test_with_a_registry_the_roster_places_people_without_renaming_its_places(settings,
                                                                               tmp_path):
    load_registry(settings, REGISTRY)
    import_roster(settings, write_csv(tmp_path / "r.csv", GOOD), None)
    engine = make_engine(settings.db_url)
    with session_factory(engine)() as session:
        assert session.get(Enterprise, "E1").name == "Công ty A (sổ đăng ký)"
        assert session.get(Park, "KCN-SD").name == "KCN Sa Đéc (sổ đăng ký)"
        assert session.get(Trainee, 1).enterprise_id == "E1"
    engine.dispose()
    # E3 stays in the registry with nobody enrolled: three enterprises, not the roster's two.
    assert counts(settings) == {**EXPECTED, "enterprises": 3}
