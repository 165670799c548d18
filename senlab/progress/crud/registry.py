"""The registry of the province's parks (KCN, CCN) and enterprises: its file, import and edits.

The Economic Zone Authority's list is a CSV or XLSX file, one row per enterprise, with the
columns ``COLUMNS`` (``tax_code`` may be left out). A park's name and kind are given on at
least one of its rows (the others may leave them blank, as a sheet with merged cells does);
a park with no enterprise yet is a row with the enterprise columns blank.

``import_registry`` checks every row, and the file against the database, before it writes
anything: a bad row is named by file, row and field, and a refused file changes nothing.
An import replaces the registry: a park or enterprise the file leaves out is removed,
unless someone on the roster works there (then the file is refused).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from senlab.progress.models import Enterprise, ManagerAssignment, Park, RegistryRevision, Trainee

COLUMNS = ["park_id", "park_name", "park_kind", "enterprise_id", "enterprise_name", "tax_code"]
REQUIRED = COLUMNS[:-1]
KINDS = ("KCN", "CCN")
CODE_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
CODE = re.compile(CODE_PATTERN)
# Mã số thuế: 10 digits, or 10 digits, a hyphen and 3 more for a branch.
TAX_CODE_PATTERN = r"^[0-9]{10}(-[0-9]{3})?$"
TAX_CODE = re.compile(TAX_CODE_PATTERN)
MAX_ROWS = 100_000
# Names are printed on reports and stored in PostgreSQL, which refuses NUL: no control
# characters (the same rule as the API's, written for JSON Schema and Python alike).
NAME_PATTERN = r"^[^\u0000-\u001f\u007f]{1,200}$"
NAME = re.compile(NAME_PATTERN)


class RegistryError(ValueError):
    """The registry file is refused; ``problems`` lists (row, field, message), row 0 for
    the file as a whole."""

    def __init__(self, source: str, problems: list[tuple[int, str, str]]):
        self.source, self.problems = source, problems
        super().__init__("\n".join(describe(source, p) for p in problems))


def describe(source: str, problem: tuple[int, str, str]) -> str:
    row, name, message = problem
    where = f"row {row}, field {name}" if row else f"field {name}"
    return f"{source}: {where}: {message}"


class RegistryEditError(ValueError):
    """An edit is refused: `status` 404 (no such park or enterprise), 409 (someone works
    there) or 422 (the request names an unknown park); `field` is the request's."""

    def __init__(self, status: int, name: str, message: str):
        self.status, self.field = status, name
        super().__init__(message)


@dataclass
class RegistryRow:
    row: int
    park_id: str
    park_name: str
    park_kind: str
    enterprise_id: str
    enterprise_name: str
    tax_code: str


@dataclass
class RegistryFile:
    """A checked registry: its parks (id → (name, kind)) and enterprises."""

    parks: dict[str, tuple[str, str]]
    enterprises: list[RegistryRow] = field(default_factory=list)


@dataclass
class ImportSummary:
    parks: int
    enterprises: int
    added: int
    removed: int
    unenrolled_enterprises: int


def read_table(source: str, data: bytes) -> list[list[str]]:
    """The file's cells as text: `source` (its name) says whether it is CSV or XLSX."""
    suffix = source.lower().rsplit(".", 1)[-1] if "." in source else ""
    if suffix == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RegistryError(source, [(0, "file", f"not UTF-8 text: {error}")]) from error
        try:
            return [row for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as error:  # a NUL byte, a field past the csv module's limit
            raise RegistryError(source, [(0, "file", f"not a readable CSV file: "
                                                     f"{error}")]) from error
    if suffix == "xlsx":
        from openpyxl import load_workbook  # brings numpy: only when a workbook comes

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many kinds on a broken file
            raise RegistryError(source, [(0, "file", f"not a readable XLSX workbook: "
                                                     f"{error}")]) from error
        return [["" if v is None else str(v) for v in row]
                for row in sheet.iter_rows(values_only=True)]
    raise RegistryError(source, [(0, "file", f"must be .csv or .xlsx, not {source!r}")])


def parse_registry(source: str, data: bytes) -> RegistryFile:
    """Check every row of the file; raise RegistryError listing every problem found."""
    table = read_table(source, data)
    if not table:
        raise RegistryError(source, [(1, "header", "the file is empty")])
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RegistryError(source, [(1, "header", f"missing column(s): {', '.join(missing)}")])
    if len(table) - 1 > MAX_ROWS:
        raise RegistryError(source, [(0, "file", f"more than {MAX_ROWS} rows")])
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if any(v.strip() for v in values):
            cells = {name: (values[i].strip() if i < len(values) else "")
                     for i, name in enumerate(header)}
            rows.append(RegistryRow(number, cells["park_id"], cells["park_name"],
                                    cells["park_kind"].upper(), cells["enterprise_id"],
                                    cells["enterprise_name"], cells.get("tax_code", "")))
    if not rows:
        # An import replaces the registry: an empty file would remove every place.
        raise RegistryError(source, [(2, "park_id", "the file lists no park")])
    problems: list[tuple[int, str, str]] = []
    parks = _check_parks(rows, problems)
    enterprises = _check_enterprises(rows, parks, problems)
    if problems:
        raise RegistryError(source, sorted(problems))
    return RegistryFile(parks={p: (n, k) for p, (n, k, _row) in parks.items()},
                        enterprises=enterprises)


def _check_parks(rows: list[RegistryRow], problems: list[tuple[int, str, str]]
                 ) -> dict[str, tuple[str, str, int]]:
    """Each park's name and kind, from the first row that gives them; two rows that give a
    park two names or kinds are both named."""
    parks: dict[str, tuple[str, str, int]] = {}
    for row in rows:
        if not CODE.match(row.park_id):
            problems.append((row.row, "park_id", f"{row.park_id!r} is not a park id "
                                                 "(1 to 64 letters, digits, . _ -)"
                             if row.park_id else "missing: every row names its park"))
            continue
        if row.park_kind and row.park_kind not in KINDS:
            problems.append((row.row, "park_kind", f"{row.park_kind!r} must be KCN or CCN"))
            continue
        if not row.park_name and not row.park_kind:
            continue  # a continuation row: the park is described elsewhere
        if not row.park_name or not row.park_kind:
            missing = "park_name" if not row.park_name else "park_kind"
            problems.append((row.row, missing, f"missing: park {row.park_id!r} has its "
                                               f"{'kind' if row.park_name else 'name'} "
                                               "here but not its "
                                               f"{'name' if row.park_name else 'kind'}"))
            continue
        first = parks.setdefault(row.park_id, (row.park_name, row.park_kind, row.row))
        for name, index, value in (("park_name", 0, row.park_name), ("park_kind", 1,
                                                                      row.park_kind)):
            if first[index] != value:
                problems.append((row.row, name, f"park {row.park_id!r} is {first[index]!r} "
                                                f"in row {first[2]}, {value!r} here"))
    for row in rows:
        if CODE.match(row.park_id) and row.park_id not in parks and \
                not any(p[0] == row.row for p in problems):
            problems.append((row.row, "park_id", f"unknown park {row.park_id!r}: no row "
                                                 "gives its park_name and park_kind"))
    return parks


def _check_enterprises(rows: list[RegistryRow], parks: dict[str, tuple[str, str, int]],
                       problems: list[tuple[int, str, str]]) -> list[RegistryRow]:
    seen: dict[str, int] = {}
    enterprises = []
    for row in rows:
        if not row.enterprise_id and not row.enterprise_name and not row.tax_code:
            continue  # a park with no enterprise (yet)
        if not CODE.match(row.enterprise_id):
            problems.append((row.row, "enterprise_id",
                             f"{row.enterprise_id!r} is not an enterprise id (1 to 64 "
                             "letters, digits, . _ -)" if row.enterprise_id else
                             "missing: the row has an enterprise but no enterprise_id"))
            continue
        if not row.enterprise_name:
            problems.append((row.row, "enterprise_name", "missing: every enterprise has "
                                                         "its name"))
        elif not NAME.match(row.enterprise_name):
            problems.append((row.row, "enterprise_name", "longer than 200 characters or "
                                                         "holds a control character"))
        if row.tax_code and not TAX_CODE.match(row.tax_code):
            problems.append((row.row, "tax_code", f"{row.tax_code!r} is not a tax code "
                                                  "(10 digits, or 10-3 for a branch)"))
        if row.enterprise_id in seen:
            problems.append((row.row, "enterprise_id", f"duplicate enterprise "
                                                       f"{row.enterprise_id!r}: already in "
                                                       f"row {seen[row.enterprise_id]}"))
            continue
        seen[row.enterprise_id] = row.row
        enterprises.append(row)
    for name, _kind, row_number in parks.values():
        if not NAME.match(name):
            problems.append((row_number, "park_name", "longer than 200 characters or holds "
                                                      "a control character"))
    return enterprises


def registry_exists(session: Session) -> bool:
    return session.scalar(select(RegistryRevision.id).limit(1)) is not None


def _people_by_enterprise(session: Session) -> dict[str, int]:
    """Trainees and managers per enterprise: the places the registry must keep."""
    counts: dict[str, int] = {}
    for enterprise, n in session.execute(select(Trainee.enterprise_id, func.count())
                                         .where(Trainee.enterprise_id.is_not(None))
                                         .group_by(Trainee.enterprise_id)):
        if enterprise is not None:
            counts[enterprise] = counts.get(enterprise, 0) + n
    for enterprise, n in session.execute(select(ManagerAssignment.enterprise_id, func.count())
                                         .group_by(ManagerAssignment.enterprise_id)):
        counts[enterprise] = counts.get(enterprise, 0) + n
    return counts


def import_registry(session: Session, *, source: str, registry: RegistryFile, made_by: str,
                    progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Replace the registry with `registry` in the caller's transaction, or refuse it whole:
    a park or enterprise it leaves out where someone works is a RegistryError."""
    people = _people_by_enterprise(session)
    existing = dict(session.execute(select(Enterprise.id, Enterprise.park_id)).all())
    listed = {row.enterprise_id for row in registry.enterprises}
    kept = sorted(e for e in existing if e not in listed and people.get(e))
    if kept:
        raise RegistryError(source, [(0, "enterprise_id", f"enterprise {e!r} is not in the "
                                                          f"file, but {people[e]} person(s) "
                                                          "on the roster work there")
                                     for e in kept])
    parks = {p.id: p for p in session.scalars(select(Park))}
    for park_id, (name, kind) in registry.parks.items():
        park = parks.get(park_id) or Park(id=park_id)
        park.name, park.kind = name, kind
        session.add(park)
    session.flush()
    enterprises = {e.id: e for e in session.scalars(select(Enterprise))}
    total = len(registry.enterprises)
    for done, row in enumerate(registry.enterprises, start=1):
        enterprise = enterprises.get(row.enterprise_id) or Enterprise(id=row.enterprise_id)
        enterprise.name, enterprise.park_id = row.enterprise_name, row.park_id
        enterprise.tax_code = row.tax_code or None
        session.add(enterprise)
        if progress is not None and (done % 500 == 0 or done == total):
            progress(done, total)
    session.flush()
    removed = sorted(set(existing) - listed)
    if removed:
        session.execute(delete(Enterprise).where(Enterprise.id.in_(removed)))
    session.execute(delete(Park).where(Park.id.not_in(sorted(registry.parks))))
    _record(session, made_by=made_by, what=f"import {source}"[:300])
    enrolled = {e for e, n in people.items() if n} & listed
    return ImportSummary(parks=len(registry.parks), enterprises=total,
                         added=len(listed - set(existing)), removed=len(removed),
                         unenrolled_enterprises=total - len(enrolled))


def _record(session: Session, *, made_by: str, what: str) -> None:
    session.flush()
    session.add(RegistryRevision(
        made_at=datetime.now(UTC).replace(tzinfo=None), made_by=made_by, what=what,
        parks=session.scalar(select(func.count()).select_from(Park)) or 0,
        enterprises=session.scalar(select(func.count()).select_from(Enterprise)) or 0))
    session.flush()


def put_park(session: Session, *, park_id: str, name: str, kind: str, made_by: str) -> Park:
    """Add a park, or rename it or change its kind."""
    park = session.get(Park, park_id)
    what = "rename" if park else "add"
    park = park or Park(id=park_id)
    park.name, park.kind = name, kind
    session.add(park)
    _record(session, made_by=made_by, what=f"{what} park {park_id}")
    return park


def remove_park(session: Session, *, park_id: str, made_by: str) -> None:
    """Remove a park that has no enterprise left in the registry."""
    if session.get(Park, park_id) is None:
        raise RegistryEditError(404, "park_id", f"no park {park_id!r} in the registry")
    held = session.scalar(select(func.count()).select_from(Enterprise)
                          .where(Enterprise.park_id == park_id)) or 0
    if held:
        raise RegistryEditError(409, "park_id", f"park {park_id!r} still has {held} "
                                                "enterprise(s): remove or move them first")
    session.execute(delete(Park).where(Park.id == park_id))
    _record(session, made_by=made_by, what=f"remove park {park_id}")


def put_enterprise(session: Session, *, enterprise_id: str, name: str, park_id: str,
                   tax_code: str | None, made_by: str) -> Enterprise:
    """Add an enterprise, or rename it, move it to another park or change its tax code."""
    if session.get(Park, park_id) is None:
        raise RegistryEditError(422, "park", f"unknown park {park_id!r}: add it first")
    enterprise = session.get(Enterprise, enterprise_id)
    what = "change" if enterprise else "add"
    enterprise = enterprise or Enterprise(id=enterprise_id)
    enterprise.name, enterprise.park_id, enterprise.tax_code = name, park_id, tax_code
    session.add(enterprise)
    _record(session, made_by=made_by, what=f"{what} enterprise {enterprise_id}")
    return enterprise


def remove_enterprise(session: Session, *, enterprise_id: str, made_by: str) -> None:
    """Remove an enterprise where nobody on the roster works."""
    if session.get(Enterprise, enterprise_id) is None:
        raise RegistryEditError(404, "enterprise_id",
                                f"no enterprise {enterprise_id!r} in the registry")
    people = _people_by_enterprise(session).get(enterprise_id, 0)
    if people:
        raise RegistryEditError(409, "enterprise_id",
                                f"{people} person(s) on the roster work at "
                                f"{enterprise_id!r}: it stays in the registry")
    session.execute(delete(Enterprise).where(Enterprise.id == enterprise_id))
    _record(session, made_by=made_by, what=f"remove enterprise {enterprise_id}")


@dataclass(frozen=True)
class Coverage:
    """How much of the registry SenLab reaches: parks and enterprises with no trainee."""

    parks: int
    parks_without_trainees: int
    enterprises: int
    enterprises_without_trainees: int
    registry: bool  # False: no registry imported, the counts are the roster's places


def coverage(session: Session, *, park: str | None = None,
             enterprises: frozenset[str] | None = None) -> Coverage:
    """The registry's coverage, within a park or a manager's enterprises if given."""
    with_trainees = select(Trainee.enterprise_id).where(Trainee.enterprise_id.is_not(None))
    query = select(Enterprise.id, Enterprise.park_id,
                   Enterprise.id.in_(with_trainees).label("enrolled"))
    parks_query = select(Park.id)
    if park:
        query = query.where(Enterprise.park_id == park)
        parks_query = parks_query.where(Park.id == park)
    if enterprises is not None:
        query = query.where(Enterprise.id.in_(sorted(enterprises)))
    rows = session.execute(query).all()
    park_ids = set(session.scalars(parks_query)) if enterprises is None \
        else {r.park_id for r in rows}
    reached = {r.park_id for r in rows if r.enrolled}
    return Coverage(parks=len(park_ids), parks_without_trainees=len(park_ids - reached),
                    enterprises=len(rows),
                    enterprises_without_trainees=sum(1 for r in rows if not r.enrolled),
                    registry=registry_exists(session))


def registry_listing(session: Session) -> list[tuple[Park, list[tuple[Enterprise, int]]]]:
    """Every park with its enterprises and how many trainees each has."""
    trainees = dict(session.execute(select(Trainee.enterprise_id, func.count())
                                    .where(Trainee.enterprise_id.is_not(None))
                                    .group_by(Trainee.enterprise_id)).all())
    by_park: dict[str, list[tuple[Enterprise, int]]] = {}
    for enterprise in session.scalars(select(Enterprise).order_by(Enterprise.id)):
        by_park.setdefault(enterprise.park_id, []).append(
            (enterprise, trainees.get(enterprise.id, 0)))
    return [(park, by_park.get(park.id, []))
            for park in session.scalars(select(Park).order_by(Park.id))]
