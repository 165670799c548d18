"""Autograding: nbgrader, sandboxed with bubblewrap, in parallel, posting grades to progress.

The functions the CLI and the hub call:

- `grade_assignment(settings, course, assignment, workers=None, progress=None)`;
- `Autograder(settings).run()` (or `python -m senlab.grading`), the hub service;
- `validate_course(settings, folder)` in `senlab.grading.validate`.
"""

from senlab.grading.autograde import GradeResult
from senlab.grading.pool import grade_assignment, pool_size

__all__ = ["GradeResult", "grade_assignment", "pool_size"]
