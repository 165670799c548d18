"""The schema comes from the migrations alone, and matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from senlab.progress.db import make_engine, migrate
from senlab.progress.models import Base


def test_migrations_make_exactly_the_models_schema(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_migrating_twice_changes_nothing(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    before = sorted(inspect(engine).get_table_names())
    migrate(engine)
    assert sorted(inspect(engine).get_table_names()) == before
    assert "events" in before and "certificates" in before
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()


def test_a_course_published_under_the_old_rule_keeps_its_row_and_waits_for_a_rule(
        database_url):
    import sqlalchemy as sa

    engine = make_engine(database_url)
    migrate(engine, "0001")
    courses = sa.table("courses", sa.column("id"), sa.column("title"),
                       sa.column("tags", sa.JSON), sa.column("assignments", sa.JSON),
                       sa.column("pass_percent", sa.Float))
    labs = sa.table("labs", sa.column("id"), sa.column("course_id"), sa.column("title"),
                    sa.column("checks", sa.JSON))
    with engine.begin() as connection:
        connection.execute(courses.insert().values(id="iot101", title="IoT", tags=["iot"],
                                                   assignments=["a1"], pass_percent=60))
        connection.execute(labs.insert().values(id="lab1", course_id="iot101", title="",
                                                checks=["c1"]))
    migrate(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, title, rule FROM courses")).all()
        lab = connection.execute(text("SELECT id, course_id FROM labs")).one()
    columns = {column["name"] for column in inspect(engine).get_columns("courses")}
    engine.dispose()
    assert [tuple(row) for row in rows] == [("iot101", "IoT", None)]
    assert tuple(lab) == ("lab1", "iot101")
    assert columns == {"id", "title", "tags", "rule"}
