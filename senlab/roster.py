"""The roster file: parks, enterprises, trainees, managers, instructors and DOST officers.

One row is one person; its columns are ``COLUMNS`` (courses separated by ``;``).
``parse_roster(path)`` reads a CSV or XLSX file and checks every row before anything is
used: a bad row is reported with its row number and field. The hub (``senlab.hub.roster``)
and the progress database (``senlab.progress.crud.roster``) both take the checked rows,
so this module imports neither; ``senlab.commands.roster`` joins them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = ["role", "username", "full_name", "park_id", "park_name", "park_kind",
           "enterprise_id", "enterprise_name", "courses"]
ROLES = ("trainee", "manager", "instructor", "dost")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
CODE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RosterError(ValueError):
    """The roster has bad rows; ``problems`` lists (row, field, message)."""

    def __init__(self, path: Path, problems: list[tuple[int, str, str]]):
        self.path, self.problems = path, problems
        lines = [f"{path}: row {row}, field {name}: {message}"
                 for row, name, message in problems]
        super().__init__("\n".join(lines))


@dataclass
class RosterRow:
    row: int
    role: str
    username: str
    full_name: str
    park_id: str
    park_name: str
    park_kind: str
    enterprise_id: str
    enterprise_name: str
    courses: list[str] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows as dicts of text, numbered from 2 (row 1 is the header)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            table = [row for row in csv.reader(handle)]
    elif suffix == ".xlsx":
        # Loaded for a workbook only: openpyxl brings numpy, half a second that the hub's
        # config and the CLI, which import this module for its columns, need not pay.
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        table = [["" if v is None else str(v) for v in row]
                 for row in sheet.iter_rows(values_only=True)]
    else:
        raise RosterError(path, [(0, "file", f"must be .csv or .xlsx, not {suffix!r}")])
    if not table:
        raise RosterError(path, [(1, "header", "the file is empty")])
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RosterError(path, [(1, "header", f"missing column(s): {', '.join(missing)}")])
    return [{name: (values[i].strip() if i < len(values) else "")
             for i, name in enumerate(header)} | {"_row": str(number)}
            for number, values in enumerate(table[1:], start=2)
            if any(v.strip() for v in values)]


def _check_row(raw: dict[str, str], problems: list[tuple[int, str, str]]) -> RosterRow:
    number = int(raw["_row"])

    def bad(name: str, message: str) -> None:
        problems.append((number, name, message))

    role = raw["role"].lower()
    if role not in ROLES:
        bad("role", f"{raw['role']!r} must be one of {', '.join(ROLES)}")
    if not USERNAME.match(raw["username"]):
        bad("username", f"{raw['username']!r} must be lowercase letters, digits, . _ -")
    courses = [c.strip() for c in raw["courses"].split(";") if c.strip()]
    for course in courses:
        if not CODE.match(course):
            bad("courses", f"{course!r} is not a course id")
    if role in ("trainee", "manager"):
        for name in ("park_id", "enterprise_id"):
            if not CODE.match(raw[name]):
                bad(name, f"{raw[name]!r} is required for a {role} (letters, digits, . _ -)")
        if raw["park_kind"].upper() not in ("KCN", "CCN"):
            bad("park_kind", f"{raw['park_kind']!r} must be KCN or CCN")
        for name in ("park_name", "enterprise_name"):
            if not raw[name]:
                bad(name, f"is required for a {role}")
    if role == "instructor" and not courses:
        bad("courses", "an instructor needs the course(s) they teach")
    return RosterRow(number, role, raw["username"], raw["full_name"], raw["park_id"],
                     raw["park_name"], raw["park_kind"].upper(), raw["enterprise_id"],
                     raw["enterprise_name"], courses)


def _check_consistency(rows: list[RosterRow], problems: list[tuple[int, str, str]]) -> None:
    """The same park, enterprise or person must not be described two ways."""
    seen_users: dict[str, int] = {}
    parks: dict[str, tuple[str, str, int]] = {}
    enterprises: dict[str, tuple[str, str, int]] = {}
    already_bad = {number for number, _, _ in problems}
    for row in rows:
        if row.row in already_bad:
            continue  # its own errors are reported; comparing it would only add noise
        if row.username in seen_users:
            problems.append((row.row, "username",
                             f"{row.username!r} is already on row {seen_users[row.username]}"))
        seen_users.setdefault(row.username, row.row)
        if row.role not in ("trainee", "manager") or not row.park_id:
            continue
        park = parks.setdefault(row.park_id, (row.park_name, row.park_kind, row.row))
        if park[:2] != (row.park_name, row.park_kind):
            problems.append((row.row, "park_name", f"park {row.park_id!r} is described "
                             f"differently on row {park[2]}"))
        enterprise = enterprises.setdefault(row.enterprise_id,
                                            (row.enterprise_name, row.park_id, row.row))
        if enterprise[:2] != (row.enterprise_name, row.park_id):
            problems.append((row.row, "enterprise_name", f"enterprise {row.enterprise_id!r} "
                             f"is described differently on row {enterprise[2]}"))


def parse_roster(path: Path) -> list[RosterRow]:
    """Read and check the whole roster; raise RosterError listing every bad row."""
    problems: list[tuple[int, str, str]] = []
    rows = [_check_row(raw, problems) for raw in read_rows(path)]
    _check_consistency(rows, problems)
    if problems:
        raise RosterError(path, sorted(problems))
    if not rows:
        raise RosterError(path, [(2, "rows", "the roster has no people")])
    return rows
