"""Small SQL helpers shared by the crud modules: dialect upserts and chunked IN lists."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

T = TypeVar("T")
# Stays under SQLite's and PostgreSQL's limits on bound parameters per statement.
CHUNK = 500


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


def insert_ignoring_conflicts(session: Session, model: Any, rows: Iterable[dict[str, Any]],
                              *, keys: list[str]) -> None:
    """Insert `rows`, leaving alone any row whose `keys` already exist."""
    rows = list(rows)
    if rows:
        # Core on the session's connection: the ORM's bulk layer costs more than the insert.
        statement = dialect_insert(session, model.__table__).on_conflict_do_nothing(
            index_elements=keys)
        session.connection().execute(statement, rows)


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
    session.connection().execute(statement, rows)


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
