"""SQLAlchemy models of the progress data. Alembic migrations make the schema.

Times are stored as naive UTC. Trainees, managers and instructors are keyed by their
hub username so that a hub identity maps to rows without another lookup table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, datetime: DateTime()}


class Park(Base):
    """An industrial park (KCN) or industrial cluster (CCN)."""

    __tablename__ = "parks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(3))  # KCN or CCN


class Enterprise(Base):
    """An enterprise in a park, whose technicians are trained: the registry's, enrolled or
    not (before a registry is imported, the roster's)."""

    __tablename__ = "enterprises"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    park_id: Mapped[str] = mapped_column(ForeignKey("parks.id"), index=True)
    # The enterprise's tax code (mã số thuế), as the Economic Zone Authority lists it.
    tax_code: Mapped[str | None] = mapped_column(String(14), nullable=True)


class RegistryRevision(Base):
    """One change of the registry of parks and enterprises: a file imported, or one edit.

    Once there is one, the registry is the province's list: the roster may place people
    only in its enterprises, and the shares divide by it.
    """

    __tablename__ = "registry_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    made_at: Mapped[datetime]
    made_by: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(String(300))  # the file's name, or the edit
    parks: Mapped[int] = mapped_column(Integer)  # how many parks and enterprises after it
    enterprises: Mapped[int] = mapped_column(Integer)


class Trainee(Base):
    """A technician, linked to their hub user by name."""

    __tablename__ = "trainees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    enterprise_id: Mapped[str | None] = mapped_column(
        ForeignKey("enterprises.id"), index=True, nullable=True
    )


class ManagerAssignment(Base):
    """An enterprise manager (hub username) and the enterprise they manage."""

    __tablename__ = "manager_assignments"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)


class InstructorAssignment(Base):
    """An instructor (hub username) and a course they teach."""

    __tablename__ = "instructor_assignments"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), primary_key=True)


class Course(Base):
    """A course and its completion rule (``senlab.courses.CompletionRule``, as published)."""

    __tablename__ = "courses"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[list[str]] = mapped_column(default=list)
    # senlab.courses.CompletionRule as JSON; without one the course completes only by hand.
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class Lab(Base):
    """A live lab and the course it belongs to (which checks count is the course's rule)."""

    __tablename__ = "labs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")


class Enrolment(Base):
    """A trainee in a course, with when they first reached each step of it."""

    __tablename__ = "enrolments"
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    enrolled_at: Mapped[datetime]
    lab_started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    check_passed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Covers the funnel query (counts per course) so it never reads the table.
    __table_args__ = (Index("ix_enrolments_funnel", "course_id", "lab_started_at",
                            "check_passed_at", "completed_at"),)


class Grade(Base):
    """The latest grade of one assignment of one trainee (from nbgrader)."""

    __tablename__ = "grades"
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    assignment: Mapped[str] = mapped_column(String(100), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime]


class CheckResult(Base):
    """The latest result of one check of one lab for one trainee."""

    __tablename__ = "check_results"
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), primary_key=True)
    lab_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    check_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    checked_at: Mapped[datetime]


class HintTaken(Base):
    """A trainee took the hint of one check of one lab (first time kept: a hint asked for
    again costs nothing more). What it costs is the course's rule's ``hint_costs``."""

    __tablename__ = "hints_taken"
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), primary_key=True)
    lab_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    check_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    taken_at: Mapped[datetime]


class Completion(Base):
    """A trainee met a course's criteria (a snapshot of which is kept)."""

    __tablename__ = "completions"
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(index=True)
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Certificate(Base):
    """A certificate issued for a completion, checkable by its code.

    It records the enterprise and park the technician worked in when it was issued, so
    the indicators of a past report do not change when someone moves later.
    """

    __tablename__ = "certificates"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    issued_at: Mapped[datetime] = mapped_column(index=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    park_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The goals read "first certificate per owner by date" straight from these indexes.
    __table_args__ = (
        Index("uq_certificates_trainee_course", "trainee_id", "course_id", unique=True),
        Index("ix_certificates_trainee_first", "trainee_id", "course_id", "issued_at"),
        Index("ix_certificates_enterprise_first", "enterprise_id", "course_id", "issued_at"),
        Index("ix_certificates_park_first", "park_id", "course_id", "issued_at"),
    )


class Event(Base):
    """The append-only event log, keyed by the client-made id."""

    __tablename__ = "events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
