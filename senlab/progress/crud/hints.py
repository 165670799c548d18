"""Hints taken (``hint.taken`` events): stored once per trainee, lab and check, and read
back for the completion rule, which alone applies what they cost."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from senlab.events import EventIn
from senlab.progress.crud.sql import among, dialect_insert, execute_many
from senlab.progress.models import HintTaken, Trainee

LabCheck = tuple[str, str]


def record_hints(session: Session, events: Sequence[EventIn],
                 trainee_ids: dict[str, int]) -> None:
    """Store each (trainee, lab, check) once, keeping the earliest time it was taken: the
    same hint asked for again, or its events arriving out of order, cost nothing more."""
    earliest: dict[tuple[int, str, str], datetime] = {}
    for item in events:
        key = (trainee_ids[item.data["trainee"]], item.data["lab"], item.data["check"])
        earliest[key] = min(earliest.get(key, item.occurred_at), item.occurred_at)
    if not earliest:
        return
    table = HintTaken.__table__
    statement = dialect_insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=["trainee_id", "lab_id", "check_id"],
        set_={"taken_at": statement.excluded.taken_at},
        where=statement.excluded.taken_at < table.c.taken_at)
    execute_many(session, statement, [
        {"trainee_id": t, "lab_id": lab, "check_id": check, "taken_at": at}
        for (t, lab, check), at in sorted(earliest.items())])


def hints_taken(session: Session, *, trainee_ids: list[int], labs: list[str] | None = None
                ) -> dict[int, dict[LabCheck, datetime]]:
    """Per trainee, each (lab, check) whose hint they took, and when they first took it."""
    query = select(HintTaken.trainee_id, HintTaken.lab_id, HintTaken.check_id,
                   HintTaken.taken_at).where(among(session, HintTaken.trainee_id, trainee_ids))
    if labs is not None:
        query = query.where(HintTaken.lab_id.in_(labs))
    taken: dict[int, dict[LabCheck, datetime]] = defaultdict(dict)
    for trainee, lab, check, at in session.execute(query):
        taken[trainee][(lab, check)] = at
    return taken


def hint_taken_by(session: Session, *, username: str, lab: str, check: str
                  ) -> datetime | None:
    """When `username` first took the hint of `check` in `lab`; None if never (as far
    as the events that have arrived say)."""
    return session.scalar(
        select(HintTaken.taken_at).join(Trainee, Trainee.id == HintTaken.trainee_id)
        .where(Trainee.username == username, HintTaken.lab_id == lab,
               HintTaken.check_id == check))


def hints_of_lab(session: Session, *, username: str, lab: str) -> dict[str, datetime]:
    """The checks of `lab` whose hint `username` took, with when."""
    return dict(session.execute(
        select(HintTaken.check_id, HintTaken.taken_at)
        .join(Trainee, Trainee.id == HintTaken.trainee_id)
        .where(Trainee.username == username, HintTaken.lab_id == lab)).all())
