"""Small SQL helpers shared by the crud modules: dialect upserts, IN lists, executemany."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic_core import to_json
from sqlalchemy import ColumnElement, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

T = TypeVar("T")
# Stays under SQLite's and PostgreSQL's limits on bound parameters per statement.
CHUNK = 500


def _encode(value: Any) -> str:
    # pydantic's Rust encoder: a quarter of the json module's time on an event's data,
    # UTF-8 kept as is (as ensure_ascii=False).
    return to_json(value).decode()


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def dialect_insert(session: Session, model: Any) -> Any:
    """An INSERT for `model` that knows ON CONFLICT on SQLite and PostgreSQL."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"unsupported database dialect {name!r} (use SQLite or PostgreSQL)")


def among(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN values``, bound as one parameter however many values there are.

    An expanding IN list binds one parameter per value, and SQLAlchemy's work per bound
    value costs more than the lookup itself; one JSON array (SQLite's ``json_each``) or
    one array (PostgreSQL's ``= ANY``) costs the same for ten values or ten thousand.
    """
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    listed = func.json_each(bindparam(None, _encode(values))).table_valued("value")
    return column.in_(select(listed.c.value))




def _json(value: Any) -> Any:
    return value if value is None else _encode(value)


def _sqlite_time(value: Any) -> Any:
    # SQLAlchemy's SQLite format, so stored and bound times compare as equal strings.
    return value if value is None else value.isoformat(" ", "microseconds")


def _converter(dialect: str, rows: list[dict[str, Any]], name: str) -> Any:
    sample = next((row[name] for row in rows if row[name] is not None), None)
    if isinstance(sample, (dict, list)):
        return _json
    if dialect == "sqlite" and isinstance(sample, datetime):
        return _sqlite_time
    return None


def execute_many(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Run `statement` once per row through the driver's executemany.

    SQLAlchemy's per-row parameter processing costs more than SQLite's insert itself; the
    values here are plain (text, numbers, booleans, naive UTC datetimes, JSON), so they
    are converted directly, one converter per column.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]))
    names = list(compiled.positiontup) if compiled.positional else list(rows[0])
    # Column by column: one list per column, converted in one pass, then zipped into rows.
    columns = []
    for name in names:
        values = [row[name] for row in rows]
        convert = _converter(dialect.name, rows, name)
        columns.append(values if convert is None else [convert(v) for v in values])
    params: list[Any] = list(zip(*columns, strict=True))
    if not compiled.positional:
        params = [dict(zip(names, values, strict=True)) for values in params]
    connection.exec_driver_sql(compiled.string, params)


def insert_ignoring_conflicts(session: Session, model: Any, rows: Iterable[dict[str, Any]],
                              *, keys: list[str]) -> None:
    """Insert `rows`, leaving alone any row whose `keys` already exist."""
    rows = list(rows)
    if rows:
        # Core on the session's connection: the ORM's bulk layer costs more than the insert.
        statement = dialect_insert(session, model.__table__).on_conflict_do_nothing(
            index_elements=keys)
        execute_many(session, statement, rows)


def upsert_latest(session: Session, model: Any, rows: list[dict[str, Any]], *,
                  keys: list[str], values: list[str], time_column: str) -> None:
    """Insert `rows`, or update `values` where the row's time is not older than the stored one."""
    if not rows:
        return
    table = model.__table__
    statement = dialect_insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: statement.excluded[name] for name in [*values, time_column]},
        where=statement.excluded[time_column] >= table.c[time_column],
    )
    execute_many(session, statement, rows)


def update_by_key(session: Session, model: Any, rows: list[dict[str, Any]], *,
                  keys: list[str]) -> None:
    """Update each row's other columns where its `keys` match (one executemany)."""
    if not rows:
        return
    table = model.__table__
    values = [name for name in rows[0] if name not in keys]
    statement = (table.update()
                 .where(*(table.c[k] == bindparam(f"key_{k}") for k in keys))
                 .values({v: bindparam(f"value_{v}") for v in values}))
    session.connection().execute(statement, [
        {**{f"key_{k}": row[k] for k in keys}, **{f"value_{v}": row[v] for v in values}}
        for row in rows])
