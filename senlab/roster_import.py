"""Importing a roster: parks, enterprises and people, on the hub and in the progress database.

``senlab roster import FILE.csv|xlsx`` calls ``import_roster(settings, path, hub)``. It
checks the whole file first (``senlab.roster``): a bad row is reported with its row number
and field, and nothing is imported. Then the hub's users and groups are made through its
API (``senlab.hub.roster``), and the progress database is written in one transaction
(``senlab.progress.crud.roster``). Once the registry of parks and enterprises exists, every
trainee and manager must work at one of its enterprises: that is checked against the
database before the hub is touched. Importing again changes nothing. ``senlab up --demo``
imports the demo cohort this way, without the hub, whose own seeding makes its users.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from senlab.hub.accounts import AccountClash, SystemAccounts, local_accounts
from senlab.hub.roster import HubClient, sync_hub
from senlab.progress import db
from senlab.progress.crud.roster import registry_problems, write_roster
from senlab.roster import ROLES, RosterError, RosterRow, parse_roster
from senlab.settings import Settings


@dataclass
class ImportSummary:
    parks: int
    enterprises: int
    people: dict[str, int]
    enrolments: int
    hub_users_created: int


def summary_of(rows: list[RosterRow], hub_users_created: int) -> ImportSummary:
    placed = [row for row in rows if row.role in ("trainee", "manager")]
    return ImportSummary(
        parks=len({row.park_id for row in placed if row.park_id}),
        enterprises=len({row.enterprise_id for row in placed if row.enterprise_id}),
        people={role: sum(1 for row in rows if row.role == role) for role in ROLES},
        enrolments=sum(len(row.courses) for row in rows if row.role == "trainee"),
        hub_users_created=hub_users_created)


def refuse_foreign_accounts(path: Path, rows: list[RosterRow],
                            accounts: SystemAccounts | None) -> None:
    """Refuse, before anything is written, people whose username the local spawner could not
    give an account of its own: a system account SenLab did not make (`senlab.hub.accounts`)."""
    if accounts is None:
        return  # not root: every server runs as the hub's own user, no account is made
    problems = []
    for row in rows:
        try:
            accounts.check(row.username)
        except AccountClash as err:
            problems.append((row.row, "username", f"{err}; give this person another username"))
    if problems:
        raise RosterError(path, problems)


def import_roster(settings: Settings, path: Path, hub_client: HubClient | None
                  ) -> ImportSummary:
    """Check `path`, make its hub users and groups, then write it to the progress database.

    Without a hub client only the database is written (the hub users then come from
    elsewhere, e.g. the hub's own seeding).
    """
    rows = parse_roster(Path(path))
    refuse_foreign_accounts(Path(path), rows, local_accounts(settings.home))
    engine = db.make_engine(settings.db_url)
    try:
        db.migrate(engine)
        sessions = db.session_factory(engine)
        with db.session_scope(sessions) as session:
            problems = registry_problems(session, rows=rows)
        if problems:
            raise RosterError(Path(path), problems)
        created = sync_hub(hub_client, rows) if hub_client is not None else 0
        with db.session_scope(sessions) as session:
            write_roster(session, rows=rows, path=Path(path))
    finally:
        engine.dispose()
    return summary_of(rows, created)
