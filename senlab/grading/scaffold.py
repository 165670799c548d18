"""The starter notebook of a new course: one answer cell and its visible and hidden tests."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, points: float = 0) -> dict:
    nbgrader = {
        "grade": grade, "solution": solution, "locked": not solution,
        "grade_id": grade_id, "schema_version": 3,
    }  # fmt: skip
    if grade:
        nbgrader["points"] = points
    return {"nbgrader": nbgrader}


def starter_notebook(path: Path) -> None:
    """Write a gradable nbgrader source notebook to `path`."""
    cells = [
        new_markdown_cell(
            "# Bài tập / Assignment\n\nGán cho `answer` tổng các số đo.\n\n"
            "Set `answer` to the sum of the readings.",
            metadata=_meta("intro"),
        ),
        new_code_cell("readings = [1.5, 2.5, 3.0]", metadata=_meta("data")),
        new_code_cell(
            "### BEGIN SOLUTION\nanswer = sum(readings)\n### END SOLUTION",
            metadata=_meta("q1-answer", solution=True),
        ),
        new_code_cell(
            "assert type(answer) is float\n"
            "### BEGIN HIDDEN TESTS\nassert answer == 7.0\n### END HIDDEN TESTS",
            metadata=_meta("q1-tests", grade=True, points=1),
        ),
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), path)
