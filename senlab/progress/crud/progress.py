"""Reading progress: one trainee, one course, one enterprise."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from senlab.courses import CompletionRule, graded
from senlab.progress import schemas
from senlab.progress.crud.completions import load_rules, passed_checks
from senlab.progress.crud.hints import hints_taken
from senlab.progress.models import (
    Certificate,
    CheckResult,
    Course,
    Enrolment,
    Enterprise,
    Grade,
    Lab,
    Trainee,
)


def get_trainee(session: Session, *, username: str) -> Trainee | None:
    return session.scalar(select(Trainee).where(Trainee.username == username))


def percent(score: float, best: float) -> float | None:
    return round(100.0 * score / best, 2) if best > 0 else None


def _percent_of(grades: list[schemas.GradePublic]) -> float | None:
    return percent(sum(g.score for g in grades), sum(g.max_score for g in grades))


def trainee_progress(session: Session, *, trainee: Trainee) -> schemas.TraineeProgress:
    """Every course of `trainee`, with grades, checks, completion and certificate."""
    grades: dict[str, list[schemas.GradePublic]] = defaultdict(list)
    for grade in session.scalars(select(Grade).where(Grade.trainee_id == trainee.id)
                                 .order_by(Grade.course_id, Grade.assignment)):
        grades[grade.course_id].append(schemas.GradePublic(
            assignment=grade.assignment, score=grade.score, max_score=grade.max_score,
            recorded_at=grade.recorded_at))
    checks: dict[str, list[schemas.CheckPublic]] = defaultdict(list)
    for lab_course, check in session.execute(
            select(Lab.course_id, CheckResult).join(Lab, Lab.id == CheckResult.lab_id)
            .where(CheckResult.trainee_id == trainee.id)
            .order_by(CheckResult.lab_id, CheckResult.check_id)):
        checks[lab_course].append(schemas.CheckPublic(
            lab=check.lab_id, check=check.check_id, passed=check.passed,
            checked_at=check.checked_at))
    codes = dict(session.execute(select(Certificate.course_id, Certificate.code)
                                 .where(Certificate.trainee_id == trainee.id)).all())
    enrolments = session.execute(
        select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.trainee_id == trainee.id).order_by(Course.id)).all()
    rules = load_rules(session, {course.id for _, course in enrolments})
    passed = passed_checks(session, trainee_ids=[trainee.id]).get(trainee.id, {})
    taken = hints_taken(session, trainee_ids=[trainee.id]).get(trainee.id, {})
    course_labs: dict[str, set[str]] = defaultdict(set)
    for lab_id, course_id in session.execute(select(Lab.id, Lab.course_id)):
        course_labs[course_id].add(lab_id)
    courses = []
    for enrolment, course in enrolments:
        rule = rules.get(course.id)
        course_grades = _with_hint_costs(rule, grades[course.id], taken)
        hints = _hints_of_course(rule, course_labs[course.id], taken)
        courses.append(schemas.CourseOfTrainee(
            course=course.id, title=course.title, enrolled_at=enrolment.enrolled_at,
            lab_started_at=enrolment.lab_started_at,
            score_percent=_percent_of(course_grades),
            completed_at=enrolment.completed_at, certificate_code=codes.get(course.id),
            grades=course_grades, checks=checks[course.id],
            remaining_checks=[] if enrolment.completed_at or rule is None else
            _remaining_checks(rule, course_grades, passed, taken),
            hints=hints, hint_points=sum(g.hint_points for g in course_grades)))
    enterprise = session.get(Enterprise, trainee.enterprise_id) if trainee.enterprise_id \
        else None
    return schemas.TraineeProgress(
        username=trainee.username, full_name=trainee.full_name,
        enterprise=trainee.enterprise_id, park=enterprise.park_id if enterprise else None,
        courses=courses)


def _with_hint_costs(rule: CompletionRule | None, grades: list[schemas.GradePublic],
                     taken: dict[tuple[str, str], datetime]) -> list[schemas.GradePublic]:
    """Each grade with the hints taken on its assignment's listed checks, the points they
    cost and the score the rule counts, as the rule works them out."""
    result = []
    for grade in grades:
        points = rule.hint_points(grade.assignment, taken) if rule else 0.0
        count = len(rule.hints_on(grade.assignment, taken)) if rule else 0
        result.append(grade.model_copy(update={
            "hints": count, "hint_points": points,
            "effective_score": max(0.0, grade.score - points)}))
    return result


def _hints_of_course(rule: CompletionRule | None, labs: set[str],
                     taken: dict[tuple[str, str], datetime]) -> list[schemas.HintPublic]:
    """The hints taken on the course's labs (or on checks its rule lists), with the points
    each costs over the assignments that list its check."""
    listed = {(c.lab, c.check) for c in rule.checks} if rule else set()
    hints = []
    for (lab, check), at in sorted(taken.items()):
        if lab not in labs and (lab, check) not in listed:
            continue
        points = 0.0
        if rule is not None:
            points = sum(rule.hint_costs.get(c.assignment, 0.0) for c in rule.checks
                         if (c.lab, c.check) == (lab, check))
        hints.append(schemas.HintPublic(lab=lab, check=check, taken_at=at, points=points))
    return hints


def _remaining_checks(rule: CompletionRule, grades: list[schemas.GradePublic],
                      passed: dict[tuple[str, str], datetime],
                      taken: dict[tuple[str, str], datetime]
                      ) -> list[schemas.ListedCheckPublic]:
    """The listed checks the trainee has still to pass, as the completion rule says."""
    # The answer's times carry their offset; the stored ones (passed) are naive UTC, and the
    # rule compares the two when it works out a completion time.
    standing = rule.standing(
        {g.assignment: graded(g.score, g.max_score,
                              g.recorded_at.astimezone(UTC).replace(tzinfo=None))
         for g in grades}, passed, taken)
    return [schemas.ListedCheckPublic.model_validate(check.model_dump())
            for check in standing.remaining_checks]


def funnels(session: Session, *, course_ids: list[str] | None = None,
            enterprise_ids: frozenset[str] | None = None, park_id: str | None = None
            ) -> dict[str, schemas.Funnel]:
    """Per course: enrolled → started a lab → passed a check → completed."""
    query = select(
        Enrolment.course_id, func.count(),
        func.count(Enrolment.lab_started_at), func.count(Enrolment.check_passed_at),
        func.count(Enrolment.completed_at)).group_by(Enrolment.course_id)
    if course_ids is not None:
        query = query.where(Enrolment.course_id.in_(course_ids))
    if enterprise_ids is not None or park_id is not None:
        query = query.join(Trainee, Trainee.id == Enrolment.trainee_id)
        if enterprise_ids is not None:
            query = query.where(Trainee.enterprise_id.in_(sorted(enterprise_ids)))
        if park_id is not None:
            query = query.join(Enterprise, Enterprise.id == Trainee.enterprise_id).where(
                Enterprise.park_id == park_id)
    return {course: schemas.Funnel(enrolled=n, started_lab=s, passed_check=p, completed=c)
            for course, n, s, p, c in session.execute(query)}


def course_progress(session: Session, *, course: Course, enterprise_ids: frozenset[str] | None,
                    limit: int, offset: int) -> schemas.CourseProgress:
    """A course's funnel and a page of its trainees (only `enterprise_ids`' if given)."""
    funnel = funnels(session, course_ids=[course.id], enterprise_ids=enterprise_ids).get(
        course.id, schemas.Funnel(enrolled=0, started_lab=0, passed_check=0, completed=0))
    query = (select(Trainee.username, Trainee.enterprise_id, Enrolment)
             .join(Enrolment, Enrolment.trainee_id == Trainee.id)
             .where(Enrolment.course_id == course.id))
    if enterprise_ids is not None:
        query = query.where(Trainee.enterprise_id.in_(sorted(enterprise_ids)))
    rows = session.execute(query.order_by(Trainee.username).limit(limit).offset(offset)).all()
    totals = dict(((t, (s, m)) for t, s, m in session.execute(
        select(Grade.trainee_id, func.sum(Grade.score), func.sum(Grade.max_score))
        .where(Grade.course_id == course.id,
               Grade.trainee_id.in_([e.trainee_id for _, _, e in rows]))
        .group_by(Grade.trainee_id))))
    trainees = [schemas.TraineeInCourse(
        username=name, enterprise=enterprise,
        score_percent=percent(*totals.get(e.trainee_id, (0.0, 0.0))),
        lab_started_at=e.lab_started_at, completed_at=e.completed_at)
        for name, enterprise, e in rows]
    return schemas.CourseProgress(course=course.id, title=course.title, funnel=funnel,
                                  trainees=trainees, total_trainees=funnel.enrolled,
                                  limit=limit, offset=offset)


def enterprise_progress(session: Session, *, enterprise: Enterprise
                        ) -> schemas.EnterpriseProgress:
    """An enterprise's staff and their courses, with a funnel per course."""
    titles = dict(session.execute(select(Course.id, Course.title)).all())
    per_course = funnels(session, enterprise_ids=frozenset({enterprise.id}))
    counts = session.execute(
        select(Trainee.username, Trainee.full_name, func.count(Enrolment.course_id),
               func.count(Enrolment.completed_at))
        .outerjoin(Enrolment, Enrolment.trainee_id == Trainee.id)
        .where(Trainee.enterprise_id == enterprise.id)
        .group_by(Trainee.id).order_by(Trainee.username))
    return schemas.EnterpriseProgress(
        enterprise=enterprise.id, name=enterprise.name, park=enterprise.park_id,
        courses=[schemas.CourseFunnel(course=c, title=titles.get(c, c), funnel=f)
                 for c, f in sorted(per_course.items())],
        trainees=[schemas.TraineeSummary(username=u, full_name=n, courses_enrolled=e,
                                         courses_completed=d) for u, n, e, d in counts])
