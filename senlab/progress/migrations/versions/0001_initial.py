"""The initial progress schema: organisations, curriculum, results, event log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _organisations() -> None:
    op.create_table(
        "parks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(3), nullable=False),
    )
    op.create_table(
        "enterprises",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("park_id", sa.String(64), sa.ForeignKey("parks.id"), nullable=False),
    )
    op.create_index("ix_enterprises_park_id", "enterprises", ["park_id"])
    op.create_table(
        "trainees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("enterprise_id", sa.String(64), sa.ForeignKey("enterprises.id")),
    )
    op.create_index("ix_trainees_enterprise_id", "trainees", ["enterprise_id"])
    op.create_table(
        "manager_assignments",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("enterprise_id", sa.String(64), sa.ForeignKey("enterprises.id"),
                  primary_key=True),
    )


def _curriculum() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("assignments", sa.JSON, nullable=False),
        sa.Column("pass_percent", sa.Float, nullable=False),
    )
    op.create_table(
        "instructor_assignments",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("course_id", sa.String(64), sa.ForeignKey("courses.id"), primary_key=True),
    )
    op.create_table(
        "labs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("course_id", sa.String(64), sa.ForeignKey("courses.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("checks", sa.JSON, nullable=False),
    )
    op.create_index("ix_labs_course_id", "labs", ["course_id"])
    op.create_table(
        "enrolments",
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), primary_key=True),
        sa.Column("course_id", sa.String(64), sa.ForeignKey("courses.id"), primary_key=True),
        sa.Column("enrolled_at", sa.DateTime, nullable=False),
        sa.Column("lab_started_at", sa.DateTime),
        sa.Column("check_passed_at", sa.DateTime),
        sa.Column("completed_at", sa.DateTime),
    )
    op.create_index("ix_enrolments_funnel", "enrolments",
                    ["course_id", "lab_started_at", "check_passed_at", "completed_at"])


def _results() -> None:
    op.create_table(
        "grades",
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), primary_key=True),
        sa.Column("course_id", sa.String(64), sa.ForeignKey("courses.id"), primary_key=True),
        sa.Column("assignment", sa.String(100), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("max_score", sa.Float, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "check_results",
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), primary_key=True),
        sa.Column("lab_id", sa.String(64), primary_key=True),
        sa.Column("check_id", sa.String(100), primary_key=True),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "completions",
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), primary_key=True),
        sa.Column("course_id", sa.String(64), sa.ForeignKey("courses.id"), primary_key=True),
        sa.Column("completed_at", sa.DateTime, nullable=False),
        sa.Column("criteria", sa.JSON, nullable=False),
    )
    op.create_index("ix_completions_completed_at", "completions", ["completed_at"])
    op.create_table(
        "certificates",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False),
        sa.Column("course_id", sa.String(64), sa.ForeignKey("courses.id"), nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("enterprise_id", sa.String(64)),
        sa.Column("park_id", sa.String(64)),
    )
    op.create_index("ix_certificates_issued_at", "certificates", ["issued_at"])
    op.create_index("uq_certificates_trainee_course", "certificates",
                    ["trainee_id", "course_id"], unique=True)
    for owner in ("trainee", "enterprise", "park"):
        op.create_index(f"ix_certificates_{owner}_first", "certificates",
                        [f"{owner}_id", "course_id", "issued_at"])


def _event_log() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_events_type", "events", ["type"])


def upgrade() -> None:
    _organisations()
    _curriculum()
    _results()
    _event_log()


def downgrade() -> None:
    for table in ("events", "certificates", "completions", "check_results", "grades",
                  "enrolments", "labs", "instructor_assignments", "courses",
                  "manager_assignments", "trainees", "enterprises", "parks"):
        op.drop_table(table)
