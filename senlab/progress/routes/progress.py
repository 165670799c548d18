"""Progress of one trainee, one course, one enterprise, as each role may see it."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from senlab.progress import access, schemas
from senlab.progress.auth import CurrentIdentity
from senlab.progress.crud import progress as crud
from senlab.progress.deps import SessionDep
from senlab.progress.models import Course, Enterprise

router = APIRouter(tags=["progress"])


@router.get("/api/trainees/{name}/progress", response_model=schemas.TraineeProgress)
def trainee_progress(name: str, identity: CurrentIdentity, session: SessionDep
                     ) -> schemas.TraineeProgress:
    """A trainee's courses, grades, lab checks, completions and certificates."""
    trainee = crud.get_trainee(session, username=name)
    if trainee is None:
        if identity.sees_everything or identity.name == name:
            raise HTTPException(404, f"no trainee named {name!r}")
        raise access.forbid(f"read the progress of trainee {name!r}")
    access.require_trainee_visible(session, identity, trainee)
    return crud.trainee_progress(session, trainee=trainee)


@router.get("/api/courses/{course_id}/progress", response_model=schemas.CourseProgress)
def course_progress(course_id: str, identity: CurrentIdentity, session: SessionDep,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[int, Query(ge=0)] = 0) -> schemas.CourseProgress:
    """A course's completion funnel and a page of its trainees."""
    enterprises = access.course_enterprise_filter(session, identity, course_id)
    course = session.get(Course, course_id)
    if course is None:
        raise HTTPException(404, f"no course with id {course_id!r}")
    return crud.course_progress(session, course=course, enterprise_ids=enterprises,
                                limit=limit, offset=offset)


@router.get("/api/enterprises/{enterprise_id}/progress",
            response_model=schemas.EnterpriseProgress)
def enterprise_progress(enterprise_id: str, identity: CurrentIdentity, session: SessionDep
                        ) -> schemas.EnterpriseProgress:
    """An enterprise's staff, their courses and a funnel per course."""
    access.require_enterprise_visible(session, identity, enterprise_id)
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise HTTPException(404, f"no enterprise with id {enterprise_id!r}")
    return crud.enterprise_progress(session, enterprise=enterprise)
