"""Progress of one trainee, one course, one enterprise, as each role may see it."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from senlab.progress import access, schemas
from senlab.progress.auth import CurrentIdentity
from senlab.progress.crud import progress as crud
from senlab.progress.deps import CourseId, EnterpriseId, OffsetQuery, SessionDep, TraineeName
from senlab.progress.errors import refusals
from senlab.progress.models import Course, Enterprise

router = APIRouter(tags=["progress"], responses=refusals(401, 403, 404))
# Where a client goes next from an answer (OpenAPI links): a trainee's first course, its
# certificate and enterprise; a course's or an enterprise's first trainee.
TRAINEE_LINKS = {
    "course": {"operationId": "course_progress",
               "parameters": {"course_id": "$response.body#/courses/0/course"}},
    "enterprise": {"operationId": "enterprise_progress",
                   "parameters": {"enterprise_id": "$response.body#/enterprise"}},
    **{name: {"operationId": name,
              "parameters": {"code": "$response.body#/courses/0/certificate_code"}}
       for name in ("verify_json", "verify_page", "certificate_document")},
}
FIRST_TRAINEE = {"trainee": {"operationId": "trainee_progress",
                             "parameters": {"name": "$response.body#/trainees/0/username"}}}


@router.get("/api/trainees/{name}/progress", response_model=schemas.TraineeProgress,
            responses={200: {"links": TRAINEE_LINKS}})
def trainee_progress(name: TraineeName, identity: CurrentIdentity, session: SessionDep
                     ) -> schemas.TraineeProgress:
    """A trainee's courses, grades, lab checks, completions and certificates."""
    trainee = crud.get_trainee(session, username=name)
    if trainee is None:
        if identity.sees_everything or identity.name == name:
            raise HTTPException(404, f"no trainee named {name!r}")
        raise access.forbid(f"read the progress of trainee {name!r}")
    access.require_trainee_visible(session, identity, trainee)
    return crud.trainee_progress(session, trainee=trainee)


@router.get("/api/courses/{course_id}/progress", response_model=schemas.CourseProgress,
            responses={200: {"links": FIRST_TRAINEE}})
def course_progress(course_id: CourseId, identity: CurrentIdentity, session: SessionDep,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: OffsetQuery = 0) -> schemas.CourseProgress:
    """A course's completion funnel and a page of its trainees."""
    enterprises = access.course_enterprise_filter(session, identity, course_id)
    course = session.get(Course, course_id)
    if course is None:
        raise HTTPException(404, f"no course with id {course_id!r}")
    return crud.course_progress(session, course=course, enterprise_ids=enterprises,
                                limit=limit, offset=offset)


@router.get("/api/enterprises/{enterprise_id}/progress",
            response_model=schemas.EnterpriseProgress, responses={200: {"links": {
                **FIRST_TRAINEE,
                "course": {"operationId": "course_progress",
                           "parameters": {"course_id": "$response.body#/courses/0/course"}}}}})
def enterprise_progress(enterprise_id: EnterpriseId, identity: CurrentIdentity,
                        session: SessionDep) -> schemas.EnterpriseProgress:
    """An enterprise's staff, their courses and a funnel per course."""
    access.require_enterprise_visible(session, identity, enterprise_id)
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise HTTPException(404, f"no enterprise with id {enterprise_id!r}")
    return crud.enterprise_progress(session, enterprise=enterprise)
