"""Progress service speed: event ingest, and the goals and dashboard queries at scale.

1. Ingest on SQLite: batches of 1,000 ``grade.recorded`` events posted over HTTP
   (``POSTERS`` clients at once) to the service (uvicorn in its own process; hub auth
   replaced by a fixed ``grader`` identity, as the hub's answer is cached per token),
   beside raw ``sqlite3`` executemany inserts of the same rows into the same events
   table, same pragmas (WAL, synchronous FULL), one commit per 1,000 rows, measured in
   the same run. The ratio is service/raw.
2. Queries over 100,000 trainees and 2,000,000 grades (2,000 enterprises in 40 parks,
   5 courses, 200,000 enrolments, ~50,000 certificates) on SQLite and on PostgreSQL
   (a throwaway server from Debian's packages): p95 of ``GET /api/goals`` computed in
   process (``goals_report``), and of the dashboard page (``render_dashboard``).

Targets: ingest ≥ 20,000 events/s; p95 ≤ 150 ms. The machine's load average is printed
with the figures: on shared cores, the ratios are the figures to compare. Ends with one
JSON line.
Run: .venv/bin/python bench/progress.py [--skip-postgres] [--trainees N]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from senlab.progress import db  # noqa: E402
from senlab.progress.access import Scope  # noqa: E402
from senlab.progress.dashboard import render_dashboard  # noqa: E402
from senlab.progress.goals import Filters, goals_report, load_goals  # noqa: E402
from senlab.progress.identity import Identity  # noqa: E402

BATCH = 1000
POSTERS = 1
INGEST_BATCHES = 60
QUERY_RUNS = 40
COURSES = {"5g101": ["5g"], "5g201": ["5g"], "iot101": ["iot"], "iot201": ["iot"],
           "smart301": ["smart-management"]}
ASSIGNMENTS = 10
AS_OF = date(2026, 6, 15)


def grade_events(count: int, trainees: int) -> list[list[dict]]:
    events = [{"id": str(uuid.uuid4()), "type": "grade.recorded",
               "occurred_at": f"2026-03-01T{n % 24:02d}:00:00Z",
               "data": {"trainee": f"t{n % trainees}", "course": "iot101",
                        "assignment": f"a{n // trainees}", "score": 5, "max_score": 10}}
              for n in range(count)]
    return [events[i:i + BATCH] for i in range(0, count, BATCH)]


def serve(port: int, url: str) -> None:
    """The service as it runs, with the hub lookup replaced by a fixed identity."""
    import uvicorn

    from senlab.progress.app import create_app
    from senlab.progress.auth import current_identity
    from senlab.settings import Settings

    app = create_app(Settings(home=Path(tempfile.mkdtemp()), database_url=url))
    app.dependency_overrides[current_identity] = lambda: Identity("grader", kind="service")
    gc.freeze()  # as senlab.progress.__main__ does
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_all(base: str, bodies: list[bytes]) -> None:
    with httpx.Client(timeout=60) as client:
        for body in bodies:
            reply = client.post(f"{base}/api/events", content=body,
                                headers={"content-type": "application/json"})
            assert reply.json()["accepted"] == BATCH, reply.text


def ingest_over_http(folder: Path) -> float:
    url = f"sqlite:///{folder / 'ingest.sqlite'}"
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), url])
    try:
        base = f"http://127.0.0.1:{port}/services/progress"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/health").is_success:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        batches = grade_events(BATCH * INGEST_BATCHES, trainees=5000)
        warm = httpx.post(f"{base}/api/events", json={"events": batches[0]}, timeout=60)
        assert warm.json()["accepted"] == BATCH, warm.text
        bodies = [json.dumps({"events": b}).encode() for b in batches[1:]]
        start = time.perf_counter()
        with ThreadPoolExecutor(POSTERS) as pool:
            list(pool.map(post_all, [base] * POSTERS, [bodies[i::POSTERS]
                                                      for i in range(POSTERS)]))
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    return BATCH * (INGEST_BATCHES - 1) / elapsed


def raw_sqlite_inserts(folder: Path) -> float:
    engine = db.make_engine(f"sqlite:///{folder / 'raw.sqlite'}")
    db.migrate(engine)
    engine.dispose()
    connection = sqlite3.connect(folder / "raw.sqlite")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    now = datetime.now().isoformat(sep=" ")
    batches = [[(e["id"], e["type"], "grader", e["occurred_at"], now, json.dumps(e["data"]))
                for e in batch] for batch in grade_events(BATCH * INGEST_BATCHES, 5000)]
    start = time.perf_counter()
    for rows in batches:
        connection.executemany("INSERT INTO events (id, type, source, occurred_at, "
                               "received_at, data) VALUES (?, ?, ?, ?, ?, ?)", rows)
        connection.commit()
    elapsed = time.perf_counter() - start
    connection.close()
    return BATCH * INGEST_BATCHES / elapsed


def _stamp(day: datetime) -> str:
    return f"{day:%Y-%m-%d %H:%M:%S}.000000"


def province_rows(trainees: int, seed: int = 478) -> dict[str, list[tuple]]:
    """The big tables' rows: trainees, enrolments, grades, completions, certificates.

    Seeded, so every call makes the same province. A certificate names its holder's
    enterprise and park, as issued certificates do: the enterprise and park indicators
    group by them."""
    rng = random.Random(seed)
    start = datetime(2025, 12, 1)
    names = list(COURSES)
    rows: dict[str, list[tuple]] = {k: [] for k in (
        "trainees", "enrolments", "grades", "completions", "certificates")}
    for trainee in range(1, trainees + 1):
        enterprise = trainee % 2000
        rows["trainees"].append((trainee, f"t{trainee}", f"Học viên {trainee}",
                                 f"E{enterprise:04d}"))
        for course in (names[trainee % 5], names[(trainee + 1) % 5]):
            enrolled = start + timedelta(days=rng.randrange(180))
            steps = [enrolled + timedelta(days=d) for d in (3, 10, 40)]
            reached = rng.random()
            done = _stamp(steps[2]) if reached < 0.25 else None
            rows["enrolments"].append((
                trainee, course, _stamp(enrolled),
                _stamp(steps[0]) if reached < 0.8 else None,
                _stamp(steps[1]) if reached < 0.6 else None, done))
            for assignment in range(ASSIGNMENTS):
                rows["grades"].append((trainee, course, f"a{assignment}",
                                       float(rng.randrange(11)), 10.0,
                                       _stamp(enrolled + timedelta(days=assignment))))
            if done:
                rows["completions"].append((trainee, course, done, "{}"))
                rows["certificates"].append((f"SL-{trainee:07d}-{course}", trainee, course,
                                             done, f"E{enterprise:04d}",
                                             f"P{enterprise % 40:02d}"))
    return rows


COLUMNS = {
    "trainees": "id, username, full_name, enterprise_id",
    "enrolments": "trainee_id, course_id, enrolled_at, lab_started_at, check_passed_at, "
                  "completed_at",
    "grades": "trainee_id, course_id, assignment, score, max_score, recorded_at",
    "completions": "trainee_id, course_id, completed_at, criteria",
    "certificates": "code, trainee_id, course_id, issued_at, enterprise_id, park_id",
}


def load_small_tables(engine) -> None:
    from senlab.courses import CompletionRule
    from senlab.progress.crud import organisations as orgs
    from senlab.progress.models import Course

    with db.session_scope(db.session_factory(engine)) as session:
        for park in range(40):
            orgs.upsert_park(session, park_id=f"P{park:02d}", name=f"KCN {park:02d}",
                             kind="KCN" if park % 2 == 0 else "CCN")
        session.flush()
        for enterprise in range(2000):
            orgs.upsert_enterprise(session, enterprise_id=f"E{enterprise:04d}",
                                   name=f"Doanh nghiệp {enterprise:04d}",
                                   park_id=f"P{enterprise % 40:02d}")
        for course, tags in COURSES.items():
            assignments = [f"a{n}" for n in range(ASSIGNMENTS)]
            rule = CompletionRule(pass_marks=dict.fromkeys(assignments, 50.0),
                                  required=assignments)
            session.add(Course(id=course, title=course.upper(), tags=tags,
                               rule=rule.model_dump(mode="json")))


def load_big_tables(engine, rows: dict[str, list[tuple]]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, columns in COLUMNS.items():
            if engine.dialect.name == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows[table]:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns.split(","))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                                   rows[table])
        raw.commit()
        if engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load: statistics and the visibility map
            # (index-only scans need it).
            raw.driver_connection.autocommit = True
            raw.driver_connection.execute("VACUUM ANALYZE")
        if engine.dialect.name == "sqlite":
            raw.execute("ANALYZE")
    finally:
        raw.close()


def p95_ms(action, runs: int = QUERY_RUNS) -> float:
    action()  # warm the caches once, as a running service has
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(times, n=20)[-1]


def query_p95(url: str, trainees: int) -> dict[str, float]:
    engine = db.make_engine(url)
    db.migrate(engine)
    started = time.perf_counter()
    load_small_tables(engine)
    rows = province_rows(trainees)
    load_big_tables(engine, rows)
    print(f"  loaded {len(rows['trainees']):,} trainees and {len(rows['grades']):,} grades "
          f"in {time.perf_counter() - started:.1f} s")
    # The service does not hold the dataset, so neither does the timed process: 2.3
    # million rows in memory make each full garbage collection cost ~180 ms here.
    del rows
    indicators = load_goals()
    sessions = db.session_factory(engine)
    admin = Identity("root", admin=True)

    def goals() -> None:
        with sessions() as session:
            goals_report(session, indicators=indicators, as_of=AS_OF, period=None,
                         filters=Filters())

    def goals_for_park() -> None:
        with sessions() as session:
            goals_report(session, indicators=indicators, as_of=AS_OF, period=None,
                         filters=Filters(park="P07"))

    def dashboard() -> None:
        with sessions() as session:
            render_dashboard(session, identity=admin, scope=Scope(everything=True),
                             indicators=indicators, lang="vi", filters=Filters(),
                             period=None, as_of=AS_OF, prefix="/services/progress/",
                             query={})

    def dashboard_for_park() -> None:
        with sessions() as session:
            render_dashboard(session, identity=admin, scope=Scope(everything=True),
                             indicators=indicators, lang="vi", filters=Filters(park="P07"),
                             period=None, as_of=AS_OF, prefix="/services/progress/",
                             query={})

    found = {"goals": p95_ms(goals), "goals_park": p95_ms(goals_for_park),
             "dashboard": p95_ms(dashboard), "dashboard_park": p95_ms(dashboard_for_park)}
    engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--trainees", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    folder = Path(tempfile.mkdtemp(prefix="senlab-bench-"))
    raw = raw_sqlite_inserts(folder)
    ingest = ingest_over_http(folder)
    print(f"ingest over HTTP: {ingest:,.0f} events/s; raw SQLite inserts: {raw:,.0f} rows/s; "
          f"ratio {ingest / raw:.3f}")
    sqlite_p95 = query_p95(f"sqlite:///{folder / 'province.sqlite'}", args.trainees)
    print("SQLite p95 ms: " + ", ".join(f"{k} {v:.1f}" for k, v in sqlite_p95.items()))
    postgres_p95: dict[str, float | None] = {"goals": None, "dashboard": None}
    if not args.skip_postgres:
        from tests.progress.postgres_server import new_database, running_postgres

        with running_postgres() as server:
            postgres_p95 = query_p95(new_database(server, "bench"), args.trainees)
        print("PostgreSQL p95 ms: " + ", ".join(f"{k} {v:.1f}" for k, v in postgres_p95.items()))
    print(json.dumps({
        "ingest_events_per_s": round(ingest), "raw_sqlite_rows_per_s": round(raw),
        "ratio": round(ingest / raw, 3),
        "goals_p95_ms_sqlite": round(sqlite_p95["goals"], 1),
        "goals_p95_ms_postgres": postgres_p95["goals"] and round(postgres_p95["goals"], 1),
        "dashboard_p95_ms_sqlite": round(sqlite_p95["dashboard"], 1),
        "dashboard_p95_ms_postgres": postgres_p95["dashboard"]
        and round(postgres_p95["dashboard"], 1),
        "trainees": args.trainees, "grades": args.trainees * 2 * ASSIGNMENTS,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
